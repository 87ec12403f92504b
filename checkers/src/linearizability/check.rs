//! Checking a whole history: pairing, partitioning per key, the scheduling of
//! partition searches in parallel, deadlines and cancellation.

use super::counterexample;
use super::options::{CheckError, CheckOptions};
use super::partition::by_key;
use super::report::{LinearizabilityReport, PartitionResult};
use super::wgl::{Outcome, Search};
use crate::history::{Event, Operation, pair_operations};
use crate::model::{Model, ModelKind, ModelTask, Val, with_model};
use crate::verdict::Validity;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Step budgets of the rounds: every partition gets the first budget, then
/// the undecided ones get growing budgets, so that a cheap invalid key is
/// found (and the rest stopped) before expensive keys take all the time.
const ROUNDS: [(u64, bool); 4] = [
    (4_096, false),
    (32_768, true),
    (262_144, true),
    (u64::MAX, true),
];
/// Steps the counterexample search gets when the pre-check already proved a partition invalid.
const PRECHECK_PREFIX_STEPS: u64 = 200_000;

/// Reason given to partitions left undecided because another one is invalid.
pub const NOT_CHECKED_OTHER_INVALID: &str = "not checked: another partition is invalid";

/// Checks a history against a built-in model.
pub fn check_linearizable(
    events: &[Event],
    model: ModelKind,
    opts: &CheckOptions,
) -> Result<LinearizabilityReport, CheckError> {
    struct Linearize<'a>(&'a [Event], &'a CheckOptions);
    impl ModelTask for Linearize<'_> {
        type Output = LinearizabilityReport;
        fn run<M: Model>(self, model: &M, _: Option<Val>) -> Result<Self::Output, CheckError> {
            check_with_model(self.0, model, self.1)
        }
    }
    with_model(model, opts.init.as_ref(), Linearize(events, opts))
}

/// One partition on its way through the scheduler.
struct Part<'m, M: Model> {
    key: Option<String>,
    ops: Vec<Operation>,
    search: Option<Search<'m, M>>,
    result: Option<PartitionResult>,
}

/// Checks a history against any model (built-in or your own), per key, in parallel.
pub fn check_with_model<M: Model>(
    events: &[Event],
    model: &M,
    opts: &CheckOptions,
) -> Result<LinearizabilityReport, CheckError> {
    let start = Instant::now();
    let ops = pair_operations(events, None, "<history>")?;
    let deadline = opts.timeout.map(|t| start + t);
    let other_invalid = AtomicBool::new(false);
    let stop_reason = |respect_other_invalid: bool| -> Option<String> {
        if opts
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            return Some("cancelled".to_string());
        }
        if let (Some(d), Some(t)) = (deadline, opts.timeout)
            && Instant::now() >= d
        {
            return Some(format!("deadline of {} exceeded", fmt_duration(t)));
        }
        if respect_other_invalid && other_invalid.load(Ordering::Relaxed) {
            return Some(NOT_CHECKED_OTHER_INVALID.to_string());
        }
        None
    };

    // Prepare every partition's inputs (model errors surface here) and run the pre-check.
    let mut parts: Vec<Part<'_, M>> = by_key(ops)
        .into_par_iter()
        .map(|(key, ops)| -> Result<Part<'_, M>, CheckError> {
            let inputs = ops
                .iter()
                .map(|o| model.prepare(o))
                .collect::<Result<Vec<_>, _>>()?;
            let crashed: Vec<bool> = ops.iter().map(Operation::is_crashed).collect();
            let (ops, inputs, crashed) = drop_unobservable(model, ops, inputs, crashed);
            let times: Vec<(usize, Option<usize>)> =
                ops.iter().map(|o| (o.invoke_pos, o.complete_pos)).collect();
            if let Some(bad) = model.impossible(&inputs, &crashed) {
                // Already invalid: a bounded search only looks for a good prefix to show.
                let mut s = Search::new(model, inputs, &times, true);
                let _ = s.run(PRECHECK_PREFIX_STEPS, &|| stop_reason(false).is_some());
                let result = invalid_result(model, &key, &ops, &s, Some(bad));
                return Ok(Part {
                    key,
                    ops,
                    search: None,
                    result: Some(result),
                });
            }
            Ok(Part {
                search: Some(Search::new(model, inputs, &times, false)),
                key,
                ops,
                result: None,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;

    // Round one: a small budget each; round two: the rest, until decided or stopped.
    for (budget, respect_other) in ROUNDS {
        if parts.iter().any(|p| {
            p.result
                .as_ref()
                .is_some_and(|r| r.valid == Validity::Invalid)
        }) {
            other_invalid.store(true, Ordering::Relaxed);
        }
        parts
            .par_iter_mut()
            .with_max_len(1)
            .filter(|p| p.result.is_none())
            .for_each(|p| {
                if respect_other && let Some(reason) = stop_reason(true) {
                    p.result = Some(unknown_result(p, reason));
                    p.search = None;
                    return;
                }
                let Some(search) = p.search.as_mut() else {
                    return;
                };
                let outcome = search.run(budget, &|| stop_reason(respect_other).is_some());
                match outcome {
                    Outcome::Valid => {
                        p.result = Some(PartitionResult {
                            key: p.key.clone(),
                            valid: Validity::Valid,
                            ops: p.ops.len(),
                            reason: None,
                            counterexample: None,
                        });
                        p.search = None;
                    }
                    Outcome::Invalid => {
                        other_invalid.store(true, Ordering::Relaxed);
                        let inputs = std::mem::take(&mut search.inputs);
                        p.search = None;
                        p.result = Some(explain_invalid(model, p, inputs, &|| {
                            stop_reason(false).is_some()
                        }));
                    }
                    Outcome::Paused => {
                        // Out of this round's budget: the next round resumes it, unless told to stop.
                        if respect_other && let Some(reason) = stop_reason(true) {
                            p.result = Some(unknown_result(p, reason));
                            p.search = None;
                        }
                    }
                }
            });
    }

    let partitions: Vec<PartitionResult> = parts
        .into_iter()
        .map(|p| {
            p.result.unwrap_or_else(|| PartitionResult {
                key: p.key,
                valid: Validity::Unknown,
                ops: p.ops.len(),
                reason: Some("stopped".to_string()),
                counterexample: None,
            })
        })
        .collect();
    let valid = partitions
        .iter()
        .fold(Validity::Valid, |acc, p| acc.and(p.valid));
    Ok(LinearizabilityReport {
        model: model.name().to_string(),
        valid,
        partitions,
        elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
    })
}

/// Leaves out the crashed operations the model says nothing could observe:
/// each one would otherwise double the subsets of crashed operations the
/// search may have to try.
fn drop_unobservable<M: Model>(
    model: &M,
    ops: Vec<Operation>,
    inputs: Vec<M::Input>,
    crashed: Vec<bool>,
) -> (Vec<Operation>, Vec<M::Input>, Vec<bool>) {
    let drop = model.unobservable(&inputs, &crashed);
    if !drop.iter().any(|&d| d) {
        return (ops, inputs, crashed);
    }
    let keep = |i: &usize| !drop.get(*i).copied().unwrap_or(false);
    let ops = ops
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep(i))
        .map(|(_, o)| o)
        .collect();
    let inputs = inputs
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep(i))
        .map(|(_, x)| x)
        .collect();
    let crashed = crashed
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep(i))
        .map(|(_, c)| c)
        .collect();
    (ops, inputs, crashed)
}

fn unknown_result<M: Model>(p: &Part<'_, M>, reason: String) -> PartitionResult {
    PartitionResult {
        key: p.key.clone(),
        valid: Validity::Unknown,
        ops: p.ops.len(),
        reason: Some(reason),
        counterexample: None,
    }
}

/// Re-runs the (deterministic) search with dead-end tracking to find the longest prefixes.
fn explain_invalid<M: Model>(
    model: &M,
    p: &Part<'_, M>,
    inputs: Vec<M::Input>,
    stop: &dyn Fn() -> bool,
) -> PartitionResult {
    let times: Vec<(usize, Option<usize>)> = p
        .ops
        .iter()
        .map(|o| (o.invoke_pos, o.complete_pos))
        .collect();
    let mut s = Search::new(model, inputs, &times, true);
    let _ = s.run(u64::MAX, stop);
    invalid_result(model, &p.key, &p.ops, &s, None)
}

fn invalid_result<M: Model>(
    model: &M,
    key: &Option<String>,
    ops: &[Operation],
    s: &Search<'_, M>,
    extra: Option<(usize, String)>,
) -> PartitionResult {
    let prefixes: Vec<Vec<u32>> = s
        .tracker
        .as_ref()
        .map(|t| t.prefixes.clone())
        .unwrap_or_default();
    let cx = counterexample::build(model, key, ops, &s.inputs, &prefixes, extra);
    PartitionResult {
        key: key.clone(),
        valid: Validity::Invalid,
        ops: ops.len(),
        reason: None,
        counterexample: Some(cx),
    }
}

fn fmt_duration(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}
