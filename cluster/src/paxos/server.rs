//! The shared handle of a running Paxos node and its startup: every node is
//! both proposer and acceptor.

use super::acceptor::Acceptor;
use super::ballot::Ballot;
use crate::error::ClusterError;
use crate::node_id::NodeId;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Static configuration of a Paxos node.
#[derive(Clone, Debug)]
pub struct Config {
    /// This node.
    pub id: NodeId,
    /// Peers and the URL to reach each one.
    pub peers: BTreeMap<NodeId, String>,
    /// Where the acceptor store lives.
    pub data_dir: PathBuf,
    /// How long a client request may take before the proposer gives up.
    pub commit_timeout: Duration,
}

/// A running Paxos node, shared by its HTTP handlers.
pub struct PaxosNode {
    /// Configuration.
    pub cfg: Config,
    /// This node's acceptor.
    pub acceptor: Acceptor,
    /// HTTP client for peer messages.
    pub http: reqwest::Client,
    /// This start's incarnation number, part of every ballot.
    incarnation: u64,
    /// Per key, the highest round seen in any answer, so the next ballot jumps past it.
    rounds: Mutex<HashMap<String, u64>>,
    /// Per key, serializes this node's own proposals so they do not duel each other.
    key_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// A durability failure: the node must stop, it can no longer keep promises.
    fatal: mpsc::UnboundedSender<ClusterError>,
}

impl PaxosNode {
    /// The number of acceptors (peers and this node).
    pub fn cluster_size(&self) -> usize {
        self.cfg.peers.len() + 1
    }

    /// How many acceptors make a majority.
    pub fn majority(&self) -> usize {
        self.cluster_size() / 2 + 1
    }

    /// A fresh ballot for `key`, above every round this node has seen for it.
    pub fn next_ballot(&self, key: &str) -> Ballot {
        let local = self.acceptor.promised_round(key);
        let mut rounds = self.rounds.lock().unwrap_or_else(|e| e.into_inner());
        let round = rounds.entry(key.to_string()).or_insert(0);
        *round = (*round).max(local) + 1;
        Ballot::new(*round, self.cfg.id.clone()).of_incarnation(self.incarnation)
    }

    /// Remembers that some acceptor has seen `ballot` for `key`.
    pub fn observe(&self, key: &str, ballot: &Ballot) {
        let mut rounds = self.rounds.lock().unwrap_or_else(|e| e.into_inner());
        let round = rounds.entry(key.to_string()).or_insert(0);
        *round = (*round).max(ballot.round);
    }

    /// The lock serializing this node's proposals on `key`.
    pub fn key_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.key_locks.lock().unwrap_or_else(|e| e.into_inner());
        locks.entry(key.to_string()).or_default().clone()
    }

    /// Reports a durability failure; the node shuts down.
    pub fn fail(&self, err: ClusterError) {
        tracing::error!("acceptor store failed: {err}");
        let _ = self.fatal.send(err);
    }
}

impl PaxosNode {
    /// Starts this node's next incarnation on its recovered acceptor; the
    /// receiver gets the first durability failure, on which the node must stop.
    pub fn start(
        cfg: Config,
    ) -> Result<(Arc<PaxosNode>, mpsc::UnboundedReceiver<ClusterError>), ClusterError> {
        std::fs::create_dir_all(&cfg.data_dir)
            .map_err(|e| ClusterError::io("create", &cfg.data_dir, e))?;
        let incarnation = super::incarnation::next(&cfg.data_dir)?;
        let acceptor = Acceptor::recover(&cfg.data_dir)?;
        let http = crate::net::peer_client()?;
        let (fatal, fatal_rx) = mpsc::unbounded_channel();
        let node = Arc::new(PaxosNode {
            cfg,
            acceptor,
            http,
            incarnation,
            rounds: Mutex::new(HashMap::new()),
            key_locks: Mutex::new(HashMap::new()),
            fatal,
        });
        Ok((node, fatal_rx))
    }
}
