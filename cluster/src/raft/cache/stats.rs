//! Cache counters, as `GET /status` shows them.

use serde::Serialize;

/// How a node's cache has been used since it started.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// Reads answered from the cache.
    pub hits: u64,
    /// Reads that went to the leader.
    pub misses: u64,
    /// Values installed.
    pub fills: u64,
    /// Fills refused (older than an invalidation, or their lease already over).
    pub refused_fills: u64,
    /// Invalidations applied (from the leader, or local ones on the leader).
    pub invalidations: u64,
    /// Entries currently held (expired ones included until touched).
    pub entries: usize,
}
