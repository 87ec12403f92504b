//! Fencing tokens: strictly increasing in the real-time order of grants,
//! and never granted twice.

use super::highest::HighestBefore;
use super::ops::LockOps;
use super::report::{Violation, ViolationKind, WitnessOp};
use std::collections::HashMap;

/// Grants of `lock` whose token does not exceed that of an earlier grant.
pub fn check(lock: &LockOps) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut seen: HashMap<u64, &WitnessOp> = HashMap::new();
    for g in &lock.grants {
        match seen.get(&g.token) {
            Some(first) => out.push(violation(lock, first, &g.op, "was granted again after")),
            None => {
                seen.insert(g.token, &g.op);
            }
        }
    }
    let mut by_invoke: Vec<&WitnessOp> = lock.grants.iter().map(|g| &g.op).collect();
    by_invoke.sort_by_key(|o| o.invoke_time);
    let mut highest = HighestBefore::new(lock.grants.iter().map(|g| &g.op));
    for g in by_invoke {
        if let Some(h) = highest.at(g.invoke_time)
            && h.token > g.token
        {
            out.push(violation(
                lock,
                h,
                g,
                "began after, but got a lower token than",
            ));
        }
    }
    out
}

fn violation(lock: &LockOps, earlier: &WitnessOp, later: &WitnessOp, what: &str) -> Violation {
    Violation {
        kind: ViolationKind::TokenOrder,
        key: lock.key.clone(),
        text: format!(
            "lock {}: {} {what} {}",
            lock.key,
            later.describe(),
            earlier.describe()
        ),
        ops: vec![earlier.clone(), later.clone()],
    }
}
