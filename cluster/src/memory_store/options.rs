//! How a memory store behaves: the number of nodes and the faults it has.

/// How a memory store behaves. `Default` is a correct single-node store;
/// each other field adds one fault, on purpose, so a test can show that
/// faultline notices it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryStoreOptions {
    /// Number of endpoints (all share one primary map). At least 1.
    pub nodes: usize,
    /// Reads come from a per-node copy that lags the primary by ~300 ms:
    /// deliberately not linearizable.
    pub stale: bool,
    /// Only node 0 serves; the others answer `503 not_leader` with its URL.
    pub leader_only: bool,
    /// Every n-th request is applied and then answered only after 1.5 s,
    /// longer than the tests' request timeout, so its client sees `info`.
    pub slow_every: Option<u64>,
    /// `POST /txn` applies its operations one at a time with a pause between
    /// them, so a concurrent transaction sees half of it: not atomic.
    pub torn_txns: bool,
    /// Every n-th `POST /txn` that writes is acknowledged but not applied.
    pub lose_txn_every: Option<u64>,
    /// Every cas is refused (`400 cas is not supported`) without looking at
    /// the value: reads and writes are fine, cas is never tested.
    pub refuse_cas: bool,
    /// Speaks another protocol: every request is answered
    /// `200 {"error":"unknown command"}`.
    pub foreign: bool,
}

impl MemoryStoreOptions {
    /// A correct store with `nodes` endpoints.
    pub fn good(nodes: usize) -> MemoryStoreOptions {
        MemoryStoreOptions {
            nodes,
            ..MemoryStoreOptions::default()
        }
    }
}

impl Default for MemoryStoreOptions {
    /// One node without faults: what `faultline bench` measures against.
    fn default() -> Self {
        MemoryStoreOptions {
            nodes: 1,
            stale: false,
            leader_only: false,
            slow_every: None,
            torn_txns: false,
            lose_txn_every: None,
            refuse_cas: false,
            foreign: false,
        }
    }
}
