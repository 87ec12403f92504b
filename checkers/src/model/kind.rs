//! Built-in models by name.

use std::fmt;
use std::str::FromStr;

/// A built-in model, selectable by name (`--model`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelKind {
    /// read/write register.
    Register,
    /// read/write/cas register.
    CasRegister,
    /// Multi-key store of cas-registers, checked per key.
    Kv,
    /// Porcupine kv: strings with get/put/append, per key.
    KvAppend,
    /// append v / read returns the list.
    AppendList,
    /// add v / read returns the set.
    Set,
    /// incr n / read.
    Counter,
    /// enqueue / dequeue.
    FifoQueue,
    /// acquire / release.
    Mutex,
}

impl ModelKind {
    /// Every built-in model.
    pub const ALL: &'static [ModelKind] = &[
        ModelKind::Register,
        ModelKind::CasRegister,
        ModelKind::Kv,
        ModelKind::KvAppend,
        ModelKind::AppendList,
        ModelKind::Set,
        ModelKind::Counter,
        ModelKind::FifoQueue,
        ModelKind::Mutex,
    ];

    /// The model's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Register => "register",
            ModelKind::CasRegister => "cas-register",
            ModelKind::Kv => "kv",
            ModelKind::KvAppend => "kv-append",
            ModelKind::AppendList => "append-list",
            ModelKind::Set => "set",
            ModelKind::Counter => "counter",
            ModelKind::FifoQueue => "fifo-queue",
            ModelKind::Mutex => "mutex",
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown model name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown model {0:?}; expected one of register, cas-register, kv, kv-append, append-list, set, counter, fifo-queue, mutex"
)]
pub struct UnknownModel(pub String);

impl FromStr for ModelKind {
    type Err = UnknownModel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = match s.to_ascii_lowercase().as_str() {
            "register" => ModelKind::Register,
            "cas-register" | "cas" => ModelKind::CasRegister,
            "kv" => ModelKind::Kv,
            "kv-append" => ModelKind::KvAppend,
            "append-list" | "append" | "list-append" => ModelKind::AppendList,
            "set" => ModelKind::Set,
            "counter" => ModelKind::Counter,
            "fifo-queue" | "queue" | "fifo" => ModelKind::FifoQueue,
            "mutex" | "lock" => ModelKind::Mutex,
            _ => return Err(UnknownModel(s.to_string())),
        };
        Ok(k)
    }
}
