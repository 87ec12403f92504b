//! The participant side of two-phase commit: transactions that voted yes
//! and hold their keys' locks until the coordinator's decision arrives, and
//! the outcomes already applied (so a re-delivered decision or a late
//! prepare cannot apply anything twice).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A transaction id, chosen by the coordinator (unique across its restarts).
pub type TxnId = String;

/// What finally became of a transaction on this participant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The prepared writes were installed.
    Commit,
    /// The prepared writes were dropped (or never prepared).
    Abort,
}

/// A transaction that voted yes: its locks, its pending writes, and the
/// results it reported, kept so a re-sent prepare gets the same answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreparedTxn {
    /// The coordinator that owns the decision.
    pub coordinator: String,
    /// Every key the transaction touches (read or written): all locked.
    pub keys: BTreeSet<String>,
    /// Values installed on commit.
    pub writes: BTreeMap<String, Value>,
    /// The per-op results returned with the yes vote.
    pub results: Vec<Value>,
}

/// Prepared and finished transactions; part of the replicated state and of
/// snapshots, so a vote survives crashes and leader changes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TxnTable {
    /// Voted yes, decision not yet applied.
    pub prepared: BTreeMap<TxnId, PreparedTxn>,
    /// Decisions already applied.
    pub finished: BTreeMap<TxnId, Outcome>,
}

impl TxnTable {
    /// The prepared transaction holding the lock on `key`, if any.
    pub fn locked_by(&self, key: &str) -> Option<&str> {
        self.prepared
            .iter()
            .find(|(_, p)| p.keys.contains(key))
            .map(|(id, _)| id.as_str())
    }

    /// The first of `keys` locked by a transaction other than `txid`.
    pub fn first_locked<'a>(
        &self,
        keys: impl IntoIterator<Item = &'a str>,
        txid: Option<&str>,
    ) -> Option<(&'a str, String)> {
        keys.into_iter().find_map(|k| match self.locked_by(k) {
            Some(holder) if Some(holder) != txid => Some((k, holder.to_string())),
            _ => None,
        })
    }

    /// Ids of the transactions waiting for a decision.
    pub fn pending(&self) -> impl Iterator<Item = &TxnId> {
        self.prepared.keys()
    }
}
