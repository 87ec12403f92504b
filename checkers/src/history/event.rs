//! One line of a history: the event types that every format is read into.

use super::FailReason;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who issued an event: a client process (integer) or the nemesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProcessId {
    /// A client worker; after an `info` completion it continues under a new id.
    Client(u64),
    /// The fault injector.
    Nemesis,
}

impl Serialize for ProcessId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ProcessId::Client(n) => s.serialize_u64(*n),
            ProcessId::Nemesis => s.serialize_str("nemesis"),
        }
    }
}

impl<'de> Deserialize<'de> for ProcessId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(u64),
            Str(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(n) => Ok(ProcessId::Client(n)),
            Raw::Str(s) if s == "nemesis" => Ok(ProcessId::Nemesis),
            Raw::Str(s) => Err(serde::de::Error::custom(format!(
                "expected a process number or \"nemesis\", found \"{s}\""
            ))),
        }
    }
}

impl fmt::Display for ProcessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessId::Client(n) => write!(f, "{n}"),
            ProcessId::Nemesis => f.write_str("nemesis"),
        }
    }
}

/// The kind of an event: an invocation or one of the three completions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventType {
    /// The operation was sent.
    Invoke,
    /// The operation took effect.
    Ok,
    /// The operation definitely did not take effect.
    Fail,
    /// Unknown: may take effect at any time after the invocation, or never.
    Info,
}

/// The operation function (`f`): what the operation does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpFn {
    /// Read the value of a key (register, list, set, counter, queue head).
    Read,
    /// Overwrite the value.
    Write,
    /// Compare-and-set: value is `[from, to]`.
    Cas,
    /// Append an element to a list (or a string, for the kv-append model).
    Append,
    /// Add an element to a set.
    Add,
    /// Increment a counter by the value.
    Incr,
    /// Enqueue onto a fifo queue.
    Enqueue,
    /// Dequeue from a fifo queue.
    Dequeue,
    /// Move money between accounts: `{from, to, amount}`.
    Transfer,
    /// Acquire a lock (value: fencing token).
    Acquire,
    /// Release a lock (value: fencing token).
    Release,
    /// A multi-key transaction.
    Txn,
    /// Anything else, e.g. nemesis functions such as `start-partition`.
    Other(String),
}

impl OpFn {
    /// The name used in histories.
    pub fn as_str(&self) -> &str {
        match self {
            OpFn::Read => "read",
            OpFn::Write => "write",
            OpFn::Cas => "cas",
            OpFn::Append => "append",
            OpFn::Add => "add",
            OpFn::Incr => "incr",
            OpFn::Enqueue => "enqueue",
            OpFn::Dequeue => "dequeue",
            OpFn::Transfer => "transfer",
            OpFn::Acquire => "acquire",
            OpFn::Release => "release",
            OpFn::Txn => "txn",
            OpFn::Other(s) => s,
        }
    }

    /// Parses a name; unknown names become [`OpFn::Other`].
    pub fn parse(s: &str) -> OpFn {
        match s {
            "read" => OpFn::Read,
            "write" => OpFn::Write,
            "cas" => OpFn::Cas,
            "append" => OpFn::Append,
            "add" => OpFn::Add,
            "incr" => OpFn::Incr,
            "enqueue" => OpFn::Enqueue,
            "dequeue" => OpFn::Dequeue,
            "transfer" => OpFn::Transfer,
            "acquire" => OpFn::Acquire,
            "release" => OpFn::Release,
            "txn" => OpFn::Txn,
            other => OpFn::Other(other.to_string()),
        }
    }
}

impl fmt::Display for OpFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for OpFn {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OpFn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(OpFn::parse(&s))
    }
}

/// One event of a history, as one line of `history.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the history, from 0.
    pub index: u64,
    /// Nanoseconds since the test started (monotonic clock).
    pub time: u64,
    /// Who issued it.
    pub process: ProcessId,
    /// Invocation or completion kind.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// The operation function.
    pub f: OpFn,
    /// The key, for keyed workloads (checked per key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Argument at invoke, observed result at `ok`.
    #[serde(default)]
    pub value: serde_json::Value,
    /// The node that served the request, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// Why a `fail`/`info` completion happened, where known. For `fail`, a
    /// [`FailReason`] name; free text (older histories) means "dropped".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The store's or transport's own words, kept beside a typed `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Event {
    /// The typed reason of a `fail` completion; `None` for other events and free text.
    pub fn fail_reason(&self) -> Option<FailReason> {
        if self.kind != EventType::Fail {
            return None;
        }
        self.error.as_deref().and_then(FailReason::parse)
    }
}
