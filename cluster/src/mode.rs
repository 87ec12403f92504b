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
}

impl Mode {
    /// Whether the mode elects a leader (nemeses and the launcher can target it).
    pub fn has_leader(self) -> bool {
        matches!(self, Mode::Raft)
    }

    /// Rejects bugs this mode does not implement (every bug so far is a
    /// departure from correct Raft).
    pub fn check_bugs(self, bugs: &[Bug]) -> Result<(), String> {
        match (self, bugs.first()) {
            (Mode::Paxos, Some(bug)) => Err(format!(
                "--bug {bug} is a Raft bug; paxos mode has no switchable bugs"
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
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "raft" => Ok(Mode::Raft),
            "paxos" => Ok(Mode::Paxos),
            other => Err(format!("unknown mode {other:?} (known: raft, paxos)")),
        }
    }
}
