//! Transactions that do not say `:f :txn`. Elle's histories may leave `:f`
//! out, and Jepsen's long-fork workload names its transactions `:read`
//! (group reads) and `:write` (single inserts); their values are lists of
//! micro-ops `[f k v]` (`f` one of `r`, `w`, `append`), which no register,
//! list or set operation has. Such events are read as `txn` — the same in
//! EDN and JSON, whose keywords both arrive here as strings.

use super::Located;
use crate::history::{EventType, OpFn, ProcessId};
use rustc_hash::FxHashMap;
use serde_json::Value;

/// True for a transaction's value: a non-empty list of `[f k v]`
/// micro-ops whose `f` is `r`, `w` or `append`.
pub(crate) fn is_micro_ops(v: &Value) -> bool {
    v.as_array().is_some_and(|items| {
        !items.is_empty()
            && items.iter().all(|m| match m.as_array().map(Vec::as_slice) {
                Some([Value::String(f), _, _]) => matches!(f.as_str(), "r" | "w" | "append"),
                _ => false,
            })
    })
}

/// Reads `read`/`write` invocations whose value is micro-ops as `txn`, and
/// their completions with them (a `fail` or `info` may carry `nil`, and a
/// pair must match).
pub(crate) fn read_as_txns(events: &mut Located) {
    let mut open: FxHashMap<ProcessId, bool> = FxHashMap::default();
    for (e, _) in events.iter_mut() {
        if e.process == ProcessId::Nemesis {
            continue;
        }
        let reads_or_writes = matches!(e.f, OpFn::Read | OpFn::Write);
        if e.kind == EventType::Invoke {
            if reads_or_writes && is_micro_ops(&e.value) {
                e.f = OpFn::Txn;
            }
            open.insert(e.process, e.f == OpFn::Txn);
        } else if open.remove(&e.process) == Some(true) && reads_or_writes {
            e.f = OpFn::Txn;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn micro_ops_are_lists_of_r_w_append_triples() {
        assert!(is_micro_ops(&json!([["r", 1, null], ["append", "x", 2]])));
        assert!(is_micro_ops(&json!([["w", 1, 1]])));
        assert!(!is_micro_ops(&json!([])));
        assert!(!is_micro_ops(&json!([1, 2])));
        assert!(!is_micro_ops(&json!([["cas", 1, 2]])));
        assert!(!is_micro_ops(&json!([["r", 1]])));
        assert!(!is_micro_ops(&json!({"from": 1})));
    }
}
