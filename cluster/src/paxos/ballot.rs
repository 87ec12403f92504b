//! Ballot numbers: totally ordered, unique per proposer, so two proposers
//! never run a round under the same ballot.

use crate::node_id::NodeId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A ballot `(round, node)`, ordered by round first and node id second.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ballot {
    /// The round counter; a proposer picks one above every round it has seen.
    pub round: u64,
    /// The proposer; breaks ties between proposers in the same round.
    pub node: NodeId,
}

impl Ballot {
    /// The ballot of `node` in `round`.
    pub fn new(round: u64, node: NodeId) -> Ballot {
        Ballot { round, node }
    }
}

impl fmt::Display for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.round, self.node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(round: u64, node: &str) -> Ballot {
        Ballot::new(round, node.parse().unwrap())
    }

    #[test]
    fn round_dominates_then_node_breaks_ties() {
        assert!(b(2, "n1") > b(1, "n3"));
        assert!(b(1, "n2") > b(1, "n1"));
        assert_eq!(b(3, "n2"), b(3, "n2"));
        // None (never promised) is below every ballot.
        assert!(Some(b(0, "n1")) > None);
        let mut v = vec![b(2, "n1"), b(1, "n3"), b(2, "n0"), b(1, "n1")];
        v.sort();
        assert_eq!(v, vec![b(1, "n1"), b(1, "n3"), b(2, "n0"), b(2, "n1")]);
    }
}
