//! Operations a worker issues and how they completed.

use faultline_checkers::{EventType, FailReason, OpFn};
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
    /// Why a `fail` did not take effect (always set for `fail`).
    pub reason: Option<FailReason>,
    /// The store's or transport's own words: what a `fail` said, or why an
    /// `info` is unknown.
    pub detail: Option<String>,
}

impl Completion {
    /// A definite success with the observed or echoed value.
    pub fn ok(value: Value) -> Completion {
        Completion {
            kind: EventType::Ok,
            value,
            node: None,
            reason: None,
            detail: None,
        }
    }

    /// A definite failure: the operation did not take effect, for `reason`.
    pub fn fail(reason: FailReason, detail: impl Into<String>) -> Completion {
        Completion {
            kind: EventType::Fail,
            value: Value::Null,
            node: None,
            reason: Some(reason),
            detail: Some(detail.into()),
        }
    }

    /// An indeterminate outcome: the operation may or may not take effect.
    pub fn info(detail: impl Into<String>) -> Completion {
        Completion {
            kind: EventType::Info,
            value: Value::Null,
            node: None,
            reason: None,
            detail: Some(detail.into()),
        }
    }

    /// The same completion, attributed to `node`.
    pub fn at(mut self, node: impl Into<String>) -> Completion {
        self.node = Some(node.into());
        self
    }

    /// The history's `error` field: the reason's name for a `fail`, the
    /// words for an `info` (whose unknown outcome has no reason to type).
    pub fn history_error(&self) -> Option<&str> {
        match self.kind {
            EventType::Fail => self.reason.map(FailReason::as_str),
            _ => self.detail.as_deref(),
        }
    }

    /// The history's `detail` field: a `fail`'s own words beside its reason.
    pub fn history_detail(&self) -> Option<&str> {
        match self.kind {
            EventType::Fail => self.detail.as_deref(),
            _ => None,
        }
    }

    /// Why it failed or is unknown, in words, for messages.
    pub fn describe(&self) -> String {
        match (self.reason, self.detail.as_deref()) {
            (Some(r), Some(d)) => format!("{r} ({d})"),
            (Some(r), None) => r.to_string(),
            (None, Some(d)) => d.to_string(),
            (None, None) => String::new(),
        }
    }
}
