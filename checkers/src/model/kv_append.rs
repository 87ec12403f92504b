//! Porcupine's kv model: each key holds a string (initially ""), with get, put and append.

use super::{Model, ModelError, Val};
use crate::history::{OpFn, Operation};
use std::sync::Arc;

/// One kv-append operation with its observed output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KvAppendOp {
    /// `get` that returned this string.
    Get(Arc<str>),
    /// `put` of this string.
    Put(Arc<str>),
    /// `append` of this string.
    Append(Arc<str>),
}

/// String-valued key with get/put/append (use per key: the checker partitions by key).
#[derive(Debug, Clone)]
pub struct KvAppend {
    init: Arc<str>,
}

impl KvAppend {
    /// Keys start as `init` (Porcupine: "").
    pub fn new(init: &str) -> Self {
        KvAppend {
            init: Arc::from(init),
        }
    }
}

impl Default for KvAppend {
    fn default() -> Self {
        KvAppend::new("")
    }
}

fn as_str(model: &str, op: &Operation, v: &serde_json::Value) -> Result<Arc<str>, ModelError> {
    match Val::from_json(v) {
        Val::Nil => Ok(Arc::from("")),
        Val::Str(s) => Ok(s),
        Val::Int(i) => Ok(Arc::from(i.to_string().as_str())),
        Val::Json(_) => Err(ModelError::new(model, op, "expected a string value")),
    }
}

impl Model for KvAppend {
    type State = Arc<str>;
    type Input = KvAppendOp;

    fn name(&self) -> &str {
        "kv-append"
    }

    fn init(&self) -> Arc<str> {
        self.init.clone()
    }

    fn prepare(&self, op: &Operation) -> Result<KvAppendOp, ModelError> {
        match op.f {
            OpFn::Read => Ok(KvAppendOp::Get(as_str(self.name(), op, &op.output)?)),
            OpFn::Write => Ok(KvAppendOp::Put(as_str(self.name(), op, &op.value)?)),
            OpFn::Append => Ok(KvAppendOp::Append(as_str(self.name(), op, &op.value)?)),
            _ => Err(ModelError::new(
                self.name(),
                op,
                "expected get (read), put (write) or append",
            )),
        }
    }

    fn step(&self, state: &Arc<str>, input: &KvAppendOp) -> Option<Arc<str>> {
        match input {
            KvAppendOp::Get(v) => (state == v).then(|| state.clone()),
            KvAppendOp::Put(v) => Some(v.clone()),
            KvAppendOp::Append(v) => {
                let mut s = String::with_capacity(state.len() + v.len());
                s.push_str(state);
                s.push_str(v);
                Some(Arc::from(s))
            }
        }
    }

    fn is_read_only(&self, input: &KvAppendOp) -> bool {
        matches!(input, KvAppendOp::Get(_))
    }

    fn describe_state(&self, state: &Arc<str>) -> String {
        format!("{state:?}")
    }

    fn describe_op(&self, input: &KvAppendOp) -> String {
        match input {
            KvAppendOp::Get(v) => format!("get {v:?}"),
            KvAppendOp::Put(v) => format!("put {v:?}"),
            KvAppendOp::Append(v) => format!("append {v:?}"),
        }
    }

    fn explain(&self, state: &Arc<str>, input: &KvAppendOp) -> String {
        match input {
            KvAppendOp::Get(v) => format!("get returned {v:?} but the key holds {state:?}"),
            other => format!("{} cannot fail", self.describe_op(other)),
        }
    }
}
