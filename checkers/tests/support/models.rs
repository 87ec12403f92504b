//! Runs a piece of test code against the built-in model of a [`ModelKind`].

use faultline_checkers::{
    AppendList, CasRegister, Counter, FifoQueue, KvAppend, Mutex, Register, SetModel,
};
use faultline_checkers::{Model, ModelKind, Val};

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
