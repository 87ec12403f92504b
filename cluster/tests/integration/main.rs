//! The cluster's integration tests, as one test binary: one module per
//! area (election, partitions, durability, Paxos, gossip, 2PC, locks, the
//! cache, the bugs), sharing `common/` (test clusters of real node
//! processes, the forwarding proxy). One binary links once.
//!
//! Run one area with `cargo test -p faultline-cluster --test integration bugs::`.

#[path = "../common/mod.rs"]
mod common;

mod bugs;
mod cache;
mod durability;
mod election;
mod gossip;
mod kv_api;
mod lock_api;
mod partition;
mod paxos;
mod twopc;
