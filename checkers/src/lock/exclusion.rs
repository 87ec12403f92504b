//! Mutual exclusion: no two certain holding intervals overlap.

use super::ops::LockOps;
use super::report::{Violation, ViolationKind};

/// Overlapping certain leases on `lock`, each with its two grants.
pub fn check(lock: &LockOps) -> Vec<Violation> {
    let mut held: Vec<_> = lock
        .grants
        .iter()
        .filter(|g| g.held_until > g.held_from)
        .collect();
    held.sort_by_key(|g| g.held_from);
    let mut out = Vec::new();
    // The interval reaching furthest so far: any later-starting interval
    // that begins before its end overlaps it.
    let mut furthest: Option<&super::ops::Grant> = None;
    for g in held {
        if let Some(f) = furthest
            && g.held_from < f.held_until
        {
            out.push(Violation {
                kind: ViolationKind::TwoHolders,
                key: lock.key.clone(),
                text: format!(
                    "lock {}: {} held it until at least {:.3} s, yet {} held it from {:.3} s",
                    lock.key,
                    f.op.describe(),
                    f.held_until as f64 / 1e9,
                    g.op.describe(),
                    g.held_from as f64 / 1e9
                ),
                ops: vec![f.op.clone(), g.op.clone()],
            });
        }
        if furthest.is_none_or(|f| g.held_until > f.held_until) {
            furthest = Some(g);
        }
    }
    out
}
