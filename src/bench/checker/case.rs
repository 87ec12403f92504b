//! One benchmark case and its measurement, run inside a child process.

use anyhow::Context;
use faultline_checkers::{CasRegister, SearchOnly};
use faultline_checkers::{
    CheckOptions, Format, ModelKind, ShrinkBudget, Val, check_linearizable, check_with_model,
    read_history,
};
use faultline_checkers::{HardFamily, synth_cas_history, synth_hard_history, synth_kv_history};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Runs per corpus file; the fastest counts (the reference is a minimum of three too).
pub const CORPUS_RUNS: usize = 3;

/// A history to check: a corpus file or a synthetic history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Case {
    /// A file of the corpus with its manifest entry.
    Corpus {
        /// Absolute or cwd-relative path.
        path: PathBuf,
        /// Format name from the manifest.
        format: String,
        /// Model name from the manifest.
        model: String,
    },
    /// A synthetic single cas-register history.
    Cas {
        /// Operations.
        ops: usize,
        /// Concurrent processes.
        processes: usize,
        /// Fraction of writes/cas that crash (never complete).
        crash_rate: f64,
        /// Whether one read returns a value never written (makes it invalid).
        impossible_read: bool,
        /// Generator seed.
        seed: u64,
    },
    /// A history of one of the hard single-key families.
    Hard {
        /// Family name (`HardFamily`'s).
        family: String,
        /// Operations.
        ops: usize,
        /// Concurrent processes.
        processes: usize,
        /// Fraction of writes/cas that crash.
        crash_rate: f64,
        /// The invalid case (else its linearizable twin).
        invalid: bool,
        /// Pre-checks off: the search alone decides (`SearchOnly`).
        search_only: bool,
        /// Generator seed.
        seed: u64,
    },
    /// A synthetic multi-key cas-register history.
    Kv {
        /// Keys.
        keys: usize,
        /// Operations.
        ops: usize,
        /// Concurrent processes.
        processes: usize,
        /// Generator seed.
        seed: u64,
    },
}

/// What one case measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measurement {
    /// valid / invalid / unknown.
    pub verdict: String,
    /// Events in the history.
    pub events: usize,
    /// Seconds to read or generate the history.
    pub load_s: f64,
    /// Seconds `check_linearizable` took.
    pub check_s: f64,
    /// Peak resident memory of the measuring process (VmHWM), in KiB.
    pub peak_rss_kib: Option<u64>,
}

/// Loads the case's history, checks it and measures; runs in the child process.
pub fn measure(case: &Case, timeout: Duration) -> anyhow::Result<Measurement> {
    let started = Instant::now();
    let (events, model) = match case {
        Case::Corpus {
            path,
            format,
            model,
        } => {
            let format: Format = format.parse()?;
            let model: ModelKind = model.parse()?;
            (read_history(path, format)?, model)
        }
        Case::Cas {
            ops,
            processes,
            crash_rate,
            impossible_read,
            seed,
        } => (
            synth_cas_history(*ops, *processes, *crash_rate, *impossible_read, *seed),
            ModelKind::CasRegister,
        ),
        Case::Hard {
            family,
            ops,
            processes,
            crash_rate,
            invalid,
            seed,
            ..
        } => {
            let family: HardFamily = family.parse().map_err(anyhow::Error::msg)?;
            let events = synth_hard_history(family, *ops, *processes, *crash_rate, *invalid, *seed)
                .with_context(|| {
                    format!("{family}: {ops} operations are too few for the pattern")
                })?;
            (events, ModelKind::CasRegister)
        }
        Case::Kv {
            keys,
            ops,
            processes,
            seed,
        } => (
            synth_kv_history(*keys, *ops, *processes, *seed),
            ModelKind::Kv,
        ),
    };
    let load_s = started.elapsed().as_secs_f64();
    let opts = CheckOptions {
        timeout: Some(timeout),
        cancel: None,
        init: None,
        engine: None,
        memory_limit: None,
        // The reference only decides; shrinking an invalid key is extra
        // work it does not do, so it is left out of the comparison.
        shrink: ShrinkBudget::Off,
        progress: None,
    };
    // Corpus files take milliseconds, where one scheduling hiccup on a
    // shared machine doubles the time: like the reference, take the minimum of
    // three runs. Synthetic histories are big enough to time once.
    let runs = match case {
        Case::Corpus { .. } => CORPUS_RUNS,
        _ => 1,
    };
    let mut check_s = f64::INFINITY;
    let mut verdict = None;
    for _ in 0..runs {
        let started = Instant::now();
        let report = match case {
            Case::Hard {
                search_only: true, ..
            } => check_with_model(&events, &SearchOnly(&CasRegister::new(Val::Nil)), &opts),
            _ => check_linearizable(&events, model, &opts),
        }
        .context("checking")?;
        check_s = check_s.min(started.elapsed().as_secs_f64());
        verdict = Some(report.valid);
    }
    let verdict = verdict.map_or("unknown".to_string(), |v| format!("{v:?}").to_lowercase());
    Ok(Measurement {
        verdict,
        events: events.len(),
        load_s,
        check_s,
        peak_rss_kib: peak_rss_kib(),
    })
}

/// This process's peak resident set size from /proc (Linux only; `None` elsewhere).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
