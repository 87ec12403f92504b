//! `faultline bench harness` (not implemented yet).

use crate::cmd::bench::BenchArgs;
use crate::exit::Exit;

/// Runs the benchmark and prints its numbers.
pub fn run(_args: &BenchArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`faultline bench harness` is not implemented yet")
}
