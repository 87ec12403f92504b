//! Replication modes of the bundled cluster.

use crate::bugs::Bug;
use std::fmt;
use std::str::FromStr;

/// How the cluster replicates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// Leader-based Raft: linearizable reads and writes.
    #[default]
    Raft,
    /// Leaderless per-key Paxos: linearizable reads, writes and cas.
    Paxos,
    /// Leaderless, last-write-wins with anti-entropy: eventually consistent.
    Gossip,
}

impl Mode {
    /// Whether the mode elects a leader (nemeses, the launcher and
    /// `--balance leader` can target it).
    pub fn has_leader(self) -> bool {
        matches!(self, Mode::Raft)
    }

    /// Rejects bugs this mode does not implement: every bug lives in the Raft
    /// code, and silently ignoring one would fake a test.
    pub fn check_bugs(self, bugs: &[Bug]) -> Result<(), String> {
        match (self, bugs.first()) {
            (Mode::Paxos | Mode::Gossip, Some(bug)) => Err(format!(
                "--bug {bug} is a Raft bug; {self} mode has no switchable bugs"
            )),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mode::Raft => f.write_str("raft"),
            Mode::Paxos => f.write_str("paxos"),
            Mode::Gossip => f.write_str("gossip"),
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "raft" => Ok(Mode::Raft),
            "paxos" => Ok(Mode::Paxos),
            "gossip" => Ok(Mode::Gossip),
            other => Err(format!(
                "unknown mode {other:?} (known: raft, paxos, gossip)"
            )),
        }
    }
}
