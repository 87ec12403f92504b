//! Node identities (`n1`, `n2`, ...).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The name of one node of the cluster, e.g. `n1`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(String);

impl NodeId {
    /// The conventional id of the i-th node (1-based): `n{i}`.
    pub fn nth(i: usize) -> Self {
        NodeId(format!("n{i}"))
    }

    /// The id of node `i` of shard `s` (both 1-based): `s{s}n{i}`.
    pub fn shard_node(s: usize, i: usize) -> Self {
        NodeId(format!("s{s}n{i}"))
    }

    /// The id of the `i`-th two-phase-commit coordinator (1-based): `c{i}`.
    pub fn coordinator(i: usize) -> Self {
        NodeId(format!("c{i}"))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for NodeId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(NodeId(s.to_string()))
        } else {
            Err(format!(
                "invalid node id {s:?}: use letters, digits, '-' or '_'"
            ))
        }
    }
}
