//! `faultline run` (not implemented yet).

use crate::exit::Exit;

/// Arguments of `faultline run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {}

/// Runs the command.
pub fn execute(_args: RunArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`faultline run` is not implemented yet")
}
