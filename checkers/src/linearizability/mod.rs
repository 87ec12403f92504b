//! Linearizability checking (Wing–Gong search with memoization).

pub mod report;

pub use report::{
    Counterexample, LinearizabilityReport, Linearization, LinearizationStep, OpView,
    PartitionResult, Unplaceable,
};
