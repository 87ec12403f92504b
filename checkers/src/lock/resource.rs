//! The protected resource: only the current holder writes, and a stale
//! write never lands over a newer one.

use super::highest::HighestBefore;
use super::ops::{Access, LockOps};
use super::report::{Violation, ViolationKind};
use crate::history::ProcessId;
use std::collections::HashMap;

/// Writes by non-holders or with stale tokens, and reads that show a newer
/// write overwritten.
pub fn check(lock: &LockOps) -> Vec<Violation> {
    let mut out = Vec::new();
    let violation = |kind, text: String, ops| Violation {
        kind,
        key: lock.key.clone(),
        text: format!("resource {}: {text}", lock.key),
        ops,
    };
    let granted_at: HashMap<(ProcessId, u64), u64> = lock
        .grants
        .iter()
        .map(|g| ((g.process, g.token), g.held_from))
        .collect();
    for w in &lock.writes {
        let granted = granted_at
            .get(&(w.process, w.token))
            .is_some_and(|done| *done < w.op.invoke_time);
        if !granted {
            out.push(violation(
                ViolationKind::UnheldWrite,
                format!(
                    "{} carries a token its process had not been granted",
                    w.op.describe()
                ),
                vec![w.op.clone()],
            ));
        }
    }
    let mut grants = HighestBefore::new(lock.grants.iter().map(|g| &g.op));
    for w in by_invoke(&lock.writes) {
        if let Some(g) = grants.at(w.op.invoke_time)
            && g.token > w.token
        {
            out.push(violation(
                ViolationKind::StaleWrite,
                format!(
                    "{} was made after {} had taken the lock over",
                    w.op.describe(),
                    g.describe()
                ),
                vec![g.clone(), w.op.clone()],
            ));
        }
    }
    let mut writes = HighestBefore::new(lock.writes.iter().map(|w| &w.op));
    for r in by_invoke(&lock.reads) {
        if let Some(w) = writes.at(r.op.invoke_time)
            && w.token > r.token
        {
            out.push(violation(
                ViolationKind::Overwritten,
                format!(
                    "{} saw token {} although {} had completed before it: a stale write overwrote it",
                    r.op.describe(),
                    r.token,
                    w.describe()
                ),
                vec![w.clone(), r.op.clone()],
            ));
        }
    }
    out
}

fn by_invoke(accesses: &[Access]) -> Vec<&Access> {
    let mut v: Vec<&Access> = accesses.iter().collect();
    v.sort_by_key(|a| a.op.invoke_time);
    v
}
