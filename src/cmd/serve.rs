//! `faultline serve` (not implemented yet).

use crate::exit::Exit;

/// Arguments of `faultline serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {}

/// Runs the command.
pub fn execute(_args: ServeArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`faultline serve` is not implemented yet")
}
