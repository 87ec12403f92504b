//! Benchmark implementations, one module per `faultline bench` target.

pub mod bugs;
pub mod checker;
pub mod cluster;
pub mod harness;
pub mod soak;

use std::path::{Path, PathBuf};

/// A child run's directory under `RESULTS/NAME/` (the only timestamped one).
pub(crate) fn run_dir(test: &Path) -> Option<PathBuf> {
    std::fs::read_dir(test)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.join("results.json").is_file())
}
