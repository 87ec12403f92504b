//! Snapshots: the state machine saved at an applied index so the log before
//! it can be dropped (local compaction), and installed on followers that are
//! behind the leader's compaction point (InstallSnapshot).

use super::messages::{Snapshot, SnapshotRequest, SnapshotResponse};
use super::server::RaftNode;
use super::snapshot_file::save;
use super::state::Role;
use crate::bugs::Bug;
use crate::error::ClusterError;
use crate::kv::KvState;
use std::sync::Arc;
use std::time::Instant;

impl RaftNode {
    /// Snapshots the applied state, then drops the covered log prefix from
    /// memory and from the WAL (an inherent method, so the server starts it
    /// without importing this file).
    pub async fn compact(self: &Arc<Self>) -> Result<(), ClusterError> {
        compact(self).await
    }
}

/// [`RaftNode::compact`].
async fn compact(node: &Arc<RaftNode>) -> Result<(), ClusterError> {
    // Lock order everywhere: WAL, then state.
    let mut wal = node.wal.lock().await;
    let mut core = node.lock();
    let index = core.last_applied;
    let Some(term) = core.log.term_at(index) else {
        return Ok(());
    };
    if index <= core.log.snap_index() {
        return Ok(());
    }
    let snap = Snapshot {
        last_index: index,
        last_term: term,
        data: core.kv.map().clone(),
        txns: core.kv.txns().clone(),
    };
    let started = Instant::now();
    tokio::task::block_in_place(|| save(&node.cfg.data_dir, &snap))?;
    core.log.compact(index, term);
    core.snapshot = Some(Arc::new(snap));
    // The rewrite contains every queued record, so nothing stays pending.
    core.wal_pending.clear();
    let records = core.full_records();
    tokio::task::block_in_place(|| wal.rewrite(&records))?;
    core.durable_index = core.log.last_index();
    let seq = core.wal_seq;
    drop(core);
    drop(wal);
    node.flushed.send_if_modified(|v| {
        let changed = seq > *v;
        *v = (*v).max(seq);
        changed
    });
    tracing::info!(
        index,
        ms = started.elapsed().as_millis() as u64,
        "snapshot taken"
    );
    Ok(())
}

/// Follower side of InstallSnapshot.
pub async fn handle_install(
    node: &Arc<RaftNode>,
    req: SnapshotRequest,
) -> Result<SnapshotResponse, ClusterError> {
    let mut wal = node.wal.lock().await;
    let mut core = node.lock();
    let ignore_terms = node.cfg.bug(Bug::NoTermCheck);
    if (req.term < core.term && !ignore_terms) || (ignore_terms && core.role == Role::Leader) {
        return Ok(SnapshotResponse {
            term: core.term,
            success: false,
            match_index: 0,
        });
    }
    core.become_follower(req.term, Some(req.leader.clone()));
    core.last_leader_contact = Some(Instant::now());
    core.reset_election_deadline();
    let snap = req.snapshot;
    let last = snap.last_index;
    if last <= core.last_applied {
        return Ok(SnapshotResponse {
            term: core.term,
            success: true,
            match_index: last,
        });
    }
    tokio::task::block_in_place(|| save(&node.cfg.data_dir, &snap))?;
    if core.log.term_at(last) == Some(snap.last_term) {
        core.log.compact(last, snap.last_term);
    } else {
        core.log.reset(last, snap.last_term);
    }
    core.kv = KvState::from_parts(snap.data.clone(), snap.txns.clone());
    core.commit_index = core.commit_index.max(last);
    core.last_applied = last;
    core.snapshot = Some(Arc::new(snap));
    core.wal_pending.clear();
    let records = core.full_records();
    tokio::task::block_in_place(|| wal.rewrite(&records))?;
    core.durable_index = core.log.last_index();
    node.on_commit(&mut core);
    let seq = core.wal_seq;
    let term = core.term;
    drop(core);
    drop(wal);
    node.flushed.send_if_modified(|v| {
        let changed = seq > *v;
        *v = (*v).max(seq);
        changed
    });
    tracing::info!(index = last, "installed snapshot from leader");
    Ok(SnapshotResponse {
        term,
        success: true,
        match_index: last,
    })
}
