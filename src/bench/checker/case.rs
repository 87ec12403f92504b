//! One benchmark case and its measurement, run inside a child process.

use anyhow::Context;
use faultline_checkers::{
    CheckOptions, Format, ModelKind, check_linearizable, read_history, synth,
};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::{Duration, Instant};

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
            synth::synth_cas_history(*ops, *processes, *crash_rate, *impossible_read, *seed),
            ModelKind::CasRegister,
        ),
        Case::Kv {
            keys,
            ops,
            processes,
            seed,
        } => (
            synth::synth_kv_history(*keys, *ops, *processes, *seed),
            ModelKind::Kv,
        ),
    };
    let load_s = started.elapsed().as_secs_f64();
    let opts = CheckOptions {
        timeout: Some(timeout),
        cancel: None,
        init: None,
    };
    let started = Instant::now();
    let report = check_linearizable(&events, model, &opts).context("checking")?;
    let check_s = started.elapsed().as_secs_f64();
    Ok(Measurement {
        verdict: format!("{:?}", report.valid).to_lowercase(),
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
