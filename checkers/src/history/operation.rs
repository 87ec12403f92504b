//! An operation: an invocation paired with its completion.

use super::{OpFn, ProcessId};
use serde::{Deserialize, Serialize};

/// How an operation ended, as far as the checker is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OpStatus {
    /// Completed `ok`: took effect, and its observed output is known.
    Ok,
    /// Completed `info` or never completed: may take effect any time after its
    /// invocation, or never; its output is unknown.
    Crashed,
    /// A compare-and-set that ran and whose comparison failed: no effect, but
    /// it observed a value different from `from` (Porcupine etcd `:fail :cas`).
    CasMismatch,
}

/// One operation of a history, ready to be checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// Dense id, in invocation order (0-based).
    pub id: usize,
    /// Issuing process.
    pub process: ProcessId,
    /// What the operation does.
    pub f: OpFn,
    /// The key, for keyed histories.
    pub key: Option<String>,
    /// Argument at invocation.
    pub value: serde_json::Value,
    /// Observed output at completion (`null` when unknown).
    pub output: serde_json::Value,
    /// How it ended.
    pub status: OpStatus,
    /// Position of the invoke event in the history (0-based), the real-time order.
    pub invoke_pos: usize,
    /// Position of the completion event, `None` for a crashed operation.
    pub complete_pos: Option<usize>,
    /// `time` of the invoke event (ns, or the line number for formats without time).
    pub invoke_time: u64,
    /// `time` of the completion event, if it completed.
    pub complete_time: Option<u64>,
    /// `index` field of the invoke event.
    pub invoke_index: u64,
    /// `index` field of the completion event, if any.
    pub complete_index: Option<u64>,
    /// The node that served it, where the history says (the completion's
    /// `node`, else the invocation's).
    pub node: Option<String>,
}

impl Operation {
    /// True if the operation may or may not have taken effect.
    pub fn is_crashed(&self) -> bool {
        self.status == OpStatus::Crashed
    }
}
