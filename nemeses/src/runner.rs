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
    // Windows lie on a grid from here: the time a fault or heal takes (a
    // restart, a leader query) comes out of the window instead of pushing
    // every later fault back, so a run holds the faults the schedule
    // promises ([`Schedule::faults_certain_within`]).
    let origin = tokio::time::Instant::now();
    let mut start = Duration::ZERO;
    for window in schedule.windows() {
        start += window.healthy;
        if !sleep_until_unless_cancelled(origin + start, cancel).await
            || !invoke_unless_cancelled(nemesis, &mut rng, sink, cancel, summary).await?
        {
            return Ok(());
        }
        if window.combined {
            // first: [0, faulty]; second: [faulty/2, faulty*3/2], if a kind
            // that pairs with the first is left in the round (else the
            // window's last half is quiet). The grid stays the same.
            if !sleep_until_unless_cancelled(origin + start + window.second_start(), cancel).await {
                return Ok(());
            }
            if nemesis.can_add_fault()
                && !invoke_unless_cancelled(nemesis, &mut rng, sink, cancel, summary).await?
            {
                return Ok(());
            }
            if !sleep_until_unless_cancelled(origin + start + window.faulty, cancel).await {
                return Ok(());
            }
            bounded(nemesis.heal_first(sink)).await?;
            start += window.span();
        } else {
            start += window.faulty;
        }
        if !sleep_until_unless_cancelled(origin + start, cancel).await {
            return Ok(());
        }
        bounded_heal(nemesis, sink).await?;
    }
    Ok(())
}

/// Starts one fault; false if cancelled first.
async fn invoke_unless_cancelled(
    nemesis: &dyn Nemesis,
    rng: &mut rand_chacha::ChaCha8Rng,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
    summary: &mut RunSummary,
) -> Result<bool, NemesisError> {
    if cancel.is_cancelled() {
        return Ok(false);
    }
    summary.faults += 1;
    tokio::select! {
        r = nemesis.invoke(rng, sink) => r.map(|()| true),
        // Dropping a half-done invoke is safe: nemeses note targets before acting.
        _ = cancel.cancelled() => Ok(false),
    }
}

/// Heals, giving up after [`HEAL_TIMEOUT`].
async fn bounded_heal(nemesis: &dyn Nemesis, sink: &dyn EventSink) -> Result<(), NemesisError> {
    bounded(nemesis.heal(sink)).await
}

/// A heal, given up after [`HEAL_TIMEOUT`].
async fn bounded(
    heal: crate::control::BoxFuture<'_, Result<(), NemesisError>>,
) -> Result<(), NemesisError> {
    tokio::time::timeout(HEAL_TIMEOUT, heal)
        .await
        .unwrap_or(Err(NemesisError::HealTimeout(HEAL_TIMEOUT)))
}

/// Sleeps until `deadline` (not at all if it passed); false if cancelled first.
async fn sleep_until_unless_cancelled(
    deadline: tokio::time::Instant,
    cancel: &CancellationToken,
) -> bool {
    tokio::select! {
        // Cancellation first: a run past its end starts no further fault.
        biased;
        _ = cancel.cancelled() => false,
        _ = tokio::time::sleep_until(deadline) => true,
    }
}
