//! How etcd serves reads: through the Raft read index, or from a member's
//! local state.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How etcd serves reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadMode {
    /// Through the Raft read index: a read sees every write completed before it.
    #[default]
    Linearizable,
    /// From the member's local state, which may lag (stale on a partitioned member).
    Serializable,
}

/// A read mode name that is not one of ours.
#[derive(Debug, thiserror::Error)]
#[error("unknown read mode `{0}` (expected linearizable or serializable)")]
pub struct ParseReadModeError(String);

impl FromStr for ReadMode {
    type Err = ParseReadModeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "linearizable" => Ok(ReadMode::Linearizable),
            "serializable" => Ok(ReadMode::Serializable),
            other => Err(ParseReadModeError(other.to_string())),
        }
    }
}

impl fmt::Display for ReadMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReadMode::Linearizable => "linearizable",
            ReadMode::Serializable => "serializable",
        })
    }
}
