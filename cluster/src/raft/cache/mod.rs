//! The optional per-node read-through cache (`--cache`).
//!
//! A read that hits this node's cache is answered from it, without a
//! ReadIndex round; a miss does the normal linearizable read (on the leader,
//! forwarded there by a follower) and fills the cache with the value and the
//! raft index it was read at (its version).
//!
//! Why the correct cache is linearizable (per key; linearizability is
//! compositional, so per key is enough). Take a command `W` at log index `i`
//! touching key `k`. Every value a cache holds was filled from a ReadIndex
//! read on a leader; an entry filled on node `N` expires `ttl` after `N`
//! *sent* the read, which is before the leader read it. Then:
//!
//! 1. The leader that applies `W` invalidates its own cache under the raft
//!    lock, in the same critical section as the apply, and notes `t_inv`
//!    right after. A response carrying a version below `i` therefore left that
//!    leader before `t_inv`, so any entry filled from it expires by
//!    `t_inv + ttl`.
//! 2. It then sends `invalidate(k, i)` to every peer. A peer drops entries of
//!    `k` older than `i` and raises `k`'s floor to `i`: a later fill older
//!    than the floor is refused, which closes the race of a slow fill that
//!    arrives after the invalidation. The leader waits for each peer's ack or
//!    for `t_inv + ttl` (+ a margin), whichever comes first: after that no
//!    cache anywhere can serve a version of `k` below `i`.
//! 3. Until then `W` is "pending" on `k`: no response that reveals `W` (or
//!    anything after it) on `k` leaves the leader — neither `W`'s own ack nor
//!    a read at an index `>= i` nor a later command's result on `k`. The
//!    pending mark is set in the same critical section as the apply, so no
//!    reader sees `W` without seeing the mark. Hence every operation that
//!    observes `W` completes after every stale entry is gone, and an
//!    operation that returns an old value from a cache either precedes all
//!    of them or overlaps them: it can be linearized before `W`.
//! 4. A new leader may hold commands its predecessor applied (and perhaps
//!    never invalidated). Its reads and command results wait until
//!    `ttl` (+ margin) after it became leader: every read its predecessors
//!    served was confirmed by a majority before that majority voted for it,
//!    so every entry filled from those reads has expired by then, and its own
//!    reads are at least at its term's first index, after all of them.
//!
//! Leases use each node's monotonic clock; all nodes of the bundled cluster
//! share one machine, so the clocks advance at the same rate (the usual lease
//! assumption of bounded drift). A paused node's clock keeps running, so its
//! entries expire while it is stopped.
//!
//! The `cache-stale` bug is the cache that trusts its invalidations: they
//! are sent fire-and-forget, unreachable peers never hear of the write, the
//! write is acknowledged at once, and since an invalidation is trusted to
//! arrive an entry has no lease (it lives until invalidated, at most
//! [`TRUSTING_LIFE`]): a node that missed one serves the old value until a
//! later write's invalidation reaches it. That is the usual shape of this
//! bug in real caches, whose TTLs are long because invalidation is relied on;
//! with a one-second lease the stale window would close with the partition
//! window and a run could miss it.

pub mod invalidate;
pub mod keys;
pub mod pending;
pub mod read;
pub mod settle;
pub mod stats;
pub mod store;

use pending::Pending;
use std::time::Duration;
use store::Store;

/// Longest an entry lives with the `cache-stale` bug (which trusts
/// invalidations instead of a lease): a bound, so an idle key is refreshed
/// eventually.
pub const TRUSTING_LIFE: Duration = Duration::from_secs(60);

/// Header on a leader's read response: the raft index the value was read at.
pub const VERSION_HEADER: &str = "x-faultline-read-version";

/// A node's cache: its entries, the leader's pending invalidations, the lease.
pub struct Cache {
    /// How long an entry may be served after its read was sent.
    pub ttl: Duration,
    /// The entries and counters.
    pub store: Store,
    /// Leader: invalidations not yet acknowledged or expired, per key.
    pub pending: Pending,
}

impl Cache {
    /// An empty cache whose entries live `ttl`.
    pub fn new(ttl: Duration) -> Cache {
        Cache {
            ttl,
            store: Store::default(),
            pending: Pending::default(),
        }
    }

    /// How long an entry filled now may be served: the lease (`ttl`), or
    /// [`TRUSTING_LIFE`] for a cache that trusts its invalidations.
    pub fn entry_life(&self, trusts_invalidations: bool) -> Duration {
        if trusts_invalidations {
            TRUSTING_LIFE
        } else {
            self.ttl
        }
    }

    /// The lease plus a margin for timer granularity and scheduling.
    pub fn lease(&self) -> Duration {
        self.ttl + self.ttl / 20 + Duration::from_millis(5)
    }
}
