//! Replication modes of the bundled cluster.

use std::fmt;
use std::str::FromStr;

/// How the cluster replicates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// Leader-based Raft: linearizable reads and writes.
    #[default]
    Raft,
    /// Leaderless, last-write-wins with anti-entropy: eventually consistent.
    Gossip,
}

impl Mode {
    /// Whether the mode has no leader to wait for, target or balance towards.
    pub fn is_leaderless(self) -> bool {
        matches!(self, Mode::Gossip)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mode::Raft => f.write_str("raft"),
            Mode::Gossip => f.write_str("gossip"),
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "raft" => Ok(Mode::Raft),
            "gossip" => Ok(Mode::Gossip),
            other => Err(format!("unknown mode {other:?} (known: raft, gossip)")),
        }
    }
}
