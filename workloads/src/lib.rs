//! faultline-workloads: operation generators, workloads and SUT clients.
//!
//! A workload pairs a generator of operations with the checker model that
//! can judge the resulting history; a client turns operations into requests
//! against a system under test and maps each response to `ok`, `fail` or
//! `info` exactly as docs/DESIGN.md's SUT protocol prescribes.

#![deny(missing_docs)]

pub mod client;
pub mod generator;
pub mod op;
pub mod workload;

pub use op::{Completion, Op};
