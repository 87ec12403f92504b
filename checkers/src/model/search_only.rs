//! A wrapper that hides a model's `impossible` pre-check (and its
//! `unobservable` pruning), so every verdict comes from the WGL search
//! itself (with the model's look-ahead, which is part of the search): what the property tests compare with brute force, and what
//! `examples/timings.rs` measures.

use super::{Model, ModelError};
use crate::history::Operation;

/// `M` without its pre-check: the search alone decides.
pub struct SearchOnly<'m, M>(pub &'m M);

impl<M: Model> Model for SearchOnly<'_, M> {
    type State = M::State;
    type Input = M::Input;

    fn name(&self) -> &str {
        self.0.name()
    }
    fn init(&self) -> M::State {
        self.0.init()
    }
    fn prepare(&self, op: &Operation) -> Result<M::Input, ModelError> {
        self.0.prepare(op)
    }
    fn step(&self, state: &M::State, input: &M::Input) -> Option<M::State> {
        self.0.step(state, input)
    }
    fn is_read_only(&self, input: &M::Input) -> bool {
        self.0.is_read_only(input)
    }
    // The look-ahead is part of the search, not a pre-check: kept.
    const LOOKS_AHEAD: bool = M::LOOKS_AHEAD;
    fn may_reach(
        &self,
        state: &M::State,
        target: &M::Input,
        between: &mut dyn Iterator<Item = &M::Input>,
    ) -> bool {
        self.0.may_reach(state, target, between)
    }
    fn describe_state(&self, state: &M::State) -> String {
        self.0.describe_state(state)
    }
    fn describe_op(&self, input: &M::Input) -> String {
        self.0.describe_op(input)
    }
}
