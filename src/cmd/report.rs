//! `faultline report` (not implemented yet).

use crate::exit::Exit;

/// Arguments of `faultline report`.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {}

/// Runs the command.
pub fn execute(_args: ReportArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("`faultline report` is not implemented yet")
}
