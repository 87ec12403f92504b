//! Turns the deepest dead ends of a search into a [`Counterexample`].

use super::report::{
    Counterexample, Linearization, LinearizationStep, MinimalCounterexample, OpView, Unplaceable,
};
use super::shrink::{KeyOps, Shrunk};
use super::wgl::Search;
use crate::history::{OpStatus, Operation};
use crate::model::Model;
use rustc_hash::FxHashSet;

/// Largest number of operations drawn; bigger partitions get a window around the failure.
pub(crate) const WINDOW: usize = 200;

/// Builds the counterexample of an invalid partition.
///
/// `prefixes` hold local op indices in linearization order; `extra` is an
/// unplaceable operation found by the pre-check (local index, reason).
pub(crate) fn build<M: Model>(
    model: &M,
    key: &Option<String>,
    ops: &[Operation],
    inputs: &[M::Input],
    prefixes: &[Vec<u32>],
    extra: Option<(usize, String)>,
) -> Counterexample {
    let mut unplaceable: Vec<Unplaceable> = Vec::new();
    let mut focus: Option<usize> = None;
    if let Some((i, reason)) = &extra {
        focus = Some(*i);
        unplaceable.push(Unplaceable {
            op: ops[*i].id,
            state: "any reachable state".to_string(),
            reason: reason.clone(),
        });
    }
    let mut states_per_prefix: Vec<Vec<String>> = Vec::new();
    for (pi, prefix) in prefixes.iter().enumerate() {
        let mut state = model.init();
        let mut states = Vec::with_capacity(prefix.len());
        for &o in prefix {
            // The prefix was produced by the search, so every step applies; stop quietly if not.
            match model.step(&state, &inputs[o as usize]) {
                Some(s) => state = s,
                None => break,
            }
            states.push(model.describe_state(&state));
        }
        states_per_prefix.push(states);
        let done: FxHashSet<u32> = prefix.iter().copied().collect();
        // The earliest return among the operations still to place bounds where the next one must go.
        let first_return = ops
            .iter()
            .enumerate()
            .filter(|(i, o)| !done.contains(&(*i as u32)) && o.status != OpStatus::Crashed)
            .filter_map(|(i, o)| o.complete_pos.map(|c| (c, i)))
            .min();
        let Some((bound, blocking)) = first_return else {
            continue;
        };
        let described = model.describe_state(&state);
        let mut found_any = false;
        for (i, o) in ops.iter().enumerate() {
            if done.contains(&(i as u32)) || o.invoke_pos > bound || o.status == OpStatus::Crashed {
                continue;
            }
            if model.step(&state, &inputs[i]).is_none() {
                found_any = true;
                if pi == 0 && focus.is_none() {
                    focus = Some(i);
                }
                if !unplaceable.iter().any(|u| u.op == o.id) {
                    unplaceable.push(Unplaceable {
                        op: o.id,
                        state: described.clone(),
                        reason: model.explain(&state, &inputs[i]),
                    });
                }
            }
        }
        if !found_any {
            if pi == 0 && focus.is_none() {
                focus = Some(blocking);
            }
            if !unplaceable.iter().any(|u| u.op == ops[blocking].id) {
                let after = model
                    .step(&state, &inputs[blocking])
                    .map(|s| model.describe_state(&s))
                    .unwrap_or_default();
                unplaceable.push(Unplaceable {
                    op: ops[blocking].id,
                    state: described.clone(),
                    reason: format!(
                        "{} can be applied here (giving {after}), but then the operations left cannot all be placed",
                        model.describe_op(&inputs[blocking])
                    ),
                });
            }
        }
    }
    let window = window(ops.len(), focus.unwrap_or(0), &unplaceable, ops);
    let in_window: FxHashSet<usize> = window.iter().copied().collect();
    let longest_prefixes = prefixes
        .iter()
        .zip(states_per_prefix)
        .map(|(p, states)| Linearization {
            length: states.len(),
            steps: p
                .iter()
                .zip(states)
                .enumerate()
                .filter(|(_, (o, _))| in_window.contains(&(**o as usize)))
                .map(|(i, (o, s))| LinearizationStep {
                    op: ops[*o as usize].id,
                    position: i + 1,
                    state_after: s,
                })
                .collect(),
        })
        .collect();
    Counterexample {
        key: key.clone(),
        operations: window.iter().map(|&i| op_view(&ops[i])).collect(),
        longest_prefixes,
        unplaceable,
        minimal: None,
    }
}

/// Steps the search for the longest orders of a shrunk sub-history may take
/// (it is small when shrinking finished; bounded when it did not).
const MINIMAL_PREFIX_STEPS: u64 = 200_000;
/// The same for a model with a look-ahead, which that search runs without:
/// states the memo cannot merge (kv-append's orders of appends) use the
/// budget up around a core with ten unknown-effect appends. On `kv/c10-bad`
/// two such keys took 34 ms each at 200,000 steps and showed the same
/// orders at 20,000 (1.3 ms).
const MINIMAL_PREFIX_STEPS_LOOKING_AHEAD: u64 = 20_000;

/// Explains a shrunk sub-history the way [`build`] explains a key.
pub(crate) fn build_minimal<M: Model>(
    key: &KeyOps<'_, M>,
    name: &Option<String>,
    shrunk: Shrunk<M::Input>,
    stop: &dyn Fn() -> bool,
) -> MinimalCounterexample {
    let sub = shrunk.sub;
    // Weakened operations are shown as what they became: calls whose effect is unknown.
    let sub_ops: Vec<Operation> = sub
        .kept
        .iter()
        .zip(&sub.times)
        .map(|(&i, t)| {
            let mut op = key.ops[i].clone();
            if t.1.is_none() && op.complete_pos.is_some() {
                op.status = OpStatus::Crashed;
                op.complete_pos = None;
                op.complete_time = None;
                op.complete_index = None;
                op.output = serde_json::Value::Null;
            }
            op
        })
        .collect();
    let crashed: Vec<bool> = sub.times.iter().map(|t| t.1.is_none()).collect();
    let extra = key.model.impossible(&sub.inputs, &crashed);
    let mut search = Search::new(key.model, sub.inputs, &sub.times, true);
    search.memory_cap = key.memory_cap;
    // The longest orders are what the look-ahead would cut short.
    search.look_ahead = false;
    let steps = if M::LOOKS_AHEAD {
        MINIMAL_PREFIX_STEPS_LOOKING_AHEAD
    } else {
        MINIMAL_PREFIX_STEPS
    };
    let _ = search.run(steps, stop);
    let prefixes: Vec<Vec<u32>> = search
        .tracker
        .as_ref()
        .map(|t| t.prefixes.clone())
        .unwrap_or_default();
    let cx = build(key.model, name, &sub_ops, &search.inputs, &prefixes, extra);
    let core: Vec<usize> = shrunk.core.iter().map(|&i| key.ops[i].id).collect();
    // Draw the core and the unknown-effect operations the orders use; count the rest.
    let used: FxHashSet<usize> = cx
        .longest_prefixes
        .iter()
        .flat_map(|p| p.steps.iter().map(|s| s.op))
        .chain(cx.unplaceable.iter().map(|u| u.op))
        .chain(core.iter().copied())
        .collect();
    let operations: Vec<OpView> = cx
        .operations
        .into_iter()
        .filter(|o| used.contains(&o.id))
        .collect();
    MinimalCounterexample {
        unknown_effect: sub_ops.len() - core.len(),
        core,
        operations,
        longest_prefixes: cx.longest_prefixes,
        unplaceable: cx.unplaceable,
        one_minimal: shrunk.one_minimal,
        from_ops: key.ops.len(),
        elapsed_ms: shrunk.elapsed.as_secs_f64() * 1000.0,
    }
}

/// Local indices of the operations to draw: all, or `WINDOW` around `focus`
/// plus every unplaceable one.
fn window(n: usize, focus: usize, unplaceable: &[Unplaceable], ops: &[Operation]) -> Vec<usize> {
    if n <= WINDOW {
        return (0..n).collect();
    }
    let start = focus.saturating_sub(WINDOW * 3 / 4).min(n - WINDOW);
    let mut idx: Vec<usize> = (start..start + WINDOW).collect();
    for u in unplaceable {
        if let Some(i) = ops.iter().position(|o| o.id == u.op)
            && !idx.contains(&i)
        {
            idx.push(i);
        }
    }
    idx.sort_unstable();
    idx
}

/// An operation as drawn on a timeline.
pub(crate) fn op_view(o: &Operation) -> OpView {
    OpView {
        id: o.id,
        process: o.process,
        f: o.f.clone(),
        value: o.value.clone(),
        result: o.output.clone(),
        invoke_time: o.invoke_time,
        complete_time: o.complete_time,
        invoke_index: o.invoke_index,
        complete_index: o.complete_index,
        node: o.node.clone(),
    }
}
