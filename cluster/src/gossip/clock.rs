//! Hybrid logical clock: timestamps follow wall time (microseconds) where they
//! can, and a logical counter plus the node id break ties, so every write of
//! one node is stamped above everything that node has seen.

use crate::node_id::NodeId;
use serde::{Deserialize, Serialize};

/// A write's timestamp; the greater one wins a merge (last write wins).
///
/// Field order is the comparison order: wall time, then the logical counter,
/// then the node id, so two nodes never produce equal timestamps.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp {
    /// Wall-clock microseconds since the Unix epoch (or the highest seen).
    pub wall_us: u64,
    /// Counter for writes within one microsecond of `wall_us`.
    pub logical: u32,
    /// The node that stamped the write.
    pub node: NodeId,
}

/// The clock of one node.
#[derive(Clone, Debug)]
pub struct HybridClock {
    node: NodeId,
    wall_us: u64,
    logical: u32,
}

impl HybridClock {
    /// A clock for `node` that has seen nothing yet.
    pub fn new(node: NodeId) -> Self {
        HybridClock {
            node,
            wall_us: 0,
            logical: 0,
        }
    }

    /// A timestamp above every one this clock issued or observed, read at
    /// physical time `now_us`.
    pub fn tick_at(&mut self, now_us: u64) -> Timestamp {
        if now_us > self.wall_us {
            self.wall_us = now_us;
            self.logical = 0;
        } else if let Some(next) = self.logical.checked_add(1) {
            self.logical = next;
        } else {
            // Four billion writes in one microsecond cannot happen; moving
            // the wall time on still keeps the order strict.
            self.wall_us += 1;
            self.logical = 0;
        }
        Timestamp {
            wall_us: self.wall_us,
            logical: self.logical,
            node: self.node.clone(),
        }
    }

    /// A timestamp for a local write, now on this node's clock (which a
    /// clock fault may have skewed: last-write-wins then picks by it).
    pub fn tick(&mut self) -> Timestamp {
        self.tick_at(crate::wall_clock::now_us())
    }

    /// The wall part of the highest timestamp issued or observed.
    pub fn wall_us(&self) -> u64 {
        self.wall_us
    }

    /// Takes note of a timestamp seen in a peer's state, so later local
    /// writes are stamped above it.
    pub fn observe(&mut self, ts: &Timestamp) {
        if (ts.wall_us, ts.logical) > (self.wall_us, self.logical) {
            self.wall_us = ts.wall_us;
            self.logical = ts.logical;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(id: &str) -> HybridClock {
        HybridClock::new(id.parse().unwrap())
    }

    #[test]
    fn ticks_are_strictly_increasing_even_when_wall_time_stands_still() {
        let mut c = clock("n1");
        let a = c.tick_at(100);
        let b = c.tick_at(100);
        let d = c.tick_at(99);
        assert!(a < b && b < d, "{a:?} {b:?} {d:?}");
        assert_eq!((d.wall_us, d.logical), (100, 2));
        let e = c.tick_at(200);
        assert_eq!((e.wall_us, e.logical), (200, 0));
    }

    #[test]
    fn a_tick_after_observing_is_above_the_observed_timestamp() {
        let mut c1 = clock("n1");
        let mut c2 = clock("n2");
        let remote = c2.tick_at(5_000);
        c1.observe(&remote);
        let local = c1.tick_at(1_000);
        assert!(local > remote, "{local:?} must beat {remote:?}");
        assert_eq!(local.node.as_str(), "n1");
    }

    #[test]
    fn node_id_breaks_ties_between_nodes() {
        let a = clock("n1").tick_at(7);
        let b = clock("n2").tick_at(7);
        assert!(a < b);
        assert_ne!(a, b);
    }

    #[test]
    fn real_clock_moves_forward() {
        let mut c = clock("n1");
        let a = c.tick();
        let b = c.tick();
        assert!(a < b);
        assert!(
            a.wall_us > 1_600_000_000_000_000,
            "wall time in microseconds"
        );
    }
}
