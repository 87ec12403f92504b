//! Shrinking an invalid key to a few operations that still cannot be
//! ordered, by delta debugging over its completed operations.
//!
//! Only sound steps are taken, so that the small counterexample proves the
//! key invalid rather than merely resembling it: an observation (a read, a
//! failed cas: anything that leaves the state as it found it) is removed,
//! and any other completed operation is weakened into one whose effect is
//! unknown, free to take effect at any time after its call or never, as a
//! crashed one is. A history that becomes linearizable this way was
//! linearizable before, so a candidate that stays invalid still proves the
//! key invalid. Removing a write outright would not be sound: without the
//! write of 1, a read of 1 fails for a reason the key does not have.
//!
//! What is left is the core: the operations that cannot be ordered whatever
//! the key's other state-changing operations did. It is 1-minimal: removing
//! or weakening any one of them makes the rest linearizable.
//!
//! Each candidate is decided by the same searches as the key, with a small
//! budget; a candidate left undecided counts as "still needed", so shrinking
//! can only stop early (and then says the result may not be minimal), never
//! claim a step it did not prove.

use super::options::{DEFAULT_SHRINK_BUDGET, ShrinkBudget};
use super::sweep::Sweep;
use super::wgl::{Outcome, Search};
use crate::history::{OpStatus, Operation};
use crate::model::Model;
use std::time::{Duration, Instant};

/// What one candidate may spend, per pass: depth-first steps before the
/// sweep gets a turn, and configurations the sweep may expand. The first
/// pass shrinks on small budgets; the second retries, one operation at a
/// time, only what the first left undecided. Weakening half of a large key
/// at once gives the searches every subset of its writes to try: on the
/// kv corpus such a candidate took a whole second to come out undecided
/// (and the shrinking budget with it), where the small budget gives up in
/// a millisecond and finer steps then decide quickly.
const PASSES: [(u64, u64); 2] = [(1 << 12, 1 << 8), (1 << 18, 1 << 14)];

/// A candidate (or the result) as the search takes it.
pub(crate) struct SubHistory<I> {
    /// Local indices of the operations in it, ascending.
    pub kept: Vec<usize>,
    /// Their inputs (weakened ones as crashed).
    pub inputs: Vec<I>,
    /// Their invoke and completion positions (`None`: effect unknown).
    pub times: Vec<(usize, Option<usize>)>,
}

impl<I> SubHistory<I> {
    fn crashed(&self) -> Vec<bool> {
        self.times.iter().map(|t| t.1.is_none()).collect()
    }
}

/// What shrinking left of a key.
pub(crate) struct Shrunk<I> {
    /// The sub-history that still cannot be ordered.
    pub sub: SubHistory<I>,
    /// The core: local indices of its completed operations, kept as
    /// recorded; every other operation in it has an unknown effect.
    pub core: Vec<usize>,
    /// Every single step on the core was tried and refused with a decided answer.
    pub one_minimal: bool,
    /// How long shrinking took.
    pub elapsed: Duration,
}

/// How an operation takes part in a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// As recorded.
    Recorded,
    /// Its effect unknown, as a crashed operation's.
    Weakened,
    /// Left out (an observation).
    Removed,
}

/// What a candidate turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Proven non-linearizable.
    Invalid,
    /// Linearizable: the step is refused.
    Valid,
    /// The budget ran out before a decision.
    Undecided,
}

/// The key's operations as the search saw them.
pub(crate) struct KeyOps<'a, M: Model> {
    pub model: &'a M,
    pub ops: &'a [Operation],
    pub inputs: &'a [M::Input],
    pub times: &'a [(usize, Option<usize>)],
    /// Bytes each candidate's search may hold.
    pub memory_cap: usize,
}

impl<M: Model> KeyOps<'_, M> {
    /// The input of operation `i` as a crashed operation, if the model takes it.
    fn weakened(&self, i: usize) -> Option<M::Input> {
        let mut op = self.ops[i].clone();
        op.status = OpStatus::Crashed;
        op.output = serde_json::Value::Null;
        op.complete_pos = None;
        op.complete_time = None;
        self.model.prepare(&op).ok()
    }

    /// The candidate as a sub-history, with the unknown-effect operations
    /// nothing could observe left out (sound, see [`Model::unobservable`]).
    fn sub_history(&self, forms: &[Form], weak: &[Option<M::Input>]) -> SubHistory<M::Input> {
        let mut sub = SubHistory {
            kept: Vec::new(),
            inputs: Vec::new(),
            times: Vec::new(),
        };
        for (i, form) in forms.iter().enumerate() {
            let (input, time) = match (form, &weak[i]) {
                (Form::Removed, _) => continue,
                (Form::Weakened, Some(w)) => (w.clone(), (self.times[i].0, None)),
                _ => (self.inputs[i].clone(), self.times[i]),
            };
            sub.kept.push(i);
            sub.inputs.push(input);
            sub.times.push(time);
        }
        // An unknown-effect operation called after every completed one
        // returned can always go last: it decides nothing.
        let last_return = sub.times.iter().filter_map(|t| t.1).max().unwrap_or(0);
        let late: Vec<bool> = sub
            .times
            .iter()
            .map(|t| t.1.is_none() && t.0 > last_return)
            .collect();
        drop_marked(&mut sub.kept, &late);
        drop_marked(&mut sub.inputs, &late);
        drop_marked(&mut sub.times, &late);
        let drop = self.model.unobservable(&sub.inputs, &sub.crashed());
        if drop.iter().any(|&d| d) {
            drop_marked(&mut sub.kept, &drop);
            drop_marked(&mut sub.inputs, &drop);
            drop_marked(&mut sub.times, &drop);
        }
        sub
    }

    /// Decides a candidate within `(depth-first steps, sweep configurations)`.
    fn answer(
        &self,
        forms: &[Form],
        weak: &[Option<M::Input>],
        (steps, configs): (u64, u64),
        stop: &dyn Fn() -> bool,
    ) -> Answer {
        let SubHistory { inputs, times, .. } = self.sub_history(forms, weak);
        let crashed: Vec<bool> = times.iter().map(|t| t.1.is_none()).collect();
        if crashed.iter().all(|&c| c) {
            // Nothing completed: the empty order explains it.
            return Answer::Valid;
        }
        if self.model.impossible(&inputs, &crashed).is_some() {
            return Answer::Invalid;
        }
        let mut search = Search::new(self.model, inputs.clone(), &times, false);
        search.memory_cap = self.memory_cap;
        match search.run(steps, stop) {
            Outcome::Valid => return Answer::Valid,
            Outcome::Invalid => return Answer::Invalid,
            Outcome::Paused | Outcome::OverMemory => {}
        }
        drop(search);
        let mut sweep = Sweep::new(self.model, inputs, &times);
        sweep.memory_cap = self.memory_cap;
        match sweep.run(configs, stop) {
            Outcome::Valid => Answer::Valid,
            Outcome::Invalid => Answer::Invalid,
            Outcome::Paused | Outcome::OverMemory => Answer::Undecided,
        }
    }
}

/// Removes the elements whose mark is true.
fn drop_marked<T>(v: &mut Vec<T>, marks: &[bool]) {
    let mut marks = marks.iter();
    v.retain(|_| !marks.next().copied().unwrap_or(false));
}

/// Shrinks an invalid key. `None` when shrinking is switched off.
///
/// `stop` is the check's own stop (cancel, the check's deadline); the budget
/// bounds shrinking on top of it.
pub(crate) fn shrink<M: Model>(
    key: &KeyOps<'_, M>,
    budget: ShrinkBudget,
    stop: &dyn Fn() -> bool,
) -> Option<Shrunk<M::Input>> {
    let budget = match budget {
        ShrinkBudget::Off => return None,
        ShrinkBudget::Default => DEFAULT_SHRINK_BUDGET,
        ShrinkBudget::Within(d) => d,
    };
    let start = Instant::now();
    let deadline = start + budget;
    let out_of_time = || stop() || Instant::now() >= deadline;
    let n = key.inputs.len();
    // How each completed operation leaves the core: observations go,
    // the rest become unknown-effect.
    let weak: Vec<Option<M::Input>> = (0..n)
        .map(|i| {
            let completed = key.times[i].1.is_some();
            (completed && !key.model.is_read_only(&key.inputs[i]))
                .then(|| key.weakened(i))
                .flatten()
        })
        .collect();
    let step_out = |i: usize| -> Option<Form> {
        if key.model.is_read_only(&key.inputs[i]) {
            Some(Form::Removed)
        } else {
            weak[i].as_ref().map(|_| Form::Weakened)
        }
    };
    let mut forms = vec![Form::Recorded; n];
    // Only completed operations that can step out are candidates.
    let mut core: Vec<usize> = (0..n)
        .filter(|&i| key.times[i].1.is_some() && step_out(i).is_some())
        .collect();
    let fixed = (0..n).filter(|&i| key.times[i].1.is_some()).count() - core.len();

    // Delta debugging on complements: take one of `chunks` slices of the
    // core out at a time; finer slices when none can go, down to single
    // operations.
    let mut one_minimal = false;
    let mut chunks = 2usize;
    for (pass, &budgets) in PASSES.iter().enumerate() {
        let mut undecided = false;
        // Bounded: every accepted step shrinks the core, every refused round
        // doubles `chunks` up to the core's size, and the clock stops it.
        while !core.is_empty() && !out_of_time() {
            chunks = chunks.min(core.len()).max(1);
            let size = core.len().div_ceil(chunks);
            let mut taken = false;
            undecided = false;
            for c in 0..chunks {
                if out_of_time() {
                    break;
                }
                let (lo, hi) = (c * size, ((c + 1) * size).min(core.len()));
                if lo >= hi {
                    continue;
                }
                let mut candidate = forms.clone();
                for &i in &core[lo..hi] {
                    candidate[i] = step_out(i).unwrap_or(Form::Recorded);
                }
                match key.answer(&candidate, &weak, budgets, &out_of_time) {
                    Answer::Invalid => {
                        forms = candidate;
                        core.drain(lo..hi);
                        taken = true;
                        break;
                    }
                    Answer::Undecided => undecided = true,
                    Answer::Valid => {}
                }
            }
            if out_of_time() {
                break;
            }
            if taken {
                chunks = chunks.saturating_sub(1).max(2);
            } else if chunks >= core.len() {
                one_minimal = !undecided && fixed == 0;
                break;
            } else {
                chunks = (chunks * 2).min(core.len());
            }
        }
        if !undecided || out_of_time() {
            break;
        }
        if pass + 1 < PASSES.len() {
            // The larger budget goes to single steps first: the candidates
            // closest to the core already proven invalid.
            chunks = core.len();
        }
    }
    let sub = key.sub_history(&forms, &weak);
    let core: Vec<usize> = sub
        .kept
        .iter()
        .zip(&sub.times)
        .filter(|(_, t)| t.1.is_some())
        .map(|(&i, _)| i)
        .collect();
    Some(Shrunk {
        sub,
        core,
        one_minimal,
        elapsed: start.elapsed(),
    })
}
