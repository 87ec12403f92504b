//! Shrinking an invalid key to a few operations that still cannot be
//! ordered: binary searches find the operations it cannot do without, then
//! delta debugging over what is left confirms that none can go.
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
/// a millisecond and finer steps then decide quickly. The second pass's
/// budget is sized by what it decides: on the corpus, candidates it decided
/// took under 3 ms, while those that stayed undecided used up 2^18 steps in
/// 60-100 ms each (`kv/c10-bad`: 130 ms a process, 100 ms with 2^16, and
/// smaller cores, since delta debugging gets further in the same budget).
const PASSES: [(u64, u64); 2] = [(1 << 12, 1 << 8), (1 << 16, 1 << 12)];

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

/// Finds the operations the key cannot do without, one at a time, each by
/// a binary search, before delta debugging confirms the result.
///
/// Keeping a prefix of the remaining core and stepping out the rest gives
/// nested candidates, and stepping out is sound, so "invalid" is monotone
/// in the prefix's length: the shortest invalid prefix ends with an
/// operation that is needed (the prefix one shorter is not invalid), and
/// everything after it can go. Repeating that with the found operations
/// kept costs about `k · log n` checks for a core of `k` out of `n`, where
/// delta debugging's halving and quartering took several times as many on
/// small corpus keys, each deciding a large part of the key again. Prefixes
/// are usually the cheap candidates (what goes was mostly called after
/// everything kept returned, and then decides nothing); when they all come
/// out undecided, as on long kv-append keys whose anomaly is near the end,
/// suffixes are tried instead, and when neither proves anything, delta
/// debugging goes on from there.
fn reduce<M: Model>(
    key: &KeyOps<'_, M>,
    core: &mut Vec<usize>,
    forms: &mut Vec<Form>,
    weak: &[Option<M::Input>],
    step_out: &dyn Fn(usize) -> Option<Form>,
    out_of_time: &dyn Fn() -> bool,
    ends: [End; 2],
) {
    let mut needed: Vec<usize> = Vec::new();
    let mut rest: Vec<usize> = core.clone();
    // Bounded: every round moves one operation from `rest` to `needed`,
    // or stops.
    while !rest.is_empty() && !out_of_time() {
        let mut search = shortest_invalid(key, forms, &rest, ends[0], weak, step_out, out_of_time);
        if !search.proven {
            search = shortest_invalid(key, forms, &rest, ends[1], weak, step_out, out_of_time);
        }
        if !search.proven {
            // Neither end proved anything smaller: delta debugging, with
            // its second, larger budget, takes it from here.
            break;
        }
        if let Some(f) = search.forms {
            *forms = f;
        }
        let len = rest.len();
        let kept = search.kept;
        // What the proven candidate stepped out leaves the core.
        match search.end {
            End::Front => rest.truncate(kept),
            End::Back => drop(rest.drain(..len - kept)),
        }
        if !search.settled || kept == 0 {
            // Stopped by the clock mid-search, or what was found already
            // is invalid on its own.
            break;
        }
        // Keeping one fewer was not proven invalid: the operation at the
        // edge stays (delta debugging then checks that it is needed).
        let edge = match search.end {
            End::Front => rest.pop(),
            End::Back => Some(rest.remove(0)),
        };
        needed.extend(edge);
    }
    needed.extend(rest);
    needed.sort_unstable();
    *core = needed;
}

/// Which end of the remaining core a candidate keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Front,
    Back,
}

/// `forms` with all of `rest` stepped out except `keep` operations at `end`.
fn keeping(
    forms: &[Form],
    rest: &[usize],
    keep: usize,
    end: End,
    step_out: &dyn Fn(usize) -> Option<Form>,
) -> Vec<Form> {
    let out = match end {
        End::Front => &rest[keep..],
        End::Back => &rest[..rest.len() - keep],
    };
    let mut c = forms.to_vec();
    for &i in out {
        c[i] = step_out(i).unwrap_or(Form::Recorded);
    }
    c
}

/// What one binary search over nested candidates found.
struct Nested {
    end: End,
    /// The fewest operations kept at `end` proven to leave the key invalid
    /// (all of `rest` when nothing fewer was).
    kept: usize,
    /// Keeping one fewer was tried and not proven invalid; false when the
    /// clock stopped the search first.
    settled: bool,
    /// The candidate keeping `kept`, unless that is all of `rest` (the
    /// current forms).
    forms: Option<Vec<Form>>,
    /// A candidate keeping fewer than all of `rest` was proven invalid.
    proven: bool,
}

/// The fewest operations of `rest`, kept at `end`, that leave the key
/// invalid (all of them do). At the front, a plain binary search: the
/// shortest invalid prefix is usually long (the anomaly comes late), and
/// prefixes are cheap. At the back, galloping up from one, then a binary
/// search below the first proven count: a suffix keeping most of a long key
/// may stay undecided where a handful of its operations decide at once.
fn shortest_invalid<M: Model>(
    key: &KeyOps<'_, M>,
    forms: &[Form],
    rest: &[usize],
    end: End,
    weak: &[Option<M::Input>],
    step_out: &dyn Fn(usize) -> Option<Form>,
    out_of_time: &dyn Fn() -> bool,
) -> Nested {
    let mut found: Option<Vec<Form>> = None;
    let mut proven = false;
    let try_keep = |keep: usize| -> (Answer, Vec<Form>) {
        let c = keeping(forms, rest, keep, end, step_out);
        (key.answer(&c, weak, PASSES[0], out_of_time), c)
    };
    // Keeping none is tried only when the search narrows down to it: with
    // everything weakened it is often the slowest candidate to decide.
    let (mut lo, mut hi) = (0, rest.len());
    // Bounded: doubles up to `rest.len()`.
    let mut keep = 1;
    while end == End::Back && keep < rest.len() && !out_of_time() {
        let (answer, c) = try_keep(keep);
        if answer == Answer::Invalid {
            hi = keep;
            found = Some(c);
            proven = true;
            break;
        }
        // Undecided counts as not proven: the search lands on more kept
        // operations, which is sound, only less small.
        lo = keep + 1;
        keep *= 2;
    }
    // Bounded: the interval halves on every check.
    while lo < hi && !out_of_time() {
        let mid = (lo + hi) / 2;
        let (answer, c) = try_keep(mid);
        if answer == Answer::Invalid {
            hi = mid;
            found = Some(c);
            proven = true;
        } else {
            lo = mid + 1;
        }
    }
    // `found` is always the candidate keeping `hi`: only a proven one moves
    // `hi`, so it holds even when the clock stopped the search.
    Nested {
        end,
        kept: hi,
        settled: lo == hi,
        forms: found,
        proven,
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

    reduce(
        key,
        &mut core,
        &mut forms,
        &weak,
        &step_out,
        &out_of_time,
        [End::Front, End::Back],
    );

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Event, EventType, OpFn, ProcessId, pair_operations};
    use crate::{CasRegister, Val};
    use serde_json::{Value, json};

    /// Write 1, write 2, a read of 1 after both returned (stale), with
    /// linearizable writes and reads before and after it.
    fn stale_read_among_noise() -> Vec<Operation> {
        use EventType::{Invoke, Ok};
        let mut steps: Vec<(u64, EventType, OpFn, Value)> = Vec::new();
        let write_then_read = |steps: &mut Vec<_>, v: i64| {
            steps.push((1, Invoke, OpFn::Write, json!(v)));
            steps.push((1, Ok, OpFn::Write, json!(v)));
            steps.push((2, Invoke, OpFn::Read, Value::Null));
            steps.push((2, Ok, OpFn::Read, json!(v)));
        };
        for v in 10..16 {
            write_then_read(&mut steps, v);
        }
        for v in [1, 2] {
            steps.push((1, Invoke, OpFn::Write, json!(v)));
            steps.push((1, Ok, OpFn::Write, json!(v)));
        }
        steps.push((2, Invoke, OpFn::Read, Value::Null));
        steps.push((2, Ok, OpFn::Read, json!(1)));
        for v in 20..26 {
            write_then_read(&mut steps, v);
        }
        let events: Vec<Event> = steps
            .into_iter()
            .enumerate()
            .map(|(i, (p, kind, f, value))| Event {
                index: i as u64,
                time: i as u64,
                process: ProcessId::Client(p),
                kind,
                f,
                key: None,
                value,
                node: None,
                error: None,
                detail: None,
            })
            .collect();
        pair_operations(&events, None, "test").unwrap()
    }

    /// The operations (as "f value result") that `reduce` finds needed,
    /// searching from `ends`.
    fn reduced(ends: [End; 2]) -> Vec<String> {
        let ops = stale_read_among_noise();
        let model = CasRegister::new(Val::Nil);
        let inputs: Vec<_> = ops.iter().map(|o| model.prepare(o).unwrap()).collect();
        let times: Vec<_> = ops.iter().map(|o| (o.invoke_pos, o.complete_pos)).collect();
        let key = KeyOps {
            model: &model,
            ops: &ops,
            inputs: &inputs,
            times: &times,
            memory_cap: usize::MAX,
        };
        let weak: Vec<Option<_>> = (0..ops.len())
            .map(|i| {
                (!model.is_read_only(&inputs[i]))
                    .then(|| key.weakened(i))
                    .flatten()
            })
            .collect();
        let step_out = |i: usize| {
            if model.is_read_only(&inputs[i]) {
                Some(Form::Removed)
            } else {
                weak[i].as_ref().map(|_| Form::Weakened)
            }
        };
        let mut core: Vec<usize> = (0..ops.len()).collect();
        let mut forms = vec![Form::Recorded; ops.len()];
        let never = || false;
        reduce(&key, &mut core, &mut forms, &weak, &step_out, &never, ends);
        // What `reduce` leaves is proven: still invalid.
        assert_eq!(
            key.answer(&forms, &weak, PASSES[1], &never),
            Answer::Invalid
        );
        core.iter()
            .map(|&i| format!("{} {} {}", ops[i].f, ops[i].value, ops[i].output))
            .collect()
    }

    /// From either end the binary searches land on the stale read's two
    /// writes and the read, out of 50 operations.
    #[test]
    fn reduction_finds_the_needed_operations_from_either_end() {
        let expected = vec!["write 1 1", "write 2 2", "read null 1"];
        assert_eq!(reduced([End::Front, End::Back]), expected);
        assert_eq!(reduced([End::Back, End::Front]), expected);
    }
}
