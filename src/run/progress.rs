//! Live progress on stderr: the phase with how far along it is, ops/s, ok /
//! fail (by reason: expected answers apart from unavailability) / info, and
//! the active faults with their targets.
//!
//! On a terminal an indicatif bar is redrawn: a bar for the phases whose
//! length is known (main: the time limit; recovery: the quiet period; final
//! reads: the reads to make; check: the keys to decide), a spinner for the
//! others. Otherwise (CI logs) a plain line is printed at every phase change
//! and every few seconds.

use faultline_checkers::CheckProgress;
use faultline_checkers::FailReason;
use faultline_workloads::generator::Phase;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How long each phase is expected to take, where that is known up front.
#[derive(Debug, Clone, Copy, Default)]
pub struct PhasePlan {
    /// The main phase's time limit.
    pub main: Duration,
    /// The quiet period after the heal.
    pub recovery: Duration,
}

/// The phase being run, since when, and its share of the work where counted.
#[derive(Debug)]
struct PhaseNow {
    phase: Phase,
    since: Instant,
    /// Operations invoked when the phase began (for its average rate).
    invoked_at_start: u64,
    /// Final reads to make in this phase.
    reads: Option<u64>,
}

/// Counters the workers and the nemesis update while the run goes.
#[derive(Debug)]
pub struct Counters {
    invoked: AtomicU64,
    ok: AtomicU64,
    info: AtomicU64,
    /// `fail`s by reason, in [`FailReason::ALL`] order.
    fails: [AtomicU64; FailReason::ALL.len()],
    now: Mutex<PhaseNow>,
    fault: Mutex<String>,
    plan: Mutex<PhasePlan>,
    /// Keys the check has decided, once it runs.
    check: Mutex<Option<Arc<CheckProgress>>>,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            invoked: AtomicU64::new(0),
            ok: AtomicU64::new(0),
            info: AtomicU64::new(0),
            fails: std::array::from_fn(|_| AtomicU64::new(0)),
            now: Mutex::new(PhaseNow {
                phase: Phase::Setup,
                since: Instant::now(),
                invoked_at_start: 0,
                reads: None,
            }),
            fault: Mutex::new(String::from("none")),
            plan: Mutex::new(PhasePlan::default()),
            check: Mutex::new(None),
        }
    }
}

/// Locks, also after a panic elsewhere: these are display counters.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Counters {
    /// Counters for a run with these phase lengths.
    pub fn with_plan(plan: PhasePlan) -> Counters {
        let c = Counters::default();
        *lock(&c.plan) = plan;
        c
    }

    /// Counts one invocation.
    pub fn invoked(&self) {
        self.invoked.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one completion (`reason`: a `fail`'s).
    pub fn count(&self, kind: faultline_checkers::EventType, reason: Option<FailReason>) {
        use faultline_checkers::EventType::*;
        let c = match kind {
            Ok => &self.ok,
            Fail => {
                let i = reason
                    .and_then(|r| FailReason::ALL.iter().position(|x| *x == r))
                    // An untyped failure is counted as the store refusing it.
                    .unwrap_or(FailReason::ALL.len() - 2);
                &self.fails[i]
            }
            Info | Invoke => &self.info,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Enters phase `p`.
    pub fn set_phase(&self, p: Phase) {
        let invoked = self.invoked.load(Ordering::Relaxed);
        *lock(&self.now) = PhaseNow {
            phase: p,
            since: Instant::now(),
            invoked_at_start: invoked,
            reads: None,
        };
    }

    /// Enters the final reads, `reads` of them.
    pub fn set_final_reads(&self, reads: usize) {
        self.set_phase(Phase::FinalReads);
        lock(&self.now).reads = Some(reads as u64);
    }

    /// Enters the check, whose progress `progress` counts.
    pub fn set_check(&self, progress: Arc<CheckProgress>) {
        self.set_phase(Phase::Check);
        *lock(&self.check) = Some(progress);
    }

    /// Sets the fault shown.
    pub fn set_fault(&self, f: impl Into<String>) {
        *lock(&self.fault) = f.into();
    }

    /// `(ok, fail, info)` so far (`fail` of every reason).
    #[cfg(test)]
    fn totals(&self) -> (u64, u64, u64) {
        let fail = self.fails.iter().map(|f| f.load(Ordering::Relaxed)).sum();
        (
            self.ok.load(Ordering::Relaxed),
            fail,
            self.info.load(Ordering::Relaxed),
        )
    }

    /// The failures by reason: expected answers of a healthy store first,
    /// then unavailability, each `reason count` (zero counts left out).
    fn fail_breakdown(&self) -> (u64, String, u64, String) {
        let mut expected = (0u64, Vec::new());
        let mut unavailable = (0u64, Vec::new());
        for (r, n) in FailReason::ALL.iter().zip(&self.fails) {
            let n = n.load(Ordering::Relaxed);
            if n == 0 {
                continue;
            }
            let side = if r.is_expected() {
                &mut expected
            } else {
                &mut unavailable
            };
            side.0 += n;
            side.1.push(format!("{r} {n}"));
        }
        (
            expected.0,
            expected.1.join(", "),
            unavailable.0,
            unavailable.1.join(", "),
        )
    }

    /// Where the phase is: `(done, total, unit)` when that is known.
    fn position(&self) -> Option<(u64, u64, &'static str)> {
        let now = lock(&self.now);
        let plan = *lock(&self.plan);
        let secs = |total: Duration| {
            let t = total.as_secs().max(1);
            Some((now.since.elapsed().as_secs().min(t), t, " s"))
        };
        match now.phase {
            Phase::Main if !plan.main.is_zero() => secs(plan.main),
            Phase::Recovery if !plan.recovery.is_zero() => secs(plan.recovery),
            Phase::FinalReads => now.reads.map(|total| {
                let done = self.invoked.load(Ordering::Relaxed) - now.invoked_at_start;
                (done.min(total), total, " reads")
            }),
            Phase::Check => lock(&self.check).as_ref().map(|p| {
                let (done, total) = p.counts();
                (done as u64, total as u64, " keys")
            }),
            _ => None,
        }
    }

    /// The phase's name and its average rate of invocations so far.
    fn phase_rate(&self) -> (Phase, f64) {
        let now = lock(&self.now);
        let n = self.invoked.load(Ordering::Relaxed) - now.invoked_at_start;
        (
            now.phase,
            n as f64 / now.since.elapsed().as_secs_f64().max(1e-3),
        )
    }

    /// The status after the bar: rate, outcomes, fault.
    fn message(&self, rate: f64) -> String {
        let (phase, avg) = self.phase_rate();
        let ok = self.ok.load(Ordering::Relaxed);
        let info = self.info.load(Ordering::Relaxed);
        let (expected, why_expected, unavailable, why_unavailable) = self.fail_breakdown();
        let fault = lock(&self.fault).clone();
        let rates = match phase {
            // Recovery has no load on purpose; the check sends nothing.
            Phase::Recovery => "no load while the system recovers".to_string(),
            Phase::Check | Phase::Setup | Phase::Heal => String::new(),
            _ => format!("{rate:.0} ops/s (avg {avg:.0})"),
        };
        let detail = |n: u64, why: &str| {
            if n == 0 {
                "0".to_string()
            } else {
                format!("{n} ({why})")
            }
        };
        let mut parts = Vec::new();
        if !rates.is_empty() {
            parts.push(rates);
        }
        parts.push(format!(
            "ok {ok} · fail {} expected + {} unavailable · info {info}",
            detail(expected, &why_expected),
            detail(unavailable, &why_unavailable)
        ));
        if phase <= Phase::Heal {
            parts.push(format!("fault: {fault}"));
        }
        parts.join(" · ")
    }

    /// One plain line: what a log shows every few seconds.
    fn line(&self, rate: f64) -> String {
        let (phase, _) = self.phase_rate();
        let at = match self.position() {
            Some((done, total, unit)) => format!("{phase} {done}/{total}{unit}"),
            None => phase.to_string(),
        };
        format!("[{at}] {}", self.message(rate))
    }
}

/// How often the display changes on a terminal, and in a log.
const TTY_TICK: Duration = Duration::from_millis(250);
const LOG_TICK: Duration = Duration::from_secs(5);

/// Shows progress until `stop` is cancelled.
pub async fn show(counters: Arc<Counters>, stop: CancellationToken) {
    let tty = std::io::stderr().is_terminal();
    let bar = tty.then(ProgressBar::new_spinner);
    let tick = if tty { TTY_TICK } else { LOG_TICK };
    let mut last = (Instant::now(), 0u64);
    let mut last_log = Instant::now();
    let mut shown_phase: Option<Phase> = None;
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            // Bounded by `stop`; a short poll so phase changes show at once.
            _ = tokio::time::sleep(tick.min(TTY_TICK)) => {}
        }
        let invoked = counters.invoked.load(Ordering::Relaxed);
        let now = Instant::now();
        let dt = now.duration_since(last.0).as_secs_f64();
        let (phase, _) = counters.phase_rate();
        let changed = shown_phase != Some(phase);
        if !changed && dt < tick.as_secs_f64() {
            continue;
        }
        let rate = (invoked - last.1) as f64 / dt.max(1e-3);
        last = (now, invoked);
        match &bar {
            Some(b) => draw(b, &counters, rate, changed),
            None => {
                if changed || last_log.elapsed() >= LOG_TICK {
                    eprintln!("{}", counters.line(rate));
                    last_log = Instant::now();
                }
            }
        }
        shown_phase = Some(phase);
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}

/// Redraws the terminal bar: a bar where the phase's length is known.
fn draw(b: &ProgressBar, counters: &Counters, rate: f64, changed: bool) {
    let (phase, _) = counters.phase_rate();
    match counters.position() {
        Some((done, total, unit)) => {
            if changed || b.length() != Some(total) {
                let template =
                    format!("{{prefix:>11}} [{{bar:24.cyan/blue}}] {{pos}}/{{len}}{unit} {{msg}}");
                b.set_style(
                    ProgressStyle::with_template(&template)
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                b.set_length(total);
            }
            b.set_position(done);
        }
        None => {
            if changed {
                b.set_style(
                    ProgressStyle::with_template("{prefix:>11} {spinner} {elapsed:>4} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
            }
            b.tick();
        }
    }
    b.set_prefix(phase.to_string());
    b.set_message(counters.message(rate));
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_checkers::EventType;

    #[test]
    fn failures_are_split_into_expected_answers_and_unavailability() {
        let c = Counters::with_plan(PhasePlan {
            main: Duration::from_secs(20),
            recovery: Duration::from_secs(2),
        });
        c.set_phase(Phase::Main);
        for _ in 0..3 {
            c.count(EventType::Fail, Some(FailReason::CasMismatch));
        }
        c.count(EventType::Fail, Some(FailReason::Refused));
        c.count(EventType::Fail, Some(FailReason::NotLeader));
        c.count(EventType::Ok, None);
        c.set_fault("kill all (n1,n2,n3)");
        let line = c.line(12.0);
        assert!(line.starts_with("[main 0/20 s]"), "{line}");
        assert!(
            line.contains(
                "fail 3 (cas-mismatch 3) expected + 2 (not-leader 1, refused 1) unavailable"
            ),
            "{line}"
        );
        assert!(line.contains("fault: kill all (n1,n2,n3)"), "{line}");
        assert_eq!(c.totals(), (1, 5, 0));
        c.set_phase(Phase::Recovery);
        let line = c.line(0.0);
        assert!(line.contains("no load while the system recovers"), "{line}");
        assert!(line.starts_with("[recovery 0/2 s]"), "{line}");
    }

    #[test]
    fn final_reads_and_the_check_count_their_work() {
        let c = Counters::default();
        c.set_final_reads(10);
        for _ in 0..4 {
            c.invoked();
        }
        assert_eq!(c.position(), Some((4, 10, " reads")));
        let p = Arc::new(CheckProgress::default());
        c.set_check(p.clone());
        assert_eq!(c.position(), Some((0, 0, " keys")));
        assert!(!c.line(0.0).contains("fault:"), "the check shows no fault");
    }
}
