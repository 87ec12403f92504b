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
    /// Append an element to the list at a key (absent = empty), as the
    /// list-append workload's transactions do.
    Append {
        /// The key.
        key: String,
        /// The element.
        value: Value,
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
    /// Two-phase commit, phase one: check that `ops` can apply, lock their
    /// keys and vote yes (the committed entry is the durable vote), or vote no.
    Prepare {
        /// The transaction id.
        txid: String,
        /// The coordinator that decides.
        coordinator: String,
        /// This participant's share of the transaction's operations.
        ops: Vec<TxnOp>,
    },
    /// Two-phase commit, phase two: install the prepared writes and unlock.
    Commit {
        /// The transaction id.
        txid: String,
    },
    /// Two-phase commit, phase two: drop the prepared writes and unlock.
    Abort {
        /// The transaction id.
        txid: String,
    },
}

impl Command {
    /// The client keys the command reads or writes (with repeats, in op
    /// order). Lock commands touch only the lock service's reserved keys,
    /// which no client reads through `/kv`, so they name none; a 2PC commit
    /// or abort names none either, as its keys live in the prepared state
    /// (which is why the read cache is refused on sharded clusters).
    pub fn touched_keys(&self) -> Vec<&str> {
        match self {
            Command::Noop
            | Command::Lease { .. }
            | Command::FencedWrite { .. }
            | Command::Commit { .. }
            | Command::Abort { .. } => Vec::new(),
            Command::Put { key, .. } | Command::Cas { key, .. } | Command::Append { key, .. } => {
                vec![key.as_str()]
            }
            Command::Txn { ops } | Command::Prepare { ops, .. } => {
                ops.iter().map(TxnOp::key).collect()
            }
        }
    }
}

impl TxnOp {
    /// The key the operation touches.
    pub fn key(&self) -> &str {
        match self {
            TxnOp::Read { key }
            | TxnOp::Write { key, .. }
            | TxnOp::Add { key, .. }
            | TxnOp::Cas { key, .. }
            | TxnOp::Append { key, .. } => key,
        }
    }
}
