//! `faultline bench checker` (not implemented yet).

use crate::cmd::bench::BenchArgs;
use crate::exit::Exit;

/// Runs the benchmark and prints its numbers.
pub fn run(_args: &BenchArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`faultline bench checker` is not implemented yet")
}
