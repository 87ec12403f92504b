//! Replication modes of the bundled cluster.

use std::fmt;
use std::str::FromStr;

/// How the cluster replicates (only Raft so far).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// Leader-based Raft: linearizable reads and writes.
    #[default]
    Raft,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mode::Raft => f.write_str("raft"),
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "raft" => Ok(Mode::Raft),
            other => Err(format!("unknown mode {other:?} (known: raft)")),
        }
    }
}
