//! A standalone node binary, so the cluster crate's integration tests can
//! start real node processes without the root `faultline` binary.

use clap::Parser;

/// One node of the bundled cluster.
#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    node: faultline_cluster::NodeArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match faultline_cluster::run_node(cli.node) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::from(3)
        }
    }
}
