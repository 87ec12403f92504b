//! An in-memory store speaking faultline's HTTP protocol (docs/DESIGN.md:
//! `GET/PUT /kv/{key}`, `POST /kv/{key}/cas`, `POST /kv/{key}/append`,
//! `POST /txn`) on loopback ports, with faults chosen by
//! [`MemoryStoreOptions`]: stale replicas, leader-only nodes, slow answers,
//! torn or lost transactions, refused cas, or another protocol altogether.
//!
//! It is the one fake store of the project: `faultline bench harness` and
//! `bench soak` measure the harness against it (no faults, so the store
//! costs as little as possible), and the integration tests run `faultline`
//! against it to show that each fault is noticed. Unlike the Raft cluster it
//! has no persistence, processes or elections, so it starts in
//! milliseconds inside the caller's process.

mod error;
mod map;
mod node;
mod options;
mod replica;
mod routes;
mod start;
mod txn;

#[cfg(test)]
mod tests;

pub use error::MemoryStoreError;
pub use options::MemoryStoreOptions;
pub use start::{start, start_on_own_thread};
