//! Runs a piece of test code against the built-in model of a [`ModelKind`],
//! and a wrapper that hides a model's pre-check so the search itself is tested.

use faultline_checkers::model::{
    AppendList, CasRegister, Counter, FifoQueue, KvAppend, Mutex, Register, SetModel,
};
use faultline_checkers::{Model, ModelError, ModelKind, Operation, Val};

/// Test code generic over the model.
pub trait WithModel {
    /// What the code returns.
    type Out;
    /// Runs with the model.
    fn run<M: Model>(self, model: &M) -> Self::Out;
}

/// Runs `f` with the built-in model of `kind` (default initial values).
pub fn with_model<F: WithModel>(kind: ModelKind, f: F) -> F::Out {
    match kind {
        ModelKind::Register => f.run(&Register::new(Val::Nil)),
        ModelKind::CasRegister => f.run(&CasRegister::new(Val::Nil)),
        ModelKind::Kv => f.run(&CasRegister::kv(Val::Nil)),
        ModelKind::KvAppend => f.run(&KvAppend::default()),
        ModelKind::AppendList => f.run(&AppendList),
        ModelKind::Set => f.run(&SetModel),
        ModelKind::Counter => f.run(&Counter::new(0)),
        ModelKind::FifoQueue => f.run(&FifoQueue),
        ModelKind::Mutex => f.run(&Mutex),
    }
}

/// A model without its `impossible` pre-check: every verdict comes from the search.
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
    fn describe_state(&self, state: &M::State) -> String {
        self.0.describe_state(state)
    }
    fn describe_op(&self, input: &M::Input) -> String {
        self.0.describe_op(input)
    }
}
