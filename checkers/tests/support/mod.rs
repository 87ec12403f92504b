//! Shared helpers of the checker's integration tests.

pub mod brute_force;
pub mod histories;
pub mod models;
pub mod shadow;
