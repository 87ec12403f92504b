//! `faultline bench`: benchmarks that print numbers (speed goals live here, not in tests).

use crate::bench::args::{BenchArgs, BenchTarget};
use crate::exit::Exit;

/// Runs the chosen benchmark.
pub fn execute(args: BenchArgs) -> anyhow::Result<Exit> {
    match args.target {
        BenchTarget::Checker => crate::bench::checker::run(&args),
        BenchTarget::Cluster => crate::bench::cluster::run(&args),
        BenchTarget::Harness => crate::bench::harness::run(&args),
        BenchTarget::Bugs => crate::bench::bugs::run(&args),
        BenchTarget::Soak => crate::bench::soak::run(&args),
    }
}
