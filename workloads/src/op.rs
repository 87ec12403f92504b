//! Operations a worker issues and how they completed.

use faultline_checkers::{EventType, OpFn};
use serde_json::Value;

/// One operation to invoke: function, key and argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// What the operation does.
    pub f: OpFn,
    /// The key it acts on (all faultline workloads are keyed).
    pub key: Option<String>,
    /// Argument at invocation (`null` for reads).
    pub value: Value,
}

impl Op {
    /// A read of `key`.
    pub fn read(key: impl Into<String>) -> Op {
        Op {
            f: OpFn::Read,
            key: Some(key.into()),
            value: Value::Null,
        }
    }
}

/// How an operation completed: `ok`, `fail` or `info`, with what was observed.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// `Ok`, `Fail` or `Info` (never `Invoke`).
    pub kind: EventType,
    /// Observed value for `ok` reads, the argument echoed for other `ok`s, `null` otherwise.
    pub value: Value,
    /// The node that served (or was asked), where known.
    pub node: Option<String>,
    /// Why the operation failed or is unknown.
    pub error: Option<String>,
}

impl Completion {
    /// A definite success with the observed or echoed value.
    pub fn ok(value: Value) -> Completion {
        Completion {
            kind: EventType::Ok,
            value,
            node: None,
            error: None,
        }
    }

    /// A definite failure: the operation did not take effect.
    pub fn fail(error: impl Into<String>) -> Completion {
        Completion {
            kind: EventType::Fail,
            value: Value::Null,
            node: None,
            error: Some(error.into()),
        }
    }

    /// An indeterminate outcome: the operation may or may not take effect.
    pub fn info(error: impl Into<String>) -> Completion {
        Completion {
            kind: EventType::Info,
            value: Value::Null,
            node: None,
            error: Some(error.into()),
        }
    }

    /// The same completion, attributed to `node`.
    pub fn at(mut self, node: impl Into<String>) -> Completion {
        self.node = Some(node.into());
        self
    }
}
