//! Ballot numbers: totally ordered and never reused, so no two proposals
//! (from two nodes, or from one node before and after a crash) share one.

use crate::node_id::NodeId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A ballot `(round, node, incarnation)`, ordered field by field.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ballot {
    /// The round counter; a proposer picks one above every round it has seen.
    pub round: u64,
    /// The proposer; breaks ties between proposers in the same round.
    pub node: NodeId,
    /// How many times the proposer has started: a restarted node forgets the
    /// rounds it used, and must not reuse one of them for a different value.
    #[serde(default)]
    pub incarnation: u64,
}

impl Ballot {
    /// The ballot of `node` in `round` (first incarnation).
    pub fn new(round: u64, node: NodeId) -> Ballot {
        Ballot {
            round,
            node,
            incarnation: 0,
        }
    }

    /// The same ballot from a later incarnation of its node.
    pub fn of_incarnation(self, incarnation: u64) -> Ballot {
        Ballot {
            incarnation,
            ..self
        }
    }
}

impl fmt::Display for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.round, self.node, self.incarnation)
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
        assert!(b(1, "n1").of_incarnation(2) > b(1, "n1"));
        assert!(b(1, "n1").of_incarnation(9) < b(1, "n2"));
        let mut v = vec![b(2, "n1"), b(1, "n3"), b(2, "n0"), b(1, "n1")];
        v.sort();
        assert_eq!(v, vec![b(1, "n1"), b(1, "n3"), b(2, "n0"), b(2, "n1")]);
    }
}
