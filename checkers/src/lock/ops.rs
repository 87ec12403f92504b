//! The operations of a lock history, grouped per lock and reduced to what
//! the rules need: certain grants, releases, resource writes and reads.

use super::report::WitnessOp;
use crate::history::{OpFn, OpStatus, Operation, ProcessId};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

const NS_PER_MS: u64 = 1_000_000;

/// An `ok` acquire: its token and when the lease is certainly held.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The operation, for witnesses.
    pub op: WitnessOp,
    /// Issuing process.
    pub process: ProcessId,
    /// Granted token.
    pub token: u64,
    /// Certainly held from here (the acquire's completion)...
    pub held_from: u64,
    /// ...until here (exclusive); `held_until <= held_from` means never certainly.
    pub held_until: u64,
}

/// An `ok` resource write or read on the lock's key.
#[derive(Debug, Clone)]
pub struct Access {
    /// The operation, for witnesses.
    pub op: WitnessOp,
    /// Issuing process.
    pub process: ProcessId,
    /// Token written, or read back (0 for a read of an unwritten resource).
    pub token: u64,
}

/// Everything judged about one lock.
#[derive(Debug, Default)]
pub struct LockOps {
    /// The lock's name.
    pub key: String,
    /// `ok` acquires, in invocation order.
    pub grants: Vec<Grant>,
    /// `ok` resource writes, in invocation order.
    pub writes: Vec<Access>,
    /// `ok` resource reads, in invocation order.
    pub reads: Vec<Access>,
}

impl LockOps {
    /// Groups the lock operations of a history by key.
    pub fn by_key(ops: &[Operation]) -> Vec<LockOps> {
        let ends = LeaseEnds::index(ops);
        let mut locks: BTreeMap<String, LockOps> = BTreeMap::new();
        for op in ops {
            let key = op.key.clone().unwrap_or_default();
            let lock = locks.entry(key.clone()).or_insert_with(|| LockOps {
                key,
                ..LockOps::default()
            });
            if op.status != OpStatus::Ok {
                continue;
            }
            match op.f {
                OpFn::Acquire => {
                    if let Some(token) = token_of(&op.output) {
                        lock.grants.push(grant(op, token, &ends));
                    }
                }
                OpFn::Write => {
                    if let Some(token) = token_of(&op.value) {
                        lock.writes.push(access(op, token));
                    }
                }
                OpFn::Read => {
                    let token = if op.output.is_null() {
                        Some(0)
                    } else {
                        token_of(&op.output)
                    };
                    if let Some(token) = token {
                        lock.reads.push(access(op, token));
                    }
                }
                _ => {}
            }
        }
        locks
            .into_values()
            .filter(|l| !l.grants.is_empty() || !l.writes.is_empty())
            .collect()
    }
}

/// A token given as a number or as `{"token": n}`.
pub fn token_of(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.get("token").and_then(Value::as_u64))
}

fn ttl_ns(v: &Value) -> Option<u64> {
    v.get("ttl_ms")
        .and_then(Value::as_u64)
        .map(|ms| ms.saturating_mul(NS_PER_MS))
}

fn access(op: &Operation, token: u64) -> Access {
    Access {
        op: WitnessOp::of(op, token),
        process: op.process,
        token,
    }
}

/// Releases and renewals, by who issued them, on which lock, for which token.
struct LeaseEnds<'a>(HashMap<(ProcessId, Option<String>, u64), Vec<&'a Operation>>);

impl<'a> LeaseEnds<'a> {
    fn index(ops: &'a [Operation]) -> LeaseEnds<'a> {
        let mut map: HashMap<_, Vec<&Operation>> = HashMap::new();
        for o in ops {
            let ends =
                matches!(&o.f, OpFn::Release) || matches!(&o.f, OpFn::Other(f) if f == "renew");
            if let Some(token) = token_of(&o.value).filter(|_| ends) {
                map.entry((o.process, o.key.clone(), token))
                    .or_default()
                    .push(o);
            }
        }
        LeaseEnds(map)
    }

    fn of(&self, acq: &Operation, token: u64) -> &[&'a Operation] {
        self.0
            .get(&(acq.process, acq.key.clone(), token))
            .map_or(&[], Vec::as_slice)
    }
}

/// The certain holding interval of an `ok` acquire: its lease runs at least
/// `ttl` from its invoke (the grant is no earlier), renewals by the same
/// process extend that from their invokes, and a release (`ok`, or `info`
/// that may have applied) may end it as early as its invoke.
fn grant(acq: &Operation, token: u64, ends: &LeaseEnds<'_>) -> Grant {
    let held_from = acq.complete_time.unwrap_or(acq.invoke_time);
    let mut until = ttl_ns(&acq.value).map_or(u64::MAX, |t| acq.invoke_time.saturating_add(t));
    let mut released = u64::MAX;
    for o in ends.of(acq, token) {
        if o.invoke_time <= acq.invoke_time {
            continue;
        }
        match (&o.f, o.status) {
            (OpFn::Other(f), OpStatus::Ok) if f == "renew" => {
                if let Some(t) = ttl_ns(&o.value) {
                    until = until.max(o.invoke_time.saturating_add(t));
                }
            }
            (OpFn::Release, OpStatus::Ok | OpStatus::Crashed) => {
                released = released.min(o.invoke_time);
            }
            _ => {}
        }
    }
    Grant {
        op: WitnessOp::of(acq, token),
        process: acq.process,
        token,
        held_from,
        held_until: until.min(released),
    }
}
