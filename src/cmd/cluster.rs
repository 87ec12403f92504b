//! `faultline cluster` (not implemented yet).

use crate::exit::Exit;

/// Arguments of `faultline cluster`.
#[derive(clap::Args, Debug)]
pub struct ClusterArgs {}

/// Runs the command.
pub fn execute(_args: ClusterArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`faultline cluster` is not implemented yet")
}
