//! The Wing–Gong–Lowe search for one partition, resumable so that a scheduler
//! can give many partitions a small budget first and the rest later.
//!
//! Crashed operations have no return entry (they may take effect any time
//! after their call, or never), so the search succeeds once every completed
//! operation is linearized. Two sound reductions keep crashed operations from
//! exploding the search: equal crashed inputs form a group whose members are
//! only ever linearized in invocation order (the earliest dominates the rest),
//! and a crashed operation is never linearized where it would not change the
//! state (placing it there is the same as never placing it).

use super::entries::{Entries, HEAD, NONE};
use super::linearized::LinearizedSet;
use super::memo::Memo;
use super::shape::Shape;
use crate::model::Model;

/// How a run of the search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Every completed operation was linearized.
    Valid,
    /// The search space is exhausted.
    Invalid,
    /// Out of budget or told to stop; can be resumed.
    Paused,
    /// The search's memory went over its cap; it cannot go on.
    OverMemory,
}

/// How often (in steps) to look at the clock and the stop flags.
const POLL_EVERY: u64 = 4096;

/// Snapshots of the deepest dead ends, for counterexamples.
pub(crate) struct Tracker {
    /// Most completed operations linearized at a dead end.
    pub best: u32,
    /// Linearizations (operation indices, in order) reaching `best`; the first is always there.
    pub prefixes: Vec<Vec<u32>>,
    /// Lowest stack depth since the first prefix was last refreshed.
    low_water: usize,
    /// [`set_mark`] of each prefix, filled lazily (empty after the first changed).
    marks: Vec<(usize, u64)>,
}

/// A fingerprint of a set of operation indices that ignores their order: its
/// size and the sum of the indices, each mixed (splitmix64's finalizer) so
/// that different sets collide only by chance. A collision merely leaves an
/// extra prefix out of the counterexample.
fn set_mark(ops: impl Iterator<Item = u32>) -> (usize, u64) {
    ops.fold((0, 0u64), |(n, sum), o| {
        let mut z = u64::from(o).wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (n + 1, sum.wrapping_add(z ^ (z >> 31)))
    })
}

/// How far the look-ahead reads the list at each node: entries, and
/// returns among them (each return is one check of the model's).
const LOOK_AHEAD_ENTRIES: usize = 64;
const LOOK_AHEAD_RETURNS: usize = 8;

// Extra (second, third) longest prefixes are full copies; only take them for small stacks.
const EXTRA_PREFIX_MAX_DEPTH: usize = 2000;
const MAX_PREFIXES: usize = 3;

pub(crate) struct Search<'a, M: Model> {
    model: &'a M,
    pub inputs: Vec<M::Input>,
    crashed: Vec<bool>,
    /// Dense completed-op index, or group id for crashed ops.
    slot: Vec<u32>,
    group_members: Vec<Vec<u32>>,
    entries: Entries,
    lin: LinearizedSet,
    total_completed: u32,
    state: M::State,
    /// Linearized ops with the state before each and whether it was forced
    /// (see [`Search::forced_candidate`]).
    stack: Vec<(u32, M::State, bool)>,
    /// True right after moving to a new node, before any candidate was tried.
    fresh: bool,
    memo: Memo<M::State>,
    /// The memo key being looked up, reused so that a lookup allocates nothing.
    key: Vec<u32>,
    cursor: u32,
    /// The scan of a node's candidates tries completed operations first and
    /// crashed ones second (true in the second pass); see [`Search::run`].
    crashed_pass: bool,
    /// Completed operations with equal inputs share a class (`NONE` for crashed ones).
    class: Vec<u32>,
    /// Completion position of each operation (`usize::MAX` if crashed).
    ret_pos: Vec<usize>,
    /// `eligible[op] == stamp`: the completed op may be tried at the current node.
    eligible: Vec<u32>,
    stamp: u32,
    /// Per class: the earliest-returning pending member seen at the node stamped in `class_stamp`.
    class_best: Vec<u32>,
    class_stamp: Vec<u32>,
    /// Operations called before a return, reused by [`Search::may_go_on`].
    called_before: Vec<u32>,
    done: Option<Outcome>,
    pub tracker: Option<Tracker>,
    /// Bytes the memo may hold before the search gives up.
    pub memory_cap: usize,
    /// Whether to ask the model's look-ahead at each new node (on for
    /// models that have one); off where the longest prefixes are wanted.
    pub look_ahead: bool,
    /// The look-ahead gave up on some node: the tracked dead ends are then
    /// not the longest prefixes.
    pub pruned: bool,
}

impl<'a, M: Model> Search<'a, M> {
    /// `times[i]`: invoke position and completion position (None = crashed) of op i,
    /// ops in invocation order.
    pub fn new(
        model: &'a M,
        inputs: Vec<M::Input>,
        times: &[(usize, Option<usize>)],
        track: bool,
    ) -> Self {
        let Shape {
            crashed,
            slot,
            group_members,
            class,
            nclasses,
            ret_pos,
            completed,
        } = Shape::new(&inputs, times);
        let entries = Entries::new(times);
        let cursor = entries.next[HEAD as usize];
        let ngroups = group_members.len();
        let mut search = Search {
            model,
            crashed,
            slot,
            group_members,
            entries,
            lin: LinearizedSet::new(completed as usize, ngroups),
            total_completed: completed,
            state: model.init(),
            stack: Vec::new(),
            fresh: true,
            memo: Memo::new(),
            key: Vec::new(),
            cursor,
            crashed_pass: false,
            class,
            ret_pos,
            eligible: vec![0; times.len()],
            stamp: 0,
            class_best: vec![NONE; nclasses],
            class_stamp: vec![0; nclasses],
            called_before: Vec::new(),
            done: None,
            tracker: track.then(|| Tracker {
                best: 0,
                prefixes: vec![Vec::new()],
                low_water: 0,
                marks: Vec::new(),
            }),
            memory_cap: usize::MAX,
            look_ahead: M::LOOKS_AHEAD,
            pruned: false,
            inputs,
        };
        search.enter_node();
        search
    }

    /// How the search ended, once it has.
    pub fn finished(&self) -> Option<Outcome> {
        self.done
    }

    fn mark(&mut self, op: u32) {
        let s = self.slot[op as usize];
        if self.crashed[op as usize] {
            self.lin.push_group(s);
        } else {
            self.lin.insert_completed(s);
        }
    }

    fn unmark(&mut self, op: u32) {
        let s = self.slot[op as usize];
        if self.crashed[op as usize] {
            self.lin.pop_group(s);
        } else {
            self.lin.remove_completed(s);
        }
    }

    /// Records the configuration reached with `state`; false if one that
    /// subsumes it was explored before.
    fn remember(&mut self, state: M::State) -> bool {
        self.lin.completed_key(&mut self.key);
        self.memo.insert(&self.key, state, self.lin.used_crashed())
    }

    /// Runs until decided, `budget` steps have passed, or `stop()` says so
    /// (polled every few thousand steps).
    pub fn run(&mut self, budget: u64, stop: &dyn Fn() -> bool) -> Outcome {
        if let Some(o) = self.done {
            return o;
        }
        let mut steps: u64 = 0;
        loop {
            if let Some(o) = self.done {
                return o;
            }
            if self.lin.count == self.total_completed {
                self.done = Some(Outcome::Valid);
                return Outcome::Valid;
            }
            steps += 1;
            if steps.is_multiple_of(POLL_EVERY) {
                if self.memo.bytes() > self.memory_cap {
                    self.done = Some(Outcome::OverMemory);
                    return Outcome::OverMemory;
                }
                if steps >= budget || stop() {
                    return Outcome::Paused;
                }
            }
            if std::mem::take(&mut self.fresh) && self.place_forced() {
                continue;
            }
            let e = self.cursor;
            if e == NONE || !self.entries.is_call[e as usize] {
                // Without crashed operations a second pass would only walk
                // the list again at every dead end.
                if !self.crashed_pass && !self.group_members.is_empty() {
                    self.crashed_pass = true;
                    self.cursor = self.entries.next[HEAD as usize];
                    continue;
                }
                // A completed operation's return was reached before it was linearized.
                if !self.backtrack() {
                    self.done = Some(Outcome::Invalid);
                    return Outcome::Invalid;
                }
                continue;
            }
            let op = self.entries.op[e as usize];
            let oi = op as usize;
            if self.crashed[oi] != self.crashed_pass {
                self.cursor = self.entries.next[e as usize];
                continue;
            }
            if !self.crashed[oi] && self.eligible[oi] != self.stamp {
                self.cursor = self.entries.next[e as usize];
                continue;
            }
            if self.crashed[oi] {
                let g = self.slot[oi] as usize;
                if self.group_members[g][self.lin.group_next[g] as usize] != op {
                    self.cursor = self.entries.next[e as usize];
                    continue;
                }
            }
            match self.model.step(&self.state, &self.inputs[oi]) {
                Some(next) if !(self.crashed[oi] && next == self.state) => {
                    self.mark(op);
                    if self.remember(next.clone()) {
                        let prev = std::mem::replace(&mut self.state, next);
                        self.stack.push((op, prev, false));
                        self.entries.lift(op);
                        self.cursor = self.entries.next[HEAD as usize];
                        self.crashed_pass = false;
                        self.enter_node();
                        self.fresh = true;
                        if self.look_ahead && !self.may_go_on() {
                            self.pruned = true;
                            self.fresh = false;
                            if !self.backtrack() {
                                self.done = Some(Outcome::Invalid);
                                return Outcome::Invalid;
                            }
                        }
                    } else {
                        self.unmark(op);
                        self.cursor = self.entries.next[e as usize];
                    }
                }
                _ => self.cursor = self.entries.next[e as usize],
            }
        }
    }

    /// Works out, per class of equal completed operations pending at the
    /// current node, the one worth trying: the one that returns first can take
    /// the place of any other in a linearization (it is already invoked, and
    /// the other then goes where it was, still before its own return).
    fn enter_node(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            // Wrapped: forget every old stamp.
            self.eligible.fill(0);
            self.class_stamp.fill(0);
            self.stamp = 1;
        }
        let mut e = self.entries.next[HEAD as usize];
        while e != NONE && self.entries.is_call[e as usize] {
            let op = self.entries.op[e as usize];
            let c = self.class[op as usize];
            if c != NONE {
                let c = c as usize;
                if self.class_stamp[c] != self.stamp {
                    self.class_stamp[c] = self.stamp;
                    self.class_best[c] = op;
                } else if self.ret_pos[op as usize] < self.ret_pos[self.class_best[c] as usize] {
                    self.class_best[c] = op;
                }
            }
            e = self.entries.next[e as usize];
        }
        let mut e = self.entries.next[HEAD as usize];
        while e != NONE && self.entries.is_call[e as usize] {
            let op = self.entries.op[e as usize];
            let c = self.class[op as usize];
            if c != NONE && self.class_best[c as usize] == op {
                self.eligible[op as usize] = self.stamp;
            }
            e = self.entries.next[e as usize];
        }
    }

    /// The model's look-ahead at the current node: can each of the first
    /// few pending completed operations to return still apply, after the
    /// state and the operations invoked before its return? (Anything
    /// invoked later must follow it.)
    fn may_go_on(&mut self) -> bool {
        let mut before = std::mem::take(&mut self.called_before);
        before.clear();
        let mut ok = true;
        let mut e = self.entries.next[HEAD as usize];
        let (mut seen, mut returns) = (0, 0);
        while e != NONE && seen < LOOK_AHEAD_ENTRIES && returns < LOOK_AHEAD_RETURNS {
            let op = self.entries.op[e as usize];
            if self.entries.is_call[e as usize] {
                before.push(op);
            } else {
                returns += 1;
                let inputs = &self.inputs;
                let mut between = before.iter().map(|&o| &inputs[o as usize]);
                if !self
                    .model
                    .may_reach(&self.state, &inputs[op as usize], &mut between)
                {
                    ok = false;
                    break;
                }
            }
            seen += 1;
            e = self.entries.next[e as usize];
        }
        self.called_before = before;
        ok
    }

    /// Undoes the last linearized op and moves past it; false if there is none.
    fn backtrack(&mut self) -> bool {
        if self.tracker.is_some() {
            self.snapshot();
        }
        loop {
            let Some((op, prev, forced)) = self.stack.pop() else {
                return false;
            };
            self.state = prev;
            self.unmark(op);
            self.entries.unlift(op);
            if let Some(t) = self.tracker.as_mut() {
                t.low_water = t.low_water.min(self.stack.len());
            }
            if forced {
                // Nothing else at that node can succeed where the forced op failed.
                continue;
            }
            self.cursor = self.entries.next[self.entries.call_of[op as usize] as usize];
            self.crashed_pass = self.crashed[op as usize];
            // The list is as it was when `op` was placed: that node's candidates again.
            self.enter_node();
            return true;
        }
    }

    /// A completed read-only operation that can go now (a read of the current
    /// value, a failed cas): some linearization from this node starts with it
    /// if any does (moving it to the front changes no state, as it changes
    /// none wherever it applies, and breaks no real-time order, as nothing
    /// pending returned before it was invoked), so it is placed without
    /// trying alternatives. True if the node was dealt with: the op placed,
    /// or the node found dead because that placement was already explored.
    fn place_forced(&mut self) -> bool {
        let mut e = self.entries.next[HEAD as usize];
        while e != NONE && self.entries.is_call[e as usize] {
            let op = self.entries.op[e as usize];
            let oi = op as usize;
            if !self.crashed[oi]
                && self.eligible[oi] == self.stamp
                && self.model.is_read_only(&self.inputs[oi])
                && self
                    .model
                    .step(&self.state, &self.inputs[oi])
                    .is_some_and(|next| next == self.state)
            {
                self.mark(op);
                if self.remember(self.state.clone()) {
                    self.stack.push((op, self.state.clone(), true));
                    self.entries.lift(op);
                    self.cursor = self.entries.next[HEAD as usize];
                    self.crashed_pass = false;
                    self.enter_node();
                    self.fresh = true;
                } else {
                    self.unmark(op);
                    if !self.backtrack() {
                        self.done = Some(Outcome::Invalid);
                    }
                }
                return true;
            }
            e = self.entries.next[e as usize];
        }
        false
    }

    fn snapshot(&mut self) {
        let count = self.lin.count;
        let Some(t) = self.tracker.as_mut() else {
            return;
        };
        if count > t.best || (count == t.best && t.prefixes[0].is_empty() && !self.stack.is_empty())
        {
            t.best = count;
            t.prefixes.truncate(1);
            // Only the part of the stack that changed since the last snapshot is copied.
            let keep = t.low_water.min(t.prefixes[0].len());
            t.prefixes[0].truncate(keep);
            t.prefixes[0].extend(self.stack[keep..].iter().map(|(o, _, _)| *o));
            t.low_water = self.stack.len();
            t.marks.clear();
        } else if count == t.best
            && t.prefixes.len() < MAX_PREFIXES
            && self.stack.len() <= EXTRA_PREFIX_MAX_DEPTH
        {
            // A search dead-ends at the best count again and again, mostly
            // with a set already kept: compare fingerprints of the sets
            // (order-free sums of mixed indices), not sorted copies.
            let mark = set_mark(self.stack.iter().map(|(o, _, _)| *o));
            if t.marks.len() < t.prefixes.len() {
                t.marks = t
                    .prefixes
                    .iter()
                    .map(|p| set_mark(p.iter().copied()))
                    .collect();
            }
            if !t.marks.contains(&mark) {
                t.prefixes
                    .push(self.stack.iter().map(|(o, _, _)| *o).collect());
                t.marks.push(mark);
            }
        }
    }
}
