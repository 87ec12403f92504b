//! `faultline bench` (not implemented yet).

use crate::exit::Exit;

/// Arguments of `faultline bench`.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {}

/// Runs the command.
pub fn execute(_args: BenchArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`faultline bench` is not implemented yet")
}
