//! The lock checker: leases with fencing tokens, judged from real time.
//!
//! History shape (per lock, named by the `key`): `acquire` with invoke value
//! `{"ttl_ms": n}` and the granted token as its `ok` value; `release` and
//! `renew` with the token as value (`renew` also `{"token", "ttl_ms"}`);
//! writes of the protected resource `write {"token": t, "value": v}` and
//! reads returning `{"token": t, "value": v}` (or `null`) on the same key.
//!
//! A grant happens somewhere between an acquire's invoke and its completion,
//! and its lease lasts at least `ttl` from the grant, so from the client's
//! view the lock is *certainly* held from the acquire's completion until the
//! earlier of (its invoke + ttl, extended by renewals the same way) and the
//! invoke of the holder's release. Only these certain intervals are judged,
//! and `info` operations, which may or may not have taken effect, never
//! create a certain holder; so a correct service is never accused.
//!
//! - mutual exclusion: no two certain holding intervals overlap;
//! - tokens: an acquire that completed before another was invoked got the
//!   lower token, and no token is granted twice;
//! - resource: an `ok` write carries a token its process was granted, and no
//!   higher token had been granted (acquire completed) before the write was
//!   invoked; an `ok` read never returns a lower token than a write that had
//!   completed before the read began (a stale write overwrote a newer one).

mod exclusion;
mod highest;
mod ops;
mod report;
mod resource;
mod tokens;

pub use report::{LockReport, Violation, ViolationKind, WitnessOp};

use crate::history::{Event, HistoryError, OpFn, ProcessId, pair_operations};
use crate::verdict::Validity;
use ops::LockOps;

/// Most violations of each kind kept in a report.
const MAX_WITNESSES: usize = 10;

/// Whether `events` look like the lock workload's: leases plus writes of the
/// resource they guard (a mutex history without writes is a model's job).
pub fn is_lock_history(events: &[Event]) -> bool {
    let has = |f: OpFn| {
        events
            .iter()
            .any(|e| e.process != ProcessId::Nemesis && e.f == f)
    };
    has(OpFn::Acquire) && has(OpFn::Write)
}

/// Checks a lock history (see the module documentation for the rules).
pub fn check_lock(events: &[Event]) -> Result<LockReport, HistoryError> {
    let operations = pair_operations(events, None, "<history>")?;
    let per_lock = LockOps::by_key(&operations);
    let mut violations = Vec::new();
    let (mut acquires, mut writes) = (0, 0);
    for lock in &per_lock {
        acquires += lock.grants.len();
        writes += lock.writes.len();
        violations.extend(exclusion::check(lock));
        violations.extend(tokens::check(lock));
        violations.extend(resource::check(lock));
    }
    let mut kept: Vec<Violation> = Vec::new();
    for v in violations {
        if kept.iter().filter(|k| k.kind == v.kind).count() < MAX_WITNESSES {
            kept.push(v);
        }
    }
    let valid = if !kept.is_empty() {
        Validity::Invalid
    } else if acquires == 0 {
        Validity::Unknown
    } else {
        Validity::Valid
    };
    Ok(LockReport {
        valid,
        locks: per_lock.len(),
        acquires,
        writes,
        violations: kept,
    })
}
