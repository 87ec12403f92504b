//! The shape of Jepsen's long-fork workload: transactions that insert one
//! key once (`[[:w k 1]]`) and read-only transactions reading a group of
//! keys. Jepsen's checker looks for a long fork: two reads of which each
//! saw an insert the other missed. In such a history every dependency cycle
//! without real-time or process order is such a fork (a write-only
//! transaction is entered only by the read of its own key and left only
//! towards the readers of it), so serializability is the model that judges
//! it as Jepsen's checker does; strict serializability would also count
//! stale reads, which that checker lets pass.

use crate::history::{Event, EventType, OpFn, ProcessId};
use rustc_hash::FxHashSet;
use serde_json::Value;

/// True for a history shaped like Jepsen's long-fork workload (see the module documentation).
pub fn is_long_fork_history(events: &[Event]) -> bool {
    let mut written: FxHashSet<String> = FxHashSet::default();
    let (mut writes, mut group_reads) = (0usize, 0usize);
    for e in events
        .iter()
        .filter(|e| e.process != ProcessId::Nemesis && e.kind == EventType::Invoke)
    {
        if e.f != OpFn::Txn {
            return false;
        }
        let Some(micro) = e.value.as_array() else {
            return false;
        };
        let f = |m: &Value| m.get(0).and_then(Value::as_str).map(str::to_string);
        match micro.as_slice() {
            [one] if f(one).as_deref() == Some("w") => {
                let key = one.get(1).map(Value::to_string).unwrap_or_default();
                if !written.insert(key) {
                    // A key inserted twice is not this workload (Jepsen's
                    // checker calls it unknown).
                    return false;
                }
                writes += 1;
            }
            reads if !reads.is_empty() && reads.iter().all(|m| f(m).as_deref() == Some("r")) => {
                if reads.len() > 1 {
                    group_reads += 1;
                }
            }
            _ => return false,
        }
    }
    writes > 0 && group_reads > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn invoke(p: u64, value: Value) -> Event {
        Event {
            index: 0,
            time: 0,
            process: ProcessId::Client(p),
            kind: EventType::Invoke,
            f: OpFn::Txn,
            key: None,
            value,
            node: None,
            error: None,
            detail: None,
        }
    }

    #[test]
    fn inserts_and_group_reads_are_long_fork_and_anything_else_is_not() {
        let lf = [
            invoke(0, json!([["w", 1, 1]])),
            invoke(1, json!([["w", 2, 1]])),
            invoke(2, json!([["r", 1, null], ["r", 2, null]])),
        ];
        assert!(is_long_fork_history(&lf));
        let twice = [lf[0].clone(), lf[0].clone(), lf[2].clone()];
        assert!(!is_long_fork_history(&twice));
        let mixed = [
            lf[0].clone(),
            invoke(3, json!([["r", 1, null], ["w", 2, 3]])),
        ];
        assert!(!is_long_fork_history(&mixed));
        let appends = [invoke(0, json!([["append", 1, 1]])), lf[2].clone()];
        assert!(!is_long_fork_history(&appends));
        assert!(!is_long_fork_history(&lf[..2]));
    }
}
