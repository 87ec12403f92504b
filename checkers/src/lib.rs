//! faultline-checkers: history types, history formats, models and checkers.
//!
//! A pure library (no async runtime, no network) so that it can be used on its
//! own to check histories recorded by any tool.

pub mod history;
pub mod linearizability;
pub mod render;
pub mod verdict;

pub use history::{Event, EventType, OpFn, ProcessId};
pub use verdict::{Validity, Verdict};
