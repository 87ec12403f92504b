//! Linearizable reads without writing to the log (ReadIndex): the leader
//! notes its commit index, confirms it is still leader with a heartbeat round
//! acknowledged by a majority, waits until that index is applied, then reads.

use super::server::RaftNode;
use super::state::Role;
use crate::node_id::NodeId;
use serde_json::Value;
use std::sync::Arc;
use tokio::time::Instant;

/// Why a linearizable read could not be served here.
#[derive(Debug)]
pub enum ReadError {
    /// This node is not the leader (the known leader, if any).
    NotLeader(Option<NodeId>),
    /// Leadership or the apply point could not be confirmed in time.
    Timeout,
    /// A prepared two-phase-commit transaction holds the key (the body to
    /// return): its commit may already be visible on another shard, so the
    /// value from before it must not be served now.
    Locked(Value),
}

/// Reads `key` linearizably on the leader.
pub async fn read(node: &Arc<RaftNode>, key: &str) -> Result<Option<Value>, ReadError> {
    read_versioned(node, key).await.map(|(v, _)| v)
}

/// Reads `key` linearizably on the leader; also returns the applied index
/// the value was read at (the read cache's version).
pub async fn read_versioned(
    node: &Arc<RaftNode>,
    key: &str,
) -> Result<(Option<Value>, u64), ReadError> {
    let deadline = Instant::now() + node.cfg.commit_timeout;
    let (read_index, round, term) = {
        let mut core = node.lock();
        if core.role != Role::Leader {
            return Err(ReadError::NotLeader(core.leader.clone()));
        }
        core.read_round += 1;
        // Until the leader's no-op commits, its commit index may lag
        // entries earlier leaders committed.
        let index = core.commit_index.max(core.term_start_index);
        (index, core.read_round, core.term)
    };
    if !node.cfg.peers.is_empty() {
        let mut acks = node.acks.subscribe();
        node.wake_replicators();
        loop {
            {
                let core = node.lock();
                if core.role != Role::Leader || core.term != term {
                    return Err(ReadError::NotLeader(core.leader.clone()));
                }
                if core.read_confirmations(round) >= core.majority() {
                    break;
                }
            }
            match tokio::time::timeout_at(deadline, acks.changed()).await {
                Ok(Ok(())) => {}
                _ => return Err(ReadError::Timeout),
            }
        }
    }
    let mut applied = node.applied.subscribe();
    match tokio::time::timeout_at(deadline, applied.wait_for(|a| *a >= read_index)).await {
        Ok(Ok(_)) => {}
        _ => return Err(ReadError::Timeout),
    }
    // One lock for both: the value read and whether it is locked belong
    // to the same applied state.
    let core = node.lock();
    if let Some(holder) = core.kv.txns().locked_by(key) {
        return Err(ReadError::Locked(
            serde_json::json!({"error": "locked", "key": key, "txid": holder}),
        ));
    }
    Ok((core.kv.get(key).cloned(), core.last_applied))
}
