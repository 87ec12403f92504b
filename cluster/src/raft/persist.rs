//! Group commit: one task drains every queued WAL record with a single
//! `sync_data`, so many concurrent writes share one fsync.

use super::log::Record;
use super::server::RaftNode;
use super::state::Role;
use crate::error::ClusterError;
use std::sync::Arc;
use std::time::Duration;

/// Runs the flusher until an I/O error (after which the node must stop:
/// it can no longer promise durability).
pub async fn run_flusher(node: Arc<RaftNode>) -> Result<(), ClusterError> {
    loop {
        tokio::select! {
            _ = node.flush_request.notified() => {}
            // The `no-fsync` bug's lazy writer also needs ticks when idle.
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        let mut wal = node.wal.lock().await;
        let (batch, seq) = {
            let mut core = node.lock();
            (std::mem::take(&mut core.wal_pending), core.wal_seq)
        };
        if batch.is_empty() {
            wal.tick()?;
        } else {
            tokio::task::block_in_place(|| wal.append(&batch))?;
            let last_entry = batch.iter().rev().find_map(|r| match r {
                Record::Entry(e) => Some(e.index),
                Record::HardState { .. } => None,
            });
            if let Some(index) = last_entry {
                let mut core = node.lock();
                core.durable_index = index;
                if core.role == Role::Leader {
                    core.advance_leader_commit();
                    node.on_commit(&mut core);
                }
            }
        }
        drop(wal);
        node.flushed.send_if_modified(|v| {
            let changed = seq > *v;
            *v = (*v).max(seq);
            changed
        });
    }
}
