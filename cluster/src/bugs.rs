//! Switchable bugs: deliberate departures from correct Raft, each producing an
//! anomaly the checkers must catch (documented in docs/cluster.md, "Switchable bugs").

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// One deliberate bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bug {
    /// Every node answers reads from its local state, skipping ReadIndex.
    StaleReads,
    /// The leader acknowledges writes once they are in its own log.
    EarlyAck,
    /// The WAL is buffered in memory and written lazily, never fsynced.
    NoFsync,
    /// Terms are ignored: stale leaders keep leading, followers obey them.
    NoTermCheck,
    /// The protected resource accepts writes with any fencing token.
    LockNoFencing,
    /// Lock clients write after a pause without checking that their lease
    /// is still valid (client-side: the harness's lock workload reads it).
    LeaseIgnoresPause,
    /// The lock service times leases on the leader's wall clock instead of
    /// its monotonic clock: a leader whose clock jumps ahead expires leases
    /// early and grants a lock that is still held (a clock fault shows it).
    LeaseWallClock,
    /// Cache invalidations are fire-and-forget: a peer that misses one serves the old value.
    CacheStale,
    /// The 2PC coordinator applies each shard's share of a transaction
    /// directly, one shard after another, without prepare or locks.
    TwoPcNoPrepare,
    /// A cas is first compared with this node's own applied value, and a
    /// mismatch there is answered 409 at once, without asking the leader.
    CasLocalCheck,
    /// A transaction's reads and its writes are committed as two log
    /// entries, so other transactions can commit in between (read skew,
    /// write skew: G-single, G2-item).
    SplitTxn,
    /// With shards: read-only transactions are answered from each shard's
    /// applied state with prepared, undecided writes showing (aborted and
    /// fractured reads: G1a, G-single).
    DirtyReads,
}

impl Bug {
    /// All bugs, in a stable order.
    pub const ALL: [Bug; 12] = [
        Bug::StaleReads,
        Bug::EarlyAck,
        Bug::NoFsync,
        Bug::NoTermCheck,
        Bug::LockNoFencing,
        Bug::LeaseIgnoresPause,
        Bug::LeaseWallClock,
        Bug::CacheStale,
        Bug::TwoPcNoPrepare,
        Bug::CasLocalCheck,
        Bug::SplitTxn,
        Bug::DirtyReads,
    ];

    /// The command-line name of the bug.
    pub fn name(self) -> &'static str {
        match self {
            Bug::StaleReads => "stale-reads",
            Bug::EarlyAck => "early-ack",
            Bug::NoFsync => "no-fsync",
            Bug::NoTermCheck => "no-term-check",
            Bug::LockNoFencing => "lock-no-fencing",
            Bug::LeaseIgnoresPause => "lease-ignores-pause",
            Bug::LeaseWallClock => "lease-wall-clock",
            Bug::CacheStale => "cache-stale",
            Bug::TwoPcNoPrepare => "2pc-no-prepare",
            Bug::CasLocalCheck => "cas-local-check",
            Bug::SplitTxn => "split-txn",
            Bug::DirtyReads => "dirty-reads",
        }
    }
}

impl fmt::Display for Bug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Bug {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Bug::ALL.into_iter().find(|b| b.name() == s).ok_or_else(|| {
            let known: Vec<&str> = Bug::ALL.iter().map(|b| b.name()).collect();
            format!("unknown bug {s:?} (known: {})", known.join(", "))
        })
    }
}

/// The set of bugs a node runs with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BugSet(BTreeSet<Bug>);

impl BugSet {
    /// A set of the given bugs.
    pub fn new(bugs: impl IntoIterator<Item = Bug>) -> Self {
        BugSet(bugs.into_iter().collect())
    }

    /// Whether `bug` is switched on.
    pub fn has(&self, bug: Bug) -> bool {
        self.0.contains(&bug)
    }

    /// The bugs switched on.
    pub fn iter(&self) -> impl Iterator<Item = Bug> + '_ {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for bug in Bug::ALL {
            assert_eq!(bug.name().parse::<Bug>(), Ok(bug));
        }
        assert!("stale".parse::<Bug>().is_err());
    }
}
