//! `faultline node` (not implemented yet).

use crate::exit::Exit;

/// Arguments of `faultline node`.
#[derive(clap::Args, Debug)]
pub struct NodeArgs {}

/// Runs the command.
pub fn execute(_args: NodeArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`faultline node` is not implemented yet")
}
