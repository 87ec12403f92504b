//! The shared handle of a running Raft node: configuration, the locked state,
//! the WAL, and the signals its tasks use to wake each other.

use super::entries::EntryLog;
use super::log::Wal;
use super::snapshot_file;
use super::state::Core;
use crate::bugs::{Bug, BugSet};
use crate::error::ClusterError;
use crate::kv::KvState;
use crate::node_id::NodeId;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Static configuration of a node.
#[derive(Clone, Debug)]
pub struct Config {
    /// This node.
    pub id: NodeId,
    /// Peers and the URL to reach each one.
    pub peers: BTreeMap<NodeId, String>,
    /// Where the WAL and snapshot live.
    pub data_dir: PathBuf,
    /// Deliberate bugs.
    pub bugs: BugSet,
    /// Applied entries between snapshots.
    pub snapshot_threshold: u64,
    /// Leader heartbeat interval.
    pub heartbeat: Duration,
    /// Election timeout range.
    pub election: (Duration, Duration),
    /// How long a client waits for its entry to commit.
    pub commit_timeout: Duration,
    /// With `--cache`: how long a cached read may be served.
    pub cache_ttl: Option<Duration>,
}

impl Config {
    /// Whether a bug is switched on.
    pub fn bug(&self, bug: Bug) -> bool {
        self.bugs.has(bug)
    }
}

/// A running node, shared by its tasks and HTTP handlers.
pub struct RaftNode {
    /// Configuration.
    pub cfg: Config,
    core: Mutex<Core>,
    /// The WAL; held by whoever writes it (flusher, compaction, snapshot install).
    pub wal: tokio::sync::Mutex<Wal>,
    /// Wakes the flusher.
    pub flush_request: Notify,
    /// Highest WAL sequence number that is durable (or, with `no-fsync`, buffered).
    pub flushed: watch::Sender<u64>,
    /// Highest applied index.
    pub applied: watch::Sender<u64>,
    /// Bumped whenever a peer acknowledges the leader (ReadIndex waits on it).
    pub acks: watch::Sender<u64>,
    /// Wakes the replicator of each peer.
    pub peer_wakeups: BTreeMap<NodeId, Notify>,
    /// HTTP client for peer RPCs and forwarding.
    pub http: reqwest::Client,
    /// Set while a snapshot is being taken.
    pub snapshotting: AtomicBool,
    /// The read-through cache, with `--cache`.
    pub cache: Option<crate::raft::cache::Cache>,
}

impl RaftNode {
    /// Recovers the node's state from its data directory.
    pub fn recover(cfg: Config) -> Result<Arc<RaftNode>, ClusterError> {
        std::fs::create_dir_all(&cfg.data_dir)
            .map_err(|e| ClusterError::io("create", &cfg.data_dir, e))?;
        let snap = snapshot_file::load(&cfg.data_dir)?;
        let (wal, rec) = Wal::open(&cfg.data_dir, cfg.bug(Bug::NoFsync))?;
        if rec.dropped_bytes > 0 {
            tracing::warn!(bytes = rec.dropped_bytes, "dropped torn WAL tail");
        }
        let (mut log, kv) = match &snap {
            Some(s) => (
                EntryLog::with_snapshot(s.last_index, s.last_term),
                KvState::from_parts(s.data.clone(), s.txns.clone()),
            ),
            None => (EntryLog::default(), KvState::default()),
        };
        for e in rec.entries {
            if e.index <= log.snap_index() {
                continue;
            }
            if e.index > log.last_index() + 1 {
                tracing::warn!(index = e.index, "gap in WAL; ignoring the rest");
                break;
            }
            log.truncate_from(e.index);
            log.push(e);
        }
        tracing::info!(
            term = rec.term,
            snapshot = log.snap_index(),
            last_index = log.last_index(),
            "recovered"
        );
        let peers: Vec<NodeId> = cfg.peers.keys().cloned().collect();
        let core = Core::new(
            cfg.id.clone(),
            &peers,
            rec.term,
            rec.voted_for,
            log,
            kv,
            snap.map(Arc::new),
            cfg.election,
        );
        let applied = core.last_applied;
        let http = crate::net::peer_client()?;
        let cache = cfg.cache_ttl.map(crate::raft::cache::Cache::new);
        Ok(Arc::new(RaftNode {
            peer_wakeups: cfg
                .peers
                .keys()
                .map(|p| (p.clone(), Notify::new()))
                .collect(),
            cfg,
            core: Mutex::new(core),
            wal: tokio::sync::Mutex::new(wal),
            flush_request: Notify::new(),
            flushed: watch::Sender::new(0),
            applied: watch::Sender::new(applied),
            acks: watch::Sender::new(0),
            http,
            snapshotting: AtomicBool::new(false),
            cache,
        }))
    }

    /// Locks the state. A panic while holding the lock is a bug in this
    /// crate; the state stays usable, so poisoning is ignored.
    pub fn lock(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every replicator (new entries or a read round).
    pub fn wake_replicators(&self) {
        for n in self.peer_wakeups.values() {
            n.notify_one();
        }
    }

    /// Waits until WAL sequence number `seq` is durable.
    pub async fn wait_flushed(&self, seq: u64) {
        self.flush_request.notify_one();
        let mut rx = self.flushed.subscribe();
        // The sender lives as long as `self`, so this cannot fail.
        let _ = rx.wait_for(|v| *v >= seq).await;
    }

    /// After the commit index moved: apply, publish, maybe snapshot.
    pub fn on_commit(self: &Arc<Self>, core: &mut Core) {
        let applied_before = core.last_applied;
        core.apply_committed();
        crate::raft::cache::invalidate::after_apply(self, core, applied_before);
        self.applied.send_if_modified(|v| {
            let changed = *v != core.last_applied;
            *v = core.last_applied;
            changed
        });
        if core.last_applied.saturating_sub(core.log.snap_index()) >= self.cfg.snapshot_threshold
            && !self
                .snapshotting
                .swap(true, std::sync::atomic::Ordering::AcqRel)
        {
            let node = self.clone();
            tokio::spawn(async move {
                if let Err(e) = node.compact().await {
                    tracing::error!("snapshot failed: {e}");
                }
                node.snapshotting
                    .store(false, std::sync::atomic::Ordering::Release);
            });
        }
    }
}
