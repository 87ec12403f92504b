//! The run controller: configuration, phases, workers, recorder, results.

pub mod check;
pub mod config;
mod controller;
mod explain;
mod fault_coverage;
pub mod history_file;
pub mod history_pass;
mod inapplicable;
pub mod key_batches;
mod nemesis;
mod probe;
mod progress;
pub mod recorder;
pub mod results;
mod run_log;
pub mod stats;
pub mod summary;
pub mod sut;
pub mod test;
mod timeline;
mod worker;
mod workload;

use crate::exit::Exit;
use anyhow::Context;
use config::RunConfig;
use faultline_checkers::Validity;
use test::Test;
use tokio_util::sync::CancellationToken;

/// Runs `test.config.test_count` tests (seed, seed+1, ...), stopping at the first invalid one.
pub fn run_tests(test: Test) -> anyhow::Result<Exit> {
    // Harness warnings (e.g. a nemesis that cannot run) go to stderr and to
    // the run's faultline.log; RUST_LOG overrides.
    run_log::install();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let interrupt = CancellationToken::new();
        let hurry = CancellationToken::new();
        tokio::spawn(on_ctrl_c(interrupt.clone(), hurry.clone()));
        let base_seed = test.config.seed.unwrap_or_else(rand::random);
        let mut overall = Validity::Valid;
        let mut harness_error = false;
        for i in 0..test.config.test_count.max(1) {
            let one = test.with_seed(base_seed.wrapping_add(u64::from(i)));
            let outcome = controller::run_one(one, interrupt.clone(), hurry.clone()).await;
            if let Err(e) = &outcome {
                run_log::line("ERROR", &format!("{e:#}"));
            }
            run_log::close();
            let outcome = outcome?;
            overall = overall.and(outcome.valid);
            if let Some(e) = &outcome.harness_error {
                eprintln!("harness error: {e} (the verdict table says what was checked)");
                harness_error = true;
            }
            if outcome.valid == Validity::Invalid || harness_error || interrupt.is_cancelled() {
                break;
            }
        }
        Ok(Exit::of_run(overall, harness_error))
    })
}

/// Runs one test without Ctrl-C handling (benchmarks); returns its outcome.
pub async fn run_once(config: RunConfig) -> anyhow::Result<controller::RunOutcome> {
    let test = Test::build(config)?;
    controller::run_one(test, CancellationToken::new(), CancellationToken::new()).await
}

/// The first Ctrl-C ends the run gracefully (`interrupt`); a second one cuts
/// a long check short (`hurry`: the verdict becomes unknown, results are
/// still written); a third exits at once, since the history is already on
/// disk and the cluster's nodes exit with their parent.
async fn on_ctrl_c(interrupt: CancellationToken, hurry: CancellationToken) {
    // One stream for the whole run, so a press between two waits is not lost.
    let mut sigint = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
    {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot handle Ctrl-C: {e}");
            return;
        }
    };
    let mut presses = 0;
    while sigint.recv().await.is_some() {
        presses += 1;
        match presses {
            1 => {
                let text = "interrupted: stopping workers, healing, checking what was recorded \
                            (Ctrl-C again to cut the check short)";
                eprintln!("{text}");
                run_log::line("WARN", text);
                interrupt.cancel();
            }
            2 => {
                let text = "interrupted again: cutting the check short (Ctrl-C again to quit now)";
                eprintln!("{text}");
                run_log::line("WARN", text);
                hurry.cancel();
            }
            _ => std::process::exit(i32::from(crate::exit::Exit::Error.code())),
        }
    }
}
