//! Live progress on stderr: ops/s, ok / fail (expected + unavailable) / info
//! counts, phase and current fault.
//!
//! On a terminal an indicatif spinner line is redrawn; otherwise (CI logs) a
//! plain line is printed every few seconds.

use faultline_checkers::FailReason;
use faultline_workloads::generator::Phase;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Counters the workers and the nemesis update while the run goes.
#[derive(Debug)]
pub struct Counters {
    ok: AtomicU64,
    /// Failures a healthy store gives (cas-mismatch, lock held, aborted).
    expected: AtomicU64,
    /// Failures because the store could not serve (not leader, refused, ...).
    fail: AtomicU64,
    info: AtomicU64,
    phase: Mutex<Phase>,
    fault: Mutex<String>,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            ok: AtomicU64::new(0),
            expected: AtomicU64::new(0),
            fail: AtomicU64::new(0),
            info: AtomicU64::new(0),
            phase: Mutex::new(Phase::Setup),
            fault: Mutex::new(String::from("none")),
        }
    }
}

impl Counters {
    /// Counts one completion (`reason`: a `fail`'s).
    pub fn count(&self, kind: faultline_checkers::EventType, reason: Option<FailReason>) {
        use faultline_checkers::EventType::*;
        let c = match kind {
            Ok => &self.ok,
            Fail if reason.is_some_and(FailReason::is_expected) => &self.expected,
            Fail => &self.fail,
            Info | Invoke => &self.info,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Sets the phase shown.
    pub fn set_phase(&self, p: Phase) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = p;
    }

    /// Sets the fault shown.
    pub fn set_fault(&self, f: impl Into<String>) {
        *self.fault.lock().unwrap_or_else(|e| e.into_inner()) = f.into();
    }

    /// `(ok, fail, info)` so far (`fail` of either kind).
    pub fn totals(&self) -> (u64, u64, u64) {
        (
            self.ok.load(Ordering::Relaxed),
            self.expected.load(Ordering::Relaxed) + self.fail.load(Ordering::Relaxed),
            self.info.load(Ordering::Relaxed),
        )
    }

    fn line(&self, rate: f64) -> String {
        let ok = self.ok.load(Ordering::Relaxed);
        let expected = self.expected.load(Ordering::Relaxed);
        let fail = self.fail.load(Ordering::Relaxed);
        let info = self.info.load(Ordering::Relaxed);
        let phase = *self.phase.lock().unwrap_or_else(|e| e.into_inner());
        let fault = self.fault.lock().unwrap_or_else(|e| e.into_inner()).clone();
        // Expected failures (a cas whose comparison said no) climb in a
        // healthy run, so they are shown apart from real unavailability.
        format!(
            "[{phase}] {rate:>7.0} ops/s  ok {ok}  fail {expected} expected + {fail} unavailable  info {info}  fault: {fault}"
        )
    }
}

/// Shows progress until `stop` is cancelled.
pub async fn show(counters: std::sync::Arc<Counters>, stop: CancellationToken) {
    let tty = std::io::stderr().is_terminal();
    let bar = tty.then(|| {
        let b = ProgressBar::new_spinner();
        b.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b
    });
    let tick = if tty {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(5)
    };
    let mut last = (Instant::now(), 0u64);
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(tick) => {}
        }
        let (ok, fail, info) = counters.totals();
        let done = ok + fail + info;
        let now = Instant::now();
        let dt = now.duration_since(last.0).as_secs_f64().max(1e-3);
        let rate = (done - last.1) as f64 / dt;
        last = (now, done);
        let line = counters.line(rate);
        match &bar {
            Some(b) => {
                b.set_message(line);
                b.tick();
            }
            None => eprintln!("{line}"),
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}
