//! The exhaustive search that walks the history once, in time order, with
//! just-in-time linearization.
//!
//! The depth-first search ([`super::wgl`]) finds a linearization fast when
//! there is one, but proving that there is none means exploring every
//! configuration, and depth-first order often reaches a configuration first
//! with more crashed operations used than needed, only to explore it again
//! when a cheaper way there turns up. This search keeps instead the set of
//! every configuration possible just before each event (the frontier):
//!
//! - a configuration is the set of pending (called, not yet returned)
//!   completed operations already linearized, the model state, and how many
//!   of each group of equal crashed operations were used;
//! - a call adds nothing: an operation is linearized only when it must be,
//!   at its own return, preceded by any sequence of other pending operations
//!   and crashed ones (placing an operation later than that is never worse:
//!   anything that fits after it there still fits after it at the next
//!   return);
//! - at the return of an operation the new frontier is every configuration
//!   with it linearized, kept minimal in crashed operations used (see
//!   [`super::memo`]); an empty frontier means the history is not
//!   linearizable.
//!
//! Memory is the frontier and the current return's closure, never the
//! history behind it, and no configuration is explored twice.

use super::entries::sorted_events;
use super::memo::{Memo, Used};
use super::shape::Shape;
use super::wgl::Outcome;
use crate::model::Model;
use std::collections::VecDeque;

/// Configurations explored between looks at the clock and the stop flags,
/// at most.
const POLL_EVERY: u64 = 1024;
/// Candidates tried (model steps) between looks, at most: one configuration
/// may try every pending and every crashed group, hundreds in a shrinking
/// candidate with its writes weakened, so counting configurations alone let
/// a turn run a second past its deadline.
const POLL_WORK: u64 = 4096;

/// Pending completed operations linearized (sorted), state, crashed used.
type Config<S> = (Box<[u32]>, S, Used);

/// The closure being computed for one return.
struct Closure<S> {
    /// Configurations still to expand, fewest crashed operations used first
    /// (placing a pending op goes to the front, a crashed one to the back),
    /// so that a configuration is reached the cheapest way before any
    /// costlier way is expanded.
    work: VecDeque<Config<S>>,
    /// Every configuration reached at this return, before the returning op.
    seen: Memo<S>,
    /// Configurations with the returning op linearized: the next frontier.
    out: Memo<S>,
}

pub(crate) struct Sweep<'a, M: Model> {
    model: &'a M,
    inputs: Vec<M::Input>,
    shape: Shape,
    /// Call and return events in history order: (op, is_call).
    events: Vec<(u32, bool)>,
    /// The next event to process.
    next: usize,
    /// Per crashed-op group: how many of its members have been called.
    called: Vec<u32>,
    /// Completed operations called and not yet returned, in invocation order.
    pending: Vec<u32>,
    frontier: Vec<Config<M::State>>,
    closure: Option<Closure<M::State>>,
    /// Per class: stamp of the last look and the earliest-returning pending member then.
    class_stamp: Vec<u32>,
    class_best: Vec<u32>,
    stamp: u32,
    done: Option<Outcome>,
    /// Per crashed-op group: used without limit (see [`Sweep::relaxed`]).
    unlimited: Vec<bool>,
    /// Some group was ever used without limit: then "valid" proves nothing,
    /// even after every such group has gone back to being counted.
    relaxed: bool,
    /// The operation whose return emptied the frontier.
    pub failed_at: Option<u32>,
    /// Bytes the search may hold before it gives up.
    pub memory_cap: usize,
}

impl<'a, M: Model> Sweep<'a, M> {
    /// `times[i]`: invoke and completion position (None = crashed) of op i,
    /// ops in invocation order.
    pub fn new(model: &'a M, inputs: Vec<M::Input>, times: &[(usize, Option<usize>)]) -> Self {
        Self::build(model, inputs, times, false)
    }

    /// A sweep that lets every crashed operation with an equal twin take
    /// effect any number of times, once called, and counts only the crashed
    /// operations that are alone of their kind (and those whose every use
    /// changes the state again, see below).
    ///
    /// It allows everything the exact sweep allows and more, so its
    /// "invalid" is the history's, while its "valid" proves nothing (the
    /// search reports it as [`Outcome::Paused`] forever after). What it
    /// saves: counting uses of interchangeable crashed operations is what
    /// multiplies the configurations, as every way of spending them is kept
    /// apart; a stale observation rarely hinges on how many of them there are.
    pub fn relaxed(model: &'a M, inputs: Vec<M::Input>, times: &[(usize, Option<usize>)]) -> Self {
        Self::build(model, inputs, times, true)
    }

    fn build(
        model: &'a M,
        inputs: Vec<M::Input>,
        times: &[(usize, Option<usize>)],
        relaxed: bool,
    ) -> Self {
        let shape = Shape::new(&inputs, times);
        let unlimited: Vec<bool> = shape
            .group_members
            .iter()
            .map(|m| relaxed && m.len() > 1)
            .collect();
        let events = sorted_events(times);
        let ngroups = shape.group_members.len();
        let nclasses = shape.nclasses;
        Sweep {
            model,
            inputs,
            shape,
            events: events.into_iter().map(|(_, c, op)| (op, c)).collect(),
            next: 0,
            called: vec![0; ngroups],
            pending: Vec::new(),
            frontier: vec![(Box::default(), model.init(), Box::default())],
            closure: None,
            class_stamp: vec![0; nclasses],
            class_best: vec![0; nclasses],
            stamp: 0,
            done: None,
            relaxed: unlimited.iter().any(|&u| u),
            unlimited,
            failed_at: None,
            memory_cap: usize::MAX,
        }
    }

    /// The partition's inputs, the sweep done with.
    pub fn into_inputs(self) -> Vec<M::Input> {
        self.inputs
    }

    /// True once a relaxed sweep has got to the end without a verdict.
    pub fn exhausted(&self) -> bool {
        self.done.is_none() && self.closure.is_none() && self.next >= self.events.len()
    }

    /// Runs until decided, about `budget` configurations have been expanded,
    /// or `stop()` says so.
    pub fn run(&mut self, budget: u64, stop: &dyn Fn() -> bool) -> Outcome {
        let mut steps: u64 = 0;
        loop {
            if let Some(o) = self.done {
                return o;
            }
            if self.closure.is_some() {
                if !self.expand(budget, &mut steps, stop) {
                    return self.done.unwrap_or(Outcome::Paused);
                }
                continue;
            }
            let Some(&(op, is_call)) = self.events.get(self.next) else {
                if self.relaxed {
                    // A relaxed sweep's "valid" proves nothing.
                    return Outcome::Paused;
                }
                self.done = Some(Outcome::Valid);
                return Outcome::Valid;
            };
            if is_call {
                self.next += 1;
                if self.shape.crashed[op as usize] {
                    self.called[self.shape.slot[op as usize] as usize] += 1;
                } else {
                    self.pending.push(op);
                }
                continue;
            }
            self.start_closure(op);
        }
    }

    /// Starts the closure of the return of `o`: configurations that already
    /// linearized it carry over as they are, the rest are expanded.
    fn start_closure(&mut self, o: u32) {
        let mut c = Closure {
            work: VecDeque::new(),
            seen: Memo::new(),
            out: Memo::new(),
        };
        let mut frontier = std::mem::take(&mut self.frontier);
        frontier.sort_by_key(|(_, _, used)| total(used));
        for (lin, state, used) in frontier {
            if let Ok(i) = lin.binary_search(&o) {
                let mut rest = lin.into_vec();
                rest.remove(i);
                c.out.insert(&rest, state, used);
            } else if c.seen.insert(&lin, state.clone(), used.clone()) {
                c.work.push_back((lin, state, used));
            }
        }
        self.closure = Some(c);
    }

    /// Expands closure configurations; false if out of budget or told to stop.
    fn expand(&mut self, budget: u64, steps: &mut u64, stop: &dyn Fn() -> bool) -> bool {
        let (o, _) = self.events[self.next];
        let Some(mut c) = self.closure.take() else {
            return true;
        };
        let mut work: u64 = 0;
        while let Some((lin, state, used)) = c.work.pop_front() {
            if !c.seen.holds(&lin, &state, &used) {
                // Reached more cheaply since it was queued.
                continue;
            }
            *steps += 1;
            if steps.is_multiple_of(POLL_EVERY) || work >= POLL_WORK {
                work = 0;
                let over = c.work.len() * std::mem::size_of::<Config<M::State>>()
                    + c.seen.bytes()
                    + c.out.bytes()
                    > self.memory_cap;
                if over || *steps >= budget || stop() {
                    c.work.push_front((lin, state, used));
                    self.closure = Some(c);
                    if over {
                        self.done = Some(Outcome::OverMemory);
                    }
                    return false;
                }
            }
            work += self.expand_one(o, lin, state, used, &mut c);
        }
        // The return is processed: `o` is no longer pending.
        self.next += 1;
        if let Some(i) = self.pending.iter().position(|&p| p == o) {
            self.pending.remove(i);
        }
        if c.out.is_empty() {
            self.failed_at = Some(o);
            self.done = Some(Outcome::Invalid);
        } else {
            self.frontier = c.out.into_configs();
        }
        true
    }

    fn expand_one(
        &mut self,
        o: u32,
        lin: Box<[u32]>,
        state: M::State,
        used: Used,
        c: &mut Closure<M::State>,
    ) -> u64 {
        let model = self.model;
        let mut tried: u64 = 1;
        if let Some(after) = model.step(&state, &self.inputs[o as usize]) {
            c.out.insert(&lin, after, used.clone());
        }
        // Per class of equal pending completed ops, only the earliest to
        // return is worth placing (it can take any other's place).
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.class_stamp.fill(0);
            self.stamp = 1;
        }
        for &q in &self.pending {
            if lin.binary_search(&q).is_ok() {
                continue;
            }
            let k = self.shape.class[q as usize] as usize;
            if self.class_stamp[k] != self.stamp
                || self.shape.ret_pos[q as usize] < self.shape.ret_pos[self.class_best[k] as usize]
            {
                self.class_stamp[k] = self.stamp;
                self.class_best[k] = q;
            }
        }
        let eligible = |q: u32| {
            q != o
                && lin.binary_search(&q).is_err()
                && self.class_best[self.shape.class[q as usize] as usize] == q
        };
        // A read-only op that fits now can go first (as in the depth-first search).
        if let Some(&q) = self.pending.iter().find(|&&q| {
            eligible(q)
                && model.is_read_only(&self.inputs[q as usize])
                && model
                    .step(&state, &self.inputs[q as usize])
                    .is_some_and(|next| next == state)
        }) {
            let child = with(&lin, q);
            if c.seen.insert(&child, state.clone(), used.clone()) {
                c.work.push_front((child, state, used));
            }
            return tried + self.pending.len() as u64;
        }
        tried += self.pending.len() as u64;
        for &q in &self.pending {
            if !eligible(q) {
                continue;
            }
            if let Some(next) = model.step(&state, &self.inputs[q as usize]) {
                let child = with(&lin, q);
                if !self.may_reach(o, &next, &child) {
                    continue;
                }
                if c.seen.insert(&child, next.clone(), used.clone()) {
                    c.work.push_front((child, next, used.clone()));
                }
            }
        }
        tried += self.shape.group_members.len() as u64;
        for g in 0..self.shape.group_members.len() {
            let n = if self.unlimited[g] {
                0
            } else {
                used_of(&used, g as u32)
            };
            if n >= self.called[g] {
                continue;
            }
            let input = &self.inputs[self.shape.group_members[g][n as usize] as usize];
            match model.step(&state, input) {
                // Placing a crashed op where it changes nothing is the same as never placing it.
                Some(next) if next != state => {
                    if self.unlimited[g]
                        && model.step(&next, input).is_some_and(|again| again != next)
                    {
                        // Used without limit, an op that changes the state each
                        // time (an increment, an append) would reach states
                        // without end: count it from here on. The counts
                        // forgotten so far only allow more, so the sweep stays
                        // an over-approximation.
                        self.unlimited[g] = false;
                    }
                    if !self.may_reach(o, &next, &lin) {
                        continue;
                    }
                    let more = if self.unlimited[g] {
                        used.clone()
                    } else {
                        plus_one(&used, g as u32)
                    };
                    if c.seen.insert(&lin, next.clone(), more.clone()) {
                        c.work.push_back((lin.clone(), next, more));
                    }
                }
                _ => {}
            }
        }
        tried
    }

    /// The model's look-ahead (see [`Model::may_reach`]): can the returning
    /// `o` still apply after `state`, followed by pending operations not in
    /// `lin` and crashed ones already called?
    fn may_reach(&self, o: u32, state: &M::State, lin: &[u32]) -> bool {
        if !M::LOOKS_AHEAD {
            return true;
        }
        let inputs = &self.inputs;
        let pending = self
            .pending
            .iter()
            .filter(|&&q| q != o && lin.binary_search(&q).is_err())
            .map(|&q| &inputs[q as usize]);
        let crashed = self
            .shape
            .group_members
            .iter()
            .zip(&self.called)
            .filter(|(_, called)| **called > 0)
            .map(|(members, _)| &inputs[members[0] as usize]);
        self.model
            .may_reach(state, &inputs[o as usize], &mut pending.chain(crashed))
    }

    /// False for a relaxed sweep with nothing to relax (no crashed
    /// operation has an equal twin): it would repeat the exact sweep's work.
    pub fn relaxes_anything(&self) -> bool {
        self.relaxed
    }
}

/// `lin` with `q` added, sorted.
fn with(lin: &[u32], q: u32) -> Box<[u32]> {
    let mut v = Vec::with_capacity(lin.len() + 1);
    let at = lin.partition_point(|&x| x < q);
    v.extend_from_slice(&lin[..at]);
    v.push(q);
    v.extend_from_slice(&lin[at..]);
    v.into_boxed_slice()
}

fn total(used: &[(u32, u32)]) -> u32 {
    used.iter().map(|&(_, n)| n).sum()
}

fn used_of(used: &[(u32, u32)], g: u32) -> u32 {
    used.binary_search_by_key(&g, |&(x, _)| x)
        .map_or(0, |i| used[i].1)
}

fn plus_one(used: &[(u32, u32)], g: u32) -> Used {
    let mut v = used.to_vec();
    match v.binary_search_by_key(&g, |&(x, _)| x) {
        Ok(i) => v[i].1 += 1,
        Err(i) => v.insert(i, (g, 1)),
    }
    v.into_boxed_slice()
}
