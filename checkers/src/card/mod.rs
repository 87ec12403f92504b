//! The consistency report card: which checkers to run, running them, and
//! the one-row-per-model summary of their verdicts.

mod rows;
mod kind;
mod run;

pub use rows::{CardRow, ReportCard};
pub use kind::{CheckerKind, UnknownChecker};
pub use run::{CardOptions, run_checker, run_checkers};
