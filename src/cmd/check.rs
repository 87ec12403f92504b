//! `faultline check` (not implemented yet).

use crate::exit::Exit;

/// Arguments of `faultline check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {}

/// Runs the command.
pub fn execute(_args: CheckArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`faultline check` is not implemented yet")
}
