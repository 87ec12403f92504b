//! Fault injection during the main phase.

use super::config::RunConfig;
use super::progress::Counters;
use super::recorder::Recorder;
use super::sut::Sut;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Runs the configured nemesis until `stop`, then heals; returns after the final heal.
pub async fn run(
    config: &RunConfig,
    _sut: &Sut,
    _recorder: Arc<Recorder>,
    counters: Arc<Counters>,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let kinds: Vec<&str> = config
        .nemesis
        .iter()
        .map(String::as_str)
        .filter(|k| *k != "none")
        .collect();
    if !kinds.is_empty() {
        tracing::warn!("nemeses are not available in this build; running without faults");
    }
    counters.set_fault("none");
    stop.cancelled().await;
    Ok(())
}
