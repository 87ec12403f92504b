//! Commands carried by log entries.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One operation inside a transaction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "lowercase")]
pub enum TxnOp {
    /// Read a key.
    Read {
        /// The key.
        key: String,
    },
    /// Write a key.
    Write {
        /// The key.
        key: String,
        /// The new value.
        value: Value,
    },
    /// Add `delta` to the integer at a key (absent = 0); the whole
    /// transaction aborts if the result would be negative (a bank account
    /// never goes below zero) or the value is not an integer.
    Add {
        /// The key.
        key: String,
        /// The amount added (negative to subtract).
        delta: i64,
    },
    /// Compare-and-set a key; the whole transaction aborts if it fails.
    Cas {
        /// The key.
        key: String,
        /// Expected current value (null = absent).
        from: Value,
        /// New value.
        to: Value,
    },
}

/// A state-machine command, as stored in the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Command {
    /// Appended by every new leader so it can commit an entry of its term.
    Noop,
    /// Set a key.
    Put {
        /// The key.
        key: String,
        /// The value.
        value: Value,
    },
    /// Set a key if its value equals `from`.
    Cas {
        /// The key.
        key: String,
        /// Expected current value (null = absent).
        from: Value,
        /// New value.
        to: Value,
    },
    /// Append an element to the list stored at a key.
    Append {
        /// The key.
        key: String,
        /// The element.
        value: Value,
    },
    /// All-or-nothing transaction.
    Txn {
        /// The operations, in order.
        ops: Vec<TxnOp>,
    },
    /// Acquire, renew or release a lease on a lock.
    Lease {
        /// The lock's name.
        lock: String,
        /// The proposing leader's wall clock (ms): the time every replica
        /// decides expiry by (see `lock::clock`).
        stamp_ms: u64,
        /// What to do.
        action: crate::lock::LeaseCommand,
    },
    /// Write the protected resource with a fencing token.
    FencedWrite {
        /// The resource's name.
        resource: String,
        /// Token and value.
        write: crate::lock::FencedWrite,
        /// Whether a token lower than the resource's is refused (false
        /// only under the `lock-no-fencing` bug).
        fenced: bool,
    },
}

impl Command {
    /// The client keys the command reads or writes (with repeats, in op
    /// order). Lock commands touch only the lock service's reserved keys,
    /// which no client reads through `/kv`, so they name none.
    pub fn touched_keys(&self) -> Vec<&str> {
        match self {
            Command::Noop | Command::Lease { .. } | Command::FencedWrite { .. } => Vec::new(),
            Command::Put { key, .. } | Command::Cas { key, .. } | Command::Append { key, .. } => {
                vec![key.as_str()]
            }
            Command::Txn { ops } => ops
                .iter()
                .map(|op| match op {
                    TxnOp::Read { key }
                    | TxnOp::Write { key, .. }
                    | TxnOp::Add { key, .. }
                    | TxnOp::Cas { key, .. } => key.as_str(),
                })
                .collect(),
        }
    }
}
