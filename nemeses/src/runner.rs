//! Drives a nemesis through a schedule and guarantees the final heal.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::error::NemesisError;
use crate::nemesis::Nemesis;
use crate::schedule::Schedule;
use crate::sink::EventSink;

/// Longest any heal may take. Each step (restart, command, signal) has its
/// own bound; this one keeps a run from hanging on a heal that never returns,
/// e.g. many nodes each waiting out their restart timeout.
pub const HEAL_TIMEOUT: Duration = Duration::from_secs(120);

/// What a schedule run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunSummary {
    /// Faults injected (successfully or not).
    pub faults: usize,
    /// Whether the run ended because the token was cancelled.
    pub cancelled: bool,
}

/// Runs `schedule` until it ends or `cancel` fires, then ALWAYS heals and tears
/// down, also after an error. Errors of faults are returned after the heal;
/// an error of the final heal is returned too (and recorded as `nemesis-error`).
pub async fn run_schedule(
    nemesis: Arc<dyn Nemesis>,
    schedule: Schedule,
    sink: Arc<dyn EventSink>,
    cancel: CancellationToken,
) -> Result<RunSummary, NemesisError> {
    let mut summary = RunSummary::default();
    let outcome = drive(&*nemesis, &schedule, &*sink, &cancel, &mut summary).await;
    summary.cancelled = cancel.is_cancelled();
    if let Err(e) = &outcome {
        sink.record("nemesis-error", json!({"error": e.to_string()}));
    }
    let healed = bounded_heal(&*nemesis, &*sink).await;
    if let Err(e) = &healed {
        sink.record(
            "nemesis-error",
            json!({"error": e.to_string(), "during": "final-heal"}),
        );
    }
    let torn_down = tokio::time::timeout(HEAL_TIMEOUT, nemesis.teardown(&*sink))
        .await
        .unwrap_or(Err(NemesisError::HealTimeout(HEAL_TIMEOUT)));
    outcome?;
    healed?;
    torn_down?;
    Ok(summary)
}

/// Heals everything now, from synchronous code such as a Ctrl-C handler.
pub fn heal_all(nemesis: &dyn Nemesis, sink: &dyn EventSink) -> Result<(), NemesisError> {
    nemesis.heal_blocking(sink)
}

async fn drive(
    nemesis: &dyn Nemesis,
    schedule: &Schedule,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
    summary: &mut RunSummary,
) -> Result<(), NemesisError> {
    tokio::select! {
        r = nemesis.setup(sink) => r?,
        _ = cancel.cancelled() => return Ok(()),
    }
    let mut rng = schedule.fault_rng();
    for window in schedule.windows() {
        if !sleep_unless_cancelled(window.healthy, cancel).await {
            return Ok(());
        }
        summary.faults += 1;
        tokio::select! {
            r = nemesis.invoke(&mut rng, sink) => r?,
            // Dropping a half-done invoke is safe: nemeses note targets before acting.
            _ = cancel.cancelled() => return Ok(()),
        }
        if !sleep_unless_cancelled(window.faulty, cancel).await {
            return Ok(());
        }
        bounded_heal(nemesis, sink).await?;
    }
    Ok(())
}

/// Heals, giving up after [`HEAL_TIMEOUT`].
async fn bounded_heal(nemesis: &dyn Nemesis, sink: &dyn EventSink) -> Result<(), NemesisError> {
    tokio::time::timeout(HEAL_TIMEOUT, nemesis.heal(sink))
        .await
        .unwrap_or(Err(NemesisError::HealTimeout(HEAL_TIMEOUT)))
}

/// Sleeps; false if cancelled first.
async fn sleep_unless_cancelled(duration: Duration, cancel: &CancellationToken) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(duration) => true,
        _ = cancel.cancelled() => false,
    }
}
