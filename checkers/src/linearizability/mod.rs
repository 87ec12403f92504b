//! Linearizability checking (Wing–Gong–Lowe search with memoization), per key
//! and in parallel.

mod batches;
mod check;
mod counterexample;
mod entries;
mod linearized;
mod memo;
mod options;
mod partition;
pub mod report;
mod shape;
mod shrink;
mod sweep;
mod verdict;
mod wgl;

pub use batches::check_linearizable_batches;
pub use check::{NOT_CHECKED_OTHER_INVALID, check_linearizable, check_with_model};
pub use options::{
    CheckError, CheckOptions, CheckProgress, DEFAULT_SHRINK_BUDGET, Engine, ShrinkBudget,
};
pub use report::{
    Counterexample, LinearizabilityReport, Linearization, LinearizationStep, MinimalCounterexample,
    OpView, PartitionResult, Unplaceable,
};
