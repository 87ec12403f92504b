//! Checking a whole history: pairing, partitioning per key, the scheduling of
//! partition searches in parallel, deadlines and cancellation.

use super::counterexample;
use super::options::{CheckError, CheckOptions, Engine, ShrinkBudget};
use super::partition::by_key;
use super::report::{LinearizabilityReport, PartitionResult};
use super::shrink::{KeyOps, shrink};
use super::sweep::Sweep;
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
/// The last round goes on until decided or stopped, each search taking
/// turns with budgets that double up to [`MAX_TURN`].
const ROUNDS: [(u64, bool); 4] = [
    (4_096, false),
    (32_768, true),
    (262_144, true),
    (u64::MAX, true),
];
/// A sweep's turn is this many times shorter in steps than the depth-first one's.
const SWEEP_SHARE: u64 = 16;
/// The largest budget of one turn in the last round.
const MAX_TURN: u64 = 1 << 24;
/// Steps the counterexample search gets when the pre-check already proved a partition invalid.
const PRECHECK_PREFIX_STEPS: u64 = 200_000;

/// Reason given to partitions left undecided because another one is invalid.
pub const NOT_CHECKED_OTHER_INVALID: &str = "not checked: another key is invalid";

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
///
/// Two searches take turns on it: the depth-first one finds a linearization
/// quickly when there is one; the sweep proves there is none without
/// exploring anything twice. Either may decide; one that runs out of memory
/// drops out and leaves the other to go on.
struct Part<'m, M: Model> {
    key: Option<String>,
    ops: Vec<Operation>,
    search: Option<Search<'m, M>>,
    /// The relaxed sweep (see [`Sweep::relaxed`]): can only prove invalid.
    relaxed: Option<Sweep<'m, M>>,
    sweep: Option<Sweep<'m, M>>,
    /// What the sweeps are built from, until the depth-first search has had
    /// its first turn (most keys are decided there, and building costs).
    deferred: Option<Deferred<'m, M>>,
    result: Option<PartitionResult>,
    /// A search dropped out for want of memory.
    memory_hit: bool,
}

struct Deferred<'m, M: Model> {
    model: &'m M,
    inputs: Vec<M::Input>,
    times: Vec<(usize, Option<usize>)>,
    relaxed: bool,
    exact: bool,
    cap: usize,
}

impl<'m, M: Model> Part<'m, M> {
    /// Gives each search still in the race one turn of `budget`; the first
    /// verdict wins. `OverMemory` once every search has dropped out.
    fn turn(&mut self, budget: u64, stop: &dyn Fn() -> bool) -> Outcome {
        if self.search.is_none()
            && let Some(d) = self.deferred.take()
        {
            self.build_sweeps(d);
        }
        if let Some(s) = self.search.as_mut() {
            match s.run(budget, stop) {
                Outcome::OverMemory => {
                    self.search = None;
                    self.memory_hit = true;
                }
                Outcome::Paused => {}
                decided => return decided,
            }
            if let Some(d) = self.deferred.take() {
                self.build_sweeps(d);
            }
        }
        // A sweep step expands a whole configuration, a depth-first step
        // tries one candidate: this share keeps their turns about equal in time.
        let sweep_budget = (budget / SWEEP_SHARE).max(1024);
        if let Some(s) = self.relaxed.as_mut().filter(|_| !stop()) {
            match s.run(sweep_budget, stop) {
                Outcome::Invalid => {
                    self.sweep = self.relaxed.take();
                    return Outcome::Invalid;
                }
                Outcome::Paused if !s.exhausted() => {}
                Outcome::OverMemory => {
                    self.relaxed = None;
                    self.memory_hit = true;
                }
                // Its "valid" proves nothing: leave the race.
                _ => self.relaxed = None,
            }
        }
        if let Some(s) = self.sweep.as_mut().filter(|_| !stop()) {
            match s.run(sweep_budget, stop) {
                Outcome::OverMemory => {
                    self.sweep = None;
                    self.memory_hit = true;
                }
                Outcome::Paused => {}
                decided => return decided,
            }
        }
        if self.search.is_none()
            && self.relaxed.is_none()
            && self.sweep.is_none()
            && self.deferred.is_none()
        {
            Outcome::OverMemory
        } else {
            Outcome::Paused
        }
    }

    fn build_sweeps(&mut self, d: Deferred<'m, M>) {
        if d.relaxed {
            let mut s = Sweep::relaxed(d.model, d.inputs.clone(), &d.times);
            s.memory_cap = d.cap;
            // Run alone (tests, benchmarks) it stays, as it is then the only one.
            if s.relaxes_anything() || !d.exact {
                self.relaxed = Some(s);
            }
        }
        if d.exact {
            let mut s = Sweep::new(d.model, d.inputs, &d.times);
            s.memory_cap = d.cap;
            self.sweep = Some(s);
        }
    }

    fn drop_searches(&mut self) {
        self.search = None;
        self.relaxed = None;
        self.sweep = None;
        self.deferred = None;
    }
}

/// Reason given to a partition whose searches both ran out of memory.
fn over_memory_reason(cap: usize) -> String {
    format!(
        "memory limit exceeded: the search needed more than {} for this key (raise --memory-limit)",
        fmt_bytes(cap)
    )
}

fn fmt_bytes(b: usize) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if b as f64 >= 1024.0 * MIB {
        format!("{:.1} GiB", b as f64 / (1024.0 * MIB))
    } else {
        format!("{:.0} MiB", b as f64 / MIB)
    }
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

    let keyed = by_key(ops);
    // One key is searched on this thread: starting rayon's pool would spawn
    // a thread per core, which for a small history (one process per file, as
    // CI scripts call `check`) costs more than the search.
    let parallel = keyed.len() > 1;
    // Each partition being searched may hold its share of the limit; as many
    // are searched at once as there are threads.
    let threads = if parallel {
        rayon::current_num_threads().max(1)
    } else {
        1
    };
    let cap = opts.memory_limit.map_or(usize::MAX, |l| l / threads);

    // Prepare every partition's inputs (model errors surface here) and run the pre-check.
    let prepare =
        |(key, ops): (Option<String>, Vec<Operation>)| -> Result<Part<'_, M>, CheckError> {
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
                let stop = || stop_reason(false).is_some();
                let _ = s.run(PRECHECK_PREFIX_STEPS, &stop);
                let explain = Explain {
                    cap,
                    shrink: opts.shrink.resolved(start.elapsed()),
                    stop: &stop,
                };
                let result = invalid_result(model, &key, &ops, &s, Some(bad), &explain);
                return Ok(Part {
                    key,
                    ops,
                    search: None,
                    relaxed: None,
                    sweep: None,
                    deferred: None,
                    result: Some(result),
                    memory_hit: false,
                });
            }
            let runs = |e: Engine| opts.engine.is_none_or(|only| only == e);
            let search = runs(Engine::DepthFirst).then(|| {
                let mut s = Search::new(model, inputs.clone(), &times, false);
                s.memory_cap = cap;
                s
            });
            let deferred = Some(Deferred {
                model,
                inputs,
                times,
                relaxed: runs(Engine::RelaxedSweep),
                exact: runs(Engine::Sweep),
                cap,
            });
            Ok(Part {
                search,
                relaxed: None,
                sweep: None,
                deferred,
                memory_hit: false,
                key,
                ops,
                result: None,
            })
        };
    let mut parts: Vec<Part<'_, M>> = if parallel {
        keyed
            .into_par_iter()
            .map(prepare)
            .collect::<Result<_, _>>()?
    } else {
        keyed.into_iter().map(prepare).collect::<Result<_, _>>()?
    };

    if let Some(pr) = &opts.progress {
        pr.add_keys(parts.len());
        pr.decided(parts.iter().filter(|p| p.result.is_some()).count());
    }
    // Round one: a small budget each; round two: the rest, until decided or stopped.
    for (budget, respect_other) in ROUNDS {
        if parts.iter().any(|p| {
            p.result
                .as_ref()
                .is_some_and(|r| r.valid == Validity::Invalid)
        }) {
            other_invalid.store(true, Ordering::Relaxed);
        }
        let work = |p: &mut Part<'_, M>| {
            if respect_other && let Some(reason) = stop_reason(true) {
                p.result = Some(unknown_result(p, reason));
                p.drop_searches();
                if let Some(pr) = &opts.progress {
                    pr.decided(1);
                }
                return;
            }
            let stop = || stop_reason(respect_other).is_some();
            let mut turn = budget.min(MAX_TURN);
            // Bounded: each turn is bounded, and the loop ends when
            // decided, stopped (deadline, cancel), or out of memory.
            let outcome = loop {
                let outcome = p.turn(turn, &stop);
                if outcome != Outcome::Paused || budget != u64::MAX || stop() {
                    break outcome;
                }
                turn = (turn * 2).min(MAX_TURN);
            };
            match outcome {
                Outcome::Valid => {
                    p.result = Some(PartitionResult {
                        key: p.key.clone(),
                        valid: Validity::Valid,
                        ops: p.ops.len(),
                        reason: None,
                        counterexample: None,
                    });
                    p.drop_searches();
                }
                Outcome::Invalid => {
                    other_invalid.store(true, Ordering::Relaxed);
                    let stop = || stop_reason(false).is_some();
                    let explain = Explain {
                        cap,
                        shrink: opts.shrink.resolved(start.elapsed()),
                        stop: &stop,
                    };
                    p.result = Some(explain_invalid(model, p, &explain));
                    p.drop_searches();
                }
                Outcome::OverMemory => {
                    let reason = if p.memory_hit {
                        over_memory_reason(cap)
                    } else {
                        "undecided: the relaxed sweep alone can only prove a key invalid"
                            .to_string()
                    };
                    p.result = Some(unknown_result(p, reason));
                }
                Outcome::Paused => {
                    if respect_other && let Some(reason) = stop_reason(true) {
                        // Out of this round's budget: the next round resumes it, unless told to stop.
                        p.result = Some(unknown_result(p, reason));
                        p.drop_searches();
                    }
                }
            }
            if p.result.is_some()
                && let Some(pr) = &opts.progress
            {
                pr.decided(1);
            }
        };
        let open = |p: &&mut Part<'_, M>| p.result.is_none();
        if parallel {
            parts
                .par_iter_mut()
                .with_max_len(1)
                .filter(open)
                .for_each(work);
        } else {
            parts.iter_mut().filter(open).for_each(work);
        }
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

/// Builds the counterexample: re-runs the depth-first search with dead-end
/// tracking for the longest prefixes (bounded when the sweep decided, as
/// the depth-first search may need far longer), and names the operation
/// whose return no order could reach when the sweep found it.
fn explain_invalid<M: Model>(model: &M, p: &Part<'_, M>, how: &Explain<'_>) -> PartitionResult {
    let times: Vec<(usize, Option<usize>)> = p
        .ops
        .iter()
        .map(|o| (o.invoke_pos, o.complete_pos))
        .collect();
    let swept = p.sweep.as_ref().and_then(|s| s.failed_at);
    let inputs = match (&p.search, &p.sweep) {
        (Some(s), _) => s.inputs.clone(),
        (None, Some(s)) => s.inputs().to_vec(),
        // Unreachable (a verdict came from one of them), but harmless.
        (None, None) => Vec::new(),
    };
    let mut s = Search::new(model, inputs, &times, true);
    s.memory_cap = how.cap;
    let budget = if swept.is_some() {
        PRECHECK_PREFIX_STEPS
    } else {
        u64::MAX
    };
    let _ = s.run(budget, how.stop);
    let extra = swept.map(|o| {
        (
            o as usize,
            format!(
                "{} returned, but no order of the operations before its return lets it take effect",
                model.describe_op(&s.inputs[o as usize])
            ),
        )
    });
    invalid_result(model, &p.key, &p.ops, &s, extra, how)
}

/// What explaining an invalid key may spend.
struct Explain<'a> {
    /// Bytes each search may hold.
    cap: usize,
    shrink: ShrinkBudget,
    /// The check's own stop: cancelled or past its deadline.
    stop: &'a dyn Fn() -> bool,
}

/// The invalid key's result: its counterexample from the longest prefixes
/// `s` found, and the key shrunk to a minimal one. `extra` is the operation
/// found at fault before (local index, why).
fn invalid_result<M: Model>(
    model: &M,
    key: &Option<String>,
    ops: &[Operation],
    s: &Search<'_, M>,
    extra: Option<(usize, String)>,
    how: &Explain<'_>,
) -> PartitionResult {
    let prefixes: Vec<Vec<u32>> = s
        .tracker
        .as_ref()
        .map(|t| t.prefixes.clone())
        .unwrap_or_default();
    let mut cx = counterexample::build(model, key, ops, &s.inputs, &prefixes, extra);
    let times: Vec<(usize, Option<usize>)> =
        ops.iter().map(|o| (o.invoke_pos, o.complete_pos)).collect();
    let key_ops = KeyOps {
        model,
        ops,
        inputs: &s.inputs,
        times: &times,
        memory_cap: how.cap,
    };
    cx.minimal = shrink(&key_ops, how.shrink, how.stop)
        // Stopped before any progress: the key itself is all there is to show.
        .filter(|sh| sh.one_minimal || sh.sub.kept.len() < ops.len())
        .map(|sh| counterexample::build_minimal(&key_ops, key, sh, how.stop));
    PartitionResult {
        key: key.clone(),
        valid: Validity::Invalid,
        ops: ops.len(),
        reason: None,
        counterexample: Some(cx),
    }
}

pub(super) fn fmt_duration(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}
