//! The consistency report card: which checkers to run, running them, and
//! the one-row-per-model summary of their verdicts.

mod kind;
mod rows;
mod run;

pub use kind::{CheckerKind, UnknownChecker};
pub use rows::{CardRow, ReportCard};
pub use run::{CardOptions, run_checker, run_checkers};
