//! Building a built-in model from its name and the user's initial value, once
//! for every checker that works over a model.

use super::{
    AppendList, CasRegister, Counter, FifoQueue, KvAppend, Model, ModelKind, Mutex, Register,
    SetModel, Val,
};
use crate::linearizability::CheckError;

/// Work to do with a built-in model, whatever its concrete type.
pub(crate) trait ModelTask {
    /// What the work produces.
    type Output;
    /// Runs with `model`; `register_init` is the initial value when the model
    /// is a register (`register`, `cas-register`, `kv`), else `None`.
    fn run<M: Model>(
        self,
        model: &M,
        register_init: Option<Val>,
    ) -> Result<Self::Output, CheckError>;
}

/// Builds model `kind` starting from `init` (JSON, as `--init` gives it) and runs `task` with it.
pub(crate) fn with_model<T: ModelTask>(
    kind: ModelKind,
    init: Option<&serde_json::Value>,
    task: T,
) -> Result<T::Output, CheckError> {
    let bad_init = |message: &str| CheckError::InvalidInit {
        model: kind.to_string(),
        value: init.map(|v| v.to_string()).unwrap_or_default(),
        message: message.to_string(),
    };
    let reg = init.map_or(Val::Nil, Val::from_json);
    match kind {
        ModelKind::Register => task.run(&Register::new(reg.clone()), Some(reg)),
        ModelKind::CasRegister => task.run(&CasRegister::new(reg.clone()), Some(reg)),
        ModelKind::Kv => task.run(&CasRegister::kv(reg.clone()), Some(reg)),
        ModelKind::KvAppend => {
            let s = match init {
                None => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(_) => return Err(bad_init("expected a string")),
            };
            task.run(&KvAppend::new(&s), None)
        }
        ModelKind::Counter => {
            let n = match init {
                None => 0,
                Some(v) => v.as_i64().ok_or_else(|| bad_init("expected an integer"))?,
            };
            task.run(&Counter::new(n), None)
        }
        ModelKind::AppendList => task.run(&AppendList, None),
        ModelKind::Set => task.run(&SetModel, None),
        ModelKind::FifoQueue => task.run(&FifoQueue, None),
        ModelKind::Mutex => task.run(&Mutex, None),
    }
}
