//! Shared helpers of the checker's integration tests.
#![allow(dead_code)]

pub mod brute_force;
pub mod histories;
pub mod models;
pub mod shadow;
