//! One gossip node's shared state: configuration, clock, store and storage
//! behind one lock, so a write's stamp, its fsync and its visibility happen
//! in one order.

use super::clock::HybridClock;
use super::storage::Storage;
use super::store::{LwwStore, Versioned};
use crate::apply::ApplyResult;
use crate::bugs::BugSet;
use crate::error::ClusterError;
use crate::kv::Command;
use crate::node_id::NodeId;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Static configuration of a gossip node.
#[derive(Clone, Debug)]
pub struct GossipConfig {
    /// This node's id.
    pub id: NodeId,
    /// Peers and the URLs to reach them.
    pub peers: Vec<(NodeId, String)>,
    /// Where the version log lives.
    pub data_dir: PathBuf,
    /// Peers contacted per anti-entropy round.
    pub fanout: usize,
    /// Time between anti-entropy rounds.
    pub interval: Duration,
    /// Deliberate bugs (always empty: the node refuses `--bug` in gossip mode).
    pub bugs: BugSet,
}

/// The mutable state under the node's lock.
pub struct Inner {
    /// The node's clock.
    pub clock: HybridClock,
    /// The node's key-value state.
    pub store: LwwStore,
    /// Where versions are made durable.
    pub storage: Storage,
    /// Anti-entropy exchanges that completed, for `/status`.
    pub exchanges: u64,
}

/// A running gossip node.
pub struct GossipNode {
    /// Its configuration.
    pub cfg: GossipConfig,
    inner: Mutex<Inner>,
}

impl GossipNode {
    /// Replays the node's storage and observes every recovered timestamp.
    pub fn recover(cfg: GossipConfig) -> Result<Arc<GossipNode>, ClusterError> {
        let (storage, store) = Storage::open(&cfg.data_dir)?;
        let mut clock = HybridClock::new(cfg.id.clone());
        for v in store.entries() {
            clock.observe(&v.ts);
        }
        tracing::info!(keys = store.len(), "recovered gossip state");
        Ok(Arc::new(GossipNode {
            cfg,
            inner: Mutex::new(Inner {
                clock,
                store,
                storage,
                exchanges: 0,
            }),
        }))
    }

    /// The state lock.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        // No holder panics mid-update (errors are returned), so a poisoned
        // lock still guards consistent state.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies a client command locally and durably (blocking: it fsyncs).
    pub fn apply_local(&self, cmd: &Command) -> Result<ApplyResult, ClusterError> {
        let mut inner = self.lock();
        let ts = inner.clock.tick();
        let (result, changed) = inner.store.plan_local(cmd, &ts);
        // Durable first: a version becomes visible (to reads and peers) only
        // once it is on disk, so nothing anyone saw can be lost by a crash.
        inner.storage.append(&changed)?;
        for v in &changed {
            inner.store.merge(v);
        }
        let Inner { storage, store, .. } = &mut *inner;
        storage.maybe_compact(store)?;
        Ok(result)
    }

    /// Merges versions from a peer (blocking: new ones are made durable).
    pub fn merge_remote(&self, versions: &[Versioned]) -> Result<(), ClusterError> {
        let mut inner = self.lock();
        let newer: Vec<Versioned> = versions
            .iter()
            .filter(|v| inner.store.version(&v.key).is_none_or(|ts| *ts < v.ts))
            .cloned()
            .collect();
        inner.storage.append(&newer)?;
        for v in &newer {
            inner.clock.observe(&v.ts);
            inner.store.merge(v);
        }
        let Inner { storage, store, .. } = &mut *inner;
        storage.maybe_compact(store)
    }
}
