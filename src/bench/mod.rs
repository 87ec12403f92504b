//! Benchmark implementations, one module per `faultline bench` target.

pub mod bugs;
pub mod checker;
pub mod cluster;
pub mod harness;
