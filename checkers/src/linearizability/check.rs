//! Checking a whole history: pairing, partitioning per key, the scheduling of
//! partition searches (in parallel once they take long), deadlines and cancellation.

use super::counterexample;
use super::options::{CheckError, CheckOptions, Engine, ShrinkBudget};
use super::partition::by_key;
use super::report::{LinearizabilityReport, PartitionResult};
use super::shrink::{KeyOps, shrink};
use super::sweep::Sweep;
use super::wgl::{Outcome, Search};
use crate::history::{Event, Operation, pair_operations};
use crate::model::{Model, ModelKind, ModelTask, Val, with_model};
use crate::spread::{self, Spread, pool_threads};
use crate::verdict::Validity;
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
/// The same when the depth-first search proved it with the model's
/// look-ahead: it decided fast because the look-ahead cut orders the search
/// for prefixes then walks again, so this one is smaller (on `kv/c50-bad`,
/// 200,000 steps were half of the process's time, 3-4 ms a key).
const CUT_PREFIX_STEPS: u64 = 20_000;

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
    /// Proven invalid, its counterexample not built yet.
    proof: Option<Proof<M::Input>>,
    /// When the verdict came, from the start of the check: sizes the shrinking budget.
    decided_in: Duration,
    /// A search dropped out for want of memory.
    memory_hit: bool,
}

/// How a key was proven invalid, kept until every key is decided: building
/// a counterexample (shrinking above all) takes from well under a
/// millisecond to its whole budget per key, so several keys are explained
/// side by side once the searches are over.
enum Proof<I> {
    /// The depth-first search ran out of orders; the longest prefixes it
    /// reached on the way.
    Exhausted {
        inputs: Vec<I>,
        prefixes: Vec<Vec<u32>>,
    },
    /// The model's pre-check or a sweep proved it, naming the operation at
    /// fault when it can (local index, why); the longest prefixes are
    /// searched for, within a bound, when explaining.
    Found {
        inputs: Vec<I>,
        culprit: Option<(usize, String)>,
        /// Steps the search for the longest prefixes may take.
        prefix_steps: u64,
    },
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

    /// Still to be decided.
    fn open(&self) -> bool {
        self.result.is_none() && self.proof.is_none()
    }

    /// What explaining needs of the searches, one of which just proved the
    /// key invalid (the depth-first search tracked its dead ends from the
    /// start, so when it decided, its prefixes are the explanation).
    fn proof_of_invalid(&mut self, model: &M) -> Proof<M::Input> {
        if let Some(s) = self.search.take()
            && s.finished() == Some(Outcome::Invalid)
        {
            return match s.tracker {
                // Cut short by the look-ahead, its dead ends are not the
                // longest prefixes: those are searched for when explaining.
                Some(t) if !s.pruned => Proof::Exhausted {
                    inputs: s.inputs,
                    prefixes: t.prefixes,
                },
                _ => Proof::Found {
                    inputs: s.inputs,
                    culprit: None,
                    prefix_steps: CUT_PREFIX_STEPS,
                },
            };
        }
        let sweep = self.sweep.take();
        let failed_at = sweep.as_ref().and_then(|s| s.failed_at);
        let inputs = match sweep {
            Some(s) => s.into_inputs(),
            // Unreachable (a verdict came from one of them), but harmless.
            None => Vec::new(),
        };
        let culprit = failed_at.map(|o| {
            (
                o as usize,
                format!(
                    "{} returned, but no order of the operations before its return lets it take effect",
                    model.describe_op(&inputs[o as usize])
                ),
            )
        });
        Proof::Found {
            inputs,
            culprit,
            prefix_steps: PRECHECK_PREFIX_STEPS,
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

/// Checks a history against any model (built-in or your own), per key, in
/// parallel once it takes long (see `spread`).
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
    // Each partition being searched may hold its share of the limit; as many
    // are searched at once as the pool has threads.
    let threads = if keyed.len() > 1 { pool_threads() } else { 1 };
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
                return Ok(Part {
                    key,
                    ops,
                    search: None,
                    relaxed: None,
                    sweep: None,
                    deferred: None,
                    result: None,
                    proof: Some(Proof::Found {
                        inputs,
                        culprit: Some(bad),
                        prefix_steps: PRECHECK_PREFIX_STEPS,
                    }),
                    decided_in: start.elapsed(),
                    memory_hit: false,
                });
            }
            let runs = |e: Engine| opts.engine.is_none_or(|only| only == e);
            // Tracking dead ends costs little next to the search, and a
            // search that proves the key invalid then is its own explanation.
            let search = runs(Engine::DepthFirst).then(|| {
                let mut s = Search::new(model, inputs.clone(), &times, true);
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
                proof: None,
                decided_in: Duration::ZERO,
            })
        };
    let mut parts: Vec<Part<'_, M>> = spread::map(keyed, Spread::After(start), prepare)
        .into_iter()
        .collect::<Result<_, _>>()?;

    if let Some(pr) = &opts.progress {
        pr.add_keys(parts.len());
        pr.decided(parts.iter().filter(|p| !p.open()).count());
    }
    // Round one: a small budget each; round two: the rest, until decided or stopped.
    for (budget, respect_other) in ROUNDS {
        if parts.iter().any(|p| p.proof.is_some()) {
            other_invalid.store(true, Ordering::Relaxed);
        }
        let work = |p: &mut Part<'_, M>| {
            if !p.open() {
                return;
            }
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
                    p.proof = Some(p.proof_of_invalid(model));
                    p.decided_in = start.elapsed();
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
            if !p.open()
                && let Some(pr) = &opts.progress
            {
                pr.decided(1);
            }
        };
        // The last round has no budget: two keys still open there go side
        // by side at once, however young the check.
        let open = parts.iter().filter(|p| p.open()).count();
        let when = if budget == u64::MAX && open > 1 {
            Spread::Now
        } else {
            Spread::After(start)
        };
        spread::for_each_mut(&mut parts, when, work);
    }

    let explain = |p: &mut Part<'_, M>| {
        let Some(proof) = p.proof.take() else {
            return;
        };
        let stop = || stop_reason(false).is_some();
        let how = Explain {
            cap,
            shrink: opts.shrink.resolved(p.decided_in),
            stop: &stop,
        };
        p.result = Some(explain_invalid(model, &p.key, &p.ops, proof, &how));
    };
    // A key's shrinking may take a millisecond or its whole budget, which
    // no one knows in advance: waiting for a quick start to spread would
    // leave the pool idle beside a long one.
    let proven = parts.iter().filter(|p| p.proof.is_some()).count();
    let when = if proven > 1 && opts.shrink != ShrinkBudget::Off {
        Spread::Now
    } else {
        Spread::After(start)
    };
    spread::for_each_mut(&mut parts, when, explain);

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

/// Builds the counterexample from the longest prefixes the depth-first
/// search reached; when something else proved the key invalid, the
/// depth-first search is run for them, bounded (it may need far longer than
/// the proof did).
fn explain_invalid<M: Model>(
    model: &M,
    key: &Option<String>,
    ops: &[Operation],
    proof: Proof<M::Input>,
    how: &Explain<'_>,
) -> PartitionResult {
    let (inputs, prefixes, culprit) = match proof {
        Proof::Exhausted { inputs, prefixes } => (inputs, prefixes, None),
        Proof::Found {
            inputs,
            culprit,
            prefix_steps,
        } => {
            let times: Vec<(usize, Option<usize>)> =
                ops.iter().map(|o| (o.invoke_pos, o.complete_pos)).collect();
            let mut s = Search::new(model, inputs, &times, true);
            s.memory_cap = how.cap;
            // The longest prefixes are what the look-ahead would cut.
            s.look_ahead = false;
            let _ = s.run(prefix_steps, how.stop);
            let prefixes = s.tracker.take().map(|t| t.prefixes).unwrap_or_default();
            (s.inputs, prefixes, culprit)
        }
    };
    invalid_result(model, key, ops, &inputs, &prefixes, culprit, how)
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
/// found, and the key shrunk to a minimal one. `extra` is the operation
/// found at fault before (local index, why).
fn invalid_result<M: Model>(
    model: &M,
    key: &Option<String>,
    ops: &[Operation],
    inputs: &[M::Input],
    prefixes: &[Vec<u32>],
    extra: Option<(usize, String)>,
    how: &Explain<'_>,
) -> PartitionResult {
    let mut cx = counterexample::build(model, key, ops, inputs, prefixes, extra);
    let times: Vec<(usize, Option<usize>)> =
        ops.iter().map(|o| (o.invoke_pos, o.complete_pos)).collect();
    let key_ops = KeyOps {
        model,
        ops,
        inputs,
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
