//! Fault injection during the main phase: builds the nemeses crate's
//! nemesis over the SUT's node control and proxy mesh, runs its schedule,
//! records every fault and heal in the history, and always heals at the end.

use super::config::RunConfig;
use super::progress::Counters;
use super::recorder::Recorder;
use super::sut::Sut;
use anyhow::Context;
use faultline_nemeses::{EventSink, NemesisKinds, build_nemesis, run_schedule};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The configured fault kinds (`none` and an empty list mean no faults).
pub fn kinds(config: &RunConfig) -> anyhow::Result<NemesisKinds> {
    if config.nemesis.is_empty() {
        return Ok(NemesisKinds::default());
    }
    config
        .nemesis
        .join(",")
        .parse()
        .context("parsing --nemesis")
}

/// Writes nemesis events into the history and shows the latest on the progress line.
struct HistorySink {
    recorder: Arc<Recorder>,
    counters: Arc<Counters>,
}

impl EventSink for HistorySink {
    fn record(&self, f: &str, value: serde_json::Value) {
        self.recorder.nemesis(f, &value);
        self.counters.set_fault(fault_label(f, &value));
    }
}

/// What the progress line shows after nemesis event `f`: the active fault, or `none` after a heal.
fn fault_label(f: &str, value: &serde_json::Value) -> String {
    match f {
        "start" | "resume" | "stop-partition" | "stop-latency" => "none".into(),
        _ => match value.get("nodes").and_then(|n| n.as_array()) {
            Some(nodes) => {
                let names: Vec<&str> = nodes.iter().filter_map(|n| n.as_str()).collect();
                format!("{f} {}", names.join(","))
            }
            None => f.to_string(),
        },
    }
}

/// Runs the configured nemesis until `stop`, then heals; returns after the final heal.
pub async fn run(
    config: &RunConfig,
    sut: &Sut,
    recorder: Arc<Recorder>,
    counters: Arc<Counters>,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let kinds = kinds(config)?;
    counters.set_fault("none");
    if kinds.is_none() {
        stop.cancelled().await;
        return Ok(());
    }
    let Some(control) = sut.control.clone() else {
        tracing::warn!(
            "nemesis {kinds} needs node control (the bundled cluster); running without faults"
        );
        stop.cancelled().await;
        return Ok(());
    };
    let interval = std::time::Duration::from_secs_f64(config.nemesis_interval.max(0.1));
    let built = build_nemesis(
        &kinds,
        interval,
        config.seed.unwrap_or_default(),
        control,
        sut.mesh.clone(),
    )
    .context("building the nemesis")?;
    let Some(nemesis) = built.nemesis else {
        stop.cancelled().await;
        return Ok(());
    };
    let sink: Arc<dyn EventSink> = Arc::new(HistorySink { recorder, counters });
    let summary = run_schedule(nemesis, built.schedule, sink, stop)
        .await
        .context("running the nemesis")?;
    tracing::info!("nemesis injected {} fault(s)", summary.faults);
    Ok(())
}
