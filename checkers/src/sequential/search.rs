//! The search for one partition: a depth-first search over how far each
//! process has got, with memoization of (positions, model state).
//!
//! Unlike WGL there is no real-time order, only each process's own order, so
//! a configuration is one position per process. One sound reduction keeps
//! the search small: a completed observer (an operation that never changes
//! the state, in any state: a read, a failed cas) that can run now is run at
//! once, since moving it earlier never hurts any other operation. (A write of
//! the value already held is not an observer: later it may change the state.)

use crate::model::Model;
use rustc_hash::FxHashSet;

/// How often (in steps) to poll the stop flag.
const POLL_EVERY: u64 = 1024;
/// Steps before the search gives up (unknown): without unique values the
/// space of per-process interleavings can be astronomically large.
const MAX_STEPS: u64 = 2_000_000;
/// Operations of the deepest order kept for the counterexample.
const ORDER_TAIL: usize = 20;

/// The partition's operations as per-process chains.
pub(crate) struct Chains<'a, M: Model> {
    pub model: &'a M,
    pub inputs: Vec<M::Input>,
    pub crashed: Vec<bool>,
    /// Operations that never change the state, whatever it is (reads, failed cas).
    pub observer: Vec<bool>,
    /// Per process: local operation indices in program order.
    pub chains: Vec<Vec<u32>>,
    /// Invocation position of each operation: the order in which to try them.
    pub invoke_pos: Vec<usize>,
}

/// Where the search got stuck for good: the configuration that placed most operations.
#[derive(Debug, Clone)]
pub(crate) struct Deepest<S> {
    pub pos: Vec<u32>,
    pub state: S,
    pub placed: usize,
    /// The last operations of the order that got there.
    pub order_tail: Vec<u32>,
}

/// How a search ended.
pub(crate) enum SeqOutcome<S> {
    /// A total order exists.
    Valid,
    /// None exists; the deepest configuration reached.
    Invalid(Deepest<S>),
    /// Told to stop.
    Stopped,
}

struct Level<S> {
    pos: Vec<u32>,
    state: S,
    candidates: Vec<u32>,
    next: usize,
    applied: Vec<u32>,
}

impl<M: Model> Chains<'_, M> {
    fn done(&self, pos: &[u32]) -> bool {
        self.chains.iter().zip(pos).all(|(c, &p)| {
            let p = p as usize;
            p == c.len() || (p + 1 == c.len() && self.crashed[c[p] as usize])
        })
    }

    fn candidates(&self, pos: &[u32]) -> Vec<u32> {
        let mut c: Vec<u32> = (0..self.chains.len() as u32)
            .filter(|&c| (pos[c as usize] as usize) < self.chains[c as usize].len())
            .collect();
        c.sort_by_key(|&c| {
            self.invoke_pos[self.chains[c as usize][pos[c as usize] as usize] as usize]
        });
        c
    }

    /// Runs every state-preserving completed operation that can run now.
    fn eager(&self, pos: &mut [u32], state: &M::State, applied: &mut Vec<u32>) {
        loop {
            let mut changed = false;
            for (c, chain) in self.chains.iter().enumerate() {
                while let Some(&op) = chain.get(pos[c] as usize) {
                    let o = op as usize;
                    if self.crashed[o] || !self.observer[o] {
                        break;
                    }
                    match self.model.step(state, &self.inputs[o]) {
                        Some(s) if s == *state => {
                            pos[c] += 1;
                            applied.push(op);
                            changed = true;
                        }
                        _ => break,
                    }
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// Searches until decided or `stop()` says so.
    pub fn run(&self, stop: &dyn Fn() -> bool) -> SeqOutcome<M::State> {
        let mut memo: FxHashSet<(Box<[u32]>, M::State)> = FxHashSet::default();
        let mut pos = vec![0u32; self.chains.len()];
        let state = self.model.init();
        let mut applied = Vec::new();
        self.eager(&mut pos, &state, &mut applied);
        if self.done(&pos) {
            return SeqOutcome::Valid;
        }
        memo.insert((pos.clone().into_boxed_slice(), state.clone()));
        let mut deepest = Deepest {
            placed: applied.len(),
            order_tail: tail(&applied),
            pos: pos.clone(),
            state: state.clone(),
        };
        let mut stack = vec![Level {
            candidates: self.candidates(&pos),
            pos,
            state,
            next: 0,
            applied,
        }];
        let mut steps: u64 = 0;
        while let Some(top) = stack.last_mut() {
            steps += 1;
            if steps.is_multiple_of(POLL_EVERY) && (steps >= MAX_STEPS || stop()) {
                return SeqOutcome::Stopped;
            }
            let Some(&c) = top.candidates.get(top.next) else {
                stack.pop();
                continue;
            };
            top.next += 1;
            let op = self.chains[c as usize][top.pos[c as usize] as usize];
            let o = op as usize;
            let Some(next) = self.model.step(&top.state, &self.inputs[o]) else {
                continue;
            };
            // A crashed operation that changes nothing is the same as one that never ran.
            if self.crashed[o] && next == top.state {
                continue;
            }
            let mut pos = top.pos.clone();
            pos[c as usize] += 1;
            let mut applied = vec![op];
            self.eager(&mut pos, &next, &mut applied);
            if self.done(&pos) {
                return SeqOutcome::Valid;
            }
            if !memo.insert((pos.clone().into_boxed_slice(), next.clone())) {
                continue;
            }
            let placed: usize = pos.iter().map(|&p| p as usize).sum();
            if placed > deepest.placed {
                let mut order: Vec<u32> = stack
                    .iter()
                    .rev()
                    .flat_map(|l| l.applied.iter().rev())
                    .take(ORDER_TAIL)
                    .copied()
                    .collect();
                order.reverse();
                order.extend(&applied);
                deepest = Deepest {
                    placed,
                    order_tail: tail(&order),
                    pos: pos.clone(),
                    state: next.clone(),
                };
            }
            stack.push(Level {
                candidates: self.candidates(&pos),
                pos,
                state: next,
                next: 0,
                applied,
            });
        }
        SeqOutcome::Invalid(deepest)
    }
}

fn tail(v: &[u32]) -> Vec<u32> {
    v[v.len().saturating_sub(ORDER_TAIL)..].to_vec()
}
