//! Command-line arguments of one node (`faultline node` / `faultline-node`).

use crate::bugs::Bug;
use crate::mode::Mode;
use crate::node_id::NodeId;
use crate::twopc::{ProcessRole, ShardArg};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

/// A peer on the command line: `n2=http://127.0.0.1:7002`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerArg {
    /// The peer's id.
    pub id: NodeId,
    /// The URL this node uses to reach it (possibly through a proxy).
    pub url: String,
}

impl FromStr for PeerArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (id, url) = s
            .split_once('=')
            .ok_or_else(|| format!("expected ID=URL, got {s:?}"))?;
        Ok(PeerArg {
            id: id.parse()?,
            url: url.trim_end_matches('/').to_string(),
        })
    }
}

/// Run one node of the bundled cluster (started by `cluster up`).
#[derive(clap::Args, Debug, Clone)]
pub struct NodeArgs {
    /// This node's id.
    #[arg(long)]
    pub id: NodeId,
    /// Address to serve client and peer HTTP on.
    #[arg(long)]
    pub listen: SocketAddr,
    /// A peer as ID=URL; repeat for each peer.
    #[arg(long = "peer")]
    pub peers: Vec<PeerArg>,
    /// Directory for this node's WAL and snapshot.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// Replication mode.
    #[arg(long, value_enum, default_value_t = Mode::Raft)]
    pub mode: Mode,
    /// Deliberate bugs to switch on (comma-separated or repeated).
    #[arg(long = "bug", value_delimiter = ',')]
    pub bugs: Vec<Bug>,
    /// Take a snapshot and compact the log after this many applied entries.
    #[arg(long, default_value_t = 10_000)]
    pub snapshot_threshold: u64,
    /// Leader heartbeat interval in milliseconds.
    #[arg(long, default_value_t = 50)]
    pub heartbeat_ms: u64,
    /// Lower bound of the randomized election timeout in milliseconds.
    #[arg(long, default_value_t = 300)]
    pub election_min_ms: u64,
    /// Upper bound of the randomized election timeout in milliseconds.
    #[arg(long, default_value_t = 600)]
    pub election_max_ms: u64,
    /// How long a leader waits for a write to commit before answering 504 timeout.
    #[arg(long, default_value_t = 2000)]
    pub commit_timeout_ms: u64,
    /// Gossip mode: peers contacted per anti-entropy round.
    #[arg(long, default_value_t = 2)]
    pub fanout: usize,
    /// Gossip mode: milliseconds between anti-entropy rounds.
    #[arg(long, default_value_t = 100)]
    pub gossip_interval: u64,
    /// Serve reads through a per-node read-through cache, invalidated on write.
    #[arg(long)]
    pub cache: bool,
    /// How long a cached value may be served after it was read, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub cache_ttl_ms: u64,
    /// What this process is: a Raft node of a group, or the two-phase-commit coordinator.
    #[arg(long, value_enum, default_value_t = ProcessRole::Node)]
    pub role: ProcessRole,
    /// Coordinator only: a participant group as INDEX=URL,URL,...; repeat per shard.
    #[arg(long = "shard")]
    pub shards: Vec<ShardArg>,
    /// Raft node only: the coordinator's URL, asked about prepared transactions left undecided.
    #[arg(long)]
    pub coordinator: Option<String>,
    /// Raft node only: how long a prepared transaction waits for its decision before the coordinator is asked.
    #[arg(long, default_value_t = 2000)]
    pub resolve_after_ms: u64,
}
