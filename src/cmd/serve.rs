//! `faultline serve`: a browsable index of past runs on 127.0.0.1.

use crate::exit::Exit;
use std::path::PathBuf;

/// Serve a browsable index of past runs.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The results directory to list (the run's `--results-dir`).
    #[arg(long, default_value = "results")]
    pub dir: PathBuf,
    /// Port on 127.0.0.1 (0 picks a free one and prints it).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
}

/// Runs the command until Ctrl-C.
pub fn execute(args: ServeArgs) -> anyhow::Result<Exit> {
    crate::serve::serve(args.dir, args.port)?;
    Ok(Exit::Valid)
}
