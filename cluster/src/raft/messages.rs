//! Peer RPC messages (JSON over HTTP).

use super::entries::Entry;
use crate::node_id::NodeId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// RequestVote arguments.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VoteRequest {
    /// Candidate's term.
    pub term: u64,
    /// The candidate.
    pub candidate: NodeId,
    /// Index of the candidate's last entry.
    pub last_log_index: u64,
    /// Term of the candidate's last entry.
    pub last_log_term: u64,
    /// A pre-vote: "would you vote for me in `term`?" — changes no state,
    /// so a node cut off from the cluster cannot inflate terms and depose
    /// a healthy leader when it returns.
    #[serde(default)]
    pub pre_vote: bool,
}

/// RequestVote result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VoteResponse {
    /// The voter's term.
    pub term: u64,
    /// Whether the vote was granted.
    pub granted: bool,
}

/// AppendEntries arguments (also the heartbeat).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AppendRequest {
    /// Leader's term.
    pub term: u64,
    /// The leader.
    pub leader: NodeId,
    /// Index of the entry just before `entries`.
    pub prev_log_index: u64,
    /// Term of that entry.
    pub prev_log_term: u64,
    /// Entries to store (empty for a heartbeat).
    pub entries: Vec<Entry>,
    /// Leader's commit index.
    pub leader_commit: u64,
}

/// AppendEntries result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AppendResponse {
    /// The follower's term.
    pub term: u64,
    /// Whether the consistency check passed and the entries are durable.
    pub success: bool,
    /// On success: the last index known to match the leader's log.
    pub match_index: u64,
    /// On failure: where the leader should retry from.
    pub conflict_index: u64,
}

/// A state-machine snapshot: everything up to `last_index`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Last log index the snapshot covers.
    pub last_index: u64,
    /// Term of that entry.
    pub last_term: u64,
    /// The key-value map at that point.
    pub data: BTreeMap<String, Value>,
    /// Prepared and finished two-phase-commit transactions at that point
    /// (absent in snapshots written before 2PC existed).
    #[serde(default)]
    pub txns: crate::kv::TxnTable,
}

/// InstallSnapshot arguments.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SnapshotRequest {
    /// Leader's term.
    pub term: u64,
    /// The leader.
    pub leader: NodeId,
    /// The snapshot.
    pub snapshot: Snapshot,
}

/// InstallSnapshot result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SnapshotResponse {
    /// The follower's term.
    pub term: u64,
    /// Whether it was accepted.
    pub success: bool,
    /// The last index the follower now matches.
    pub match_index: u64,
}
