//! A deliberately naive linearizability checker: tries every order of the
//! operations (and every subset of the crashed ones) that real time allows.
//! Exponential, so only for histories of a handful of operations; the only
//! shortcut is remembering (placed operations, state) pairs that led nowhere.

use faultline_checkers::{Event, Model, OpStatus, Operation, Validity, pair_operations};
use std::collections::{BTreeMap, HashSet};

/// The verdict of the brute-force search: every key must be linearizable on its own.
pub fn brute_force<M: Model>(model: &M, events: &[Event]) -> Validity {
    let ops = pair_operations(events, None, "generated").expect("generated histories pair up");
    let mut parts: BTreeMap<Option<String>, Vec<Operation>> = BTreeMap::new();
    for op in ops {
        parts.entry(op.key.clone()).or_default().push(op);
    }
    if parts.values().all(|ops| linearizable(model, ops)) {
        Validity::Valid
    } else {
        Validity::Invalid
    }
}

/// Whether one key's operations can be ordered.
pub fn linearizable<M: Model>(model: &M, ops: &[Operation]) -> bool {
    let inputs: Vec<M::Input> = ops
        .iter()
        .map(|o| {
            model
                .prepare(o)
                .expect("generated operations suit the model")
        })
        .collect();
    assert!(ops.len() <= 64, "brute force is for small histories");
    let mut used = vec![false; ops.len()];
    let mut dead_ends = HashSet::new();
    extend(model, ops, &inputs, &mut used, model.init(), &mut dead_ends)
}

/// Can the remaining operations be ordered after a prefix that ended in `state`?
fn extend<M: Model>(
    model: &M,
    ops: &[Operation],
    inputs: &[M::Input],
    used: &mut [bool],
    state: M::State,
    dead_ends: &mut HashSet<(u64, M::State)>,
) -> bool {
    let pending: Vec<usize> = (0..ops.len())
        .filter(|&i| !used[i] && ops[i].status != OpStatus::Crashed)
        .collect();
    if pending.is_empty() {
        // Crashed operations left over simply never took effect.
        return true;
    }
    let placed = used
        .iter()
        .enumerate()
        .fold(0u64, |m, (i, &u)| if u { m | 1 << i } else { m });
    if dead_ends.contains(&(placed, state.clone())) {
        return false;
    }
    for x in 0..ops.len() {
        if used[x] {
            continue;
        }
        // x can come next only if no unplaced completed operation returned before x was invoked.
        let forced_before = pending
            .iter()
            .any(|&y| ops[y].complete_pos.is_some_and(|c| c < ops[x].invoke_pos));
        if forced_before {
            continue;
        }
        if let Some(next) = model.step(&state, &inputs[x]) {
            used[x] = true;
            let found = extend(model, ops, inputs, used, next, dead_ends);
            used[x] = false;
            if found {
                return true;
            }
        }
    }
    dead_ends.insert((placed, state));
    false
}
