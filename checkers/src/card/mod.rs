//! The consistency report card: which checkers to run, running them, and
//! the one-row-per-model summary of their verdicts.

mod checker;
mod keyed;
mod kind;
mod options;
mod report;
mod rows;
mod run;

pub use checker::{Checker, CheckerError};
pub use report::Report;

pub use keyed::{WholeHistoryChecker, run_keyed_checkers};
pub use kind::{CheckerKind, UnknownChecker};
pub use options::CardOptions;
pub use rows::{CardRow, ReportCard};
pub use run::{run_all, run_checker, run_checkers};
