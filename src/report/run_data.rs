//! Everything the report draws from one run directory: the history (always),
//! `results.json` and `config.toml` (when present), the checker verdicts, and
//! the node logs.

use crate::run::check::run_checkers;
use crate::run::config::RunConfig;
use crate::run::history_file::{EventLines, read_events};
use crate::run::stats::RunStats;
use anyhow::Context;
use faultline_checkers::{
    CheckOptions, Event, Format, Validity, Verdict, check_linearizable, default_model_for,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// The parts of `results.json` the report uses; every field is optional so
/// that results from older or partial runs still load.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ResultsSummary {
    /// Test name.
    pub name: String,
    /// Start time, RFC 3339.
    pub started: String,
    /// Seconds the whole run took.
    pub elapsed_s: Option<f64>,
    /// Combined verdict.
    pub valid: Option<Validity>,
    /// True when Ctrl-C cut the run short.
    pub interrupted: bool,
    /// Seed of the operation schedule.
    pub seed: Option<u64>,
    /// Endpoints the clients used: (node, URL).
    pub nodes: Vec<(String, String)>,
    /// One verdict per checker.
    pub verdicts: Vec<Verdict>,
    /// The faults requested and injected.
    pub faults: FaultsSummary,
    /// Counts and latencies as the run computed them (with the main phase's
    /// rate, which the history alone does not give); absent when written by
    /// a faultline whose statistics had another shape.
    #[serde(deserialize_with = "lenient")]
    pub stats: Option<RunStats>,
    /// When each phase ran.
    pub phases: Vec<PhaseSpan>,
}

/// One phase of the run as results.json records it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PhaseSpan {
    /// `setup`, `main`, `heal`, `recovery`, `final-reads`, `check`.
    pub phase: String,
    /// When it began (ns since the test started).
    pub start_ns: u64,
    /// When it ended.
    pub end_ns: u64,
}

impl RunData {
    /// When the final reads ran, in seconds since the test started.
    pub fn final_reads_s(&self) -> Option<(f64, f64)> {
        let p = self
            .results
            .as_ref()?
            .phases
            .iter()
            .find(|p| p.phase == "final-reads")?;
        Some((p.start_ns as f64 / 1e9, p.end_ns as f64 / 1e9))
    }
}

/// The part of `results.json`'s `faults` the report shows.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FaultsSummary {
    /// Fault kinds `--nemesis` asked for.
    pub requested: Vec<String>,
    /// Faults that started, by kind (a kind never injected has 0).
    pub injected: std::collections::BTreeMap<String, u64>,
    /// Faults injected, by kind and target (`kill leader`), 0 for a
    /// target the schedule draws from that never came.
    pub targets: std::collections::BTreeMap<String, u64>,
    /// Faults that started while another was in effect, by both.
    pub combinations: std::collections::BTreeMap<String, u64>,
    /// Why faults stopped mid-run: a harness error (exit 3).
    pub error: Option<String>,
}

/// Reads a part of results.json that does not have the expected shape (a
/// file from another faultline version) as its default (`None` for an
/// `Option`), instead of refusing the whole file for it.
pub fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).unwrap_or_default())
}

/// Where the verdicts shown came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictSource {
    /// Read from the run's `results.json`.
    ResultsFile,
    /// Computed now by checking the history (no results.json, or `--recheck`).
    Rechecked,
}

/// A loaded run directory.
#[derive(Debug, Clone)]
pub struct RunData {
    /// The run directory.
    pub dir: PathBuf,
    /// The history's events.
    pub events: Vec<Event>,
    /// Lines of the history that could not be parsed and were skipped (a torn last line).
    pub skipped_lines: usize,
    /// Client events past [`REPORT_CLIENT_EVENTS`], left out of `events`
    /// (and so of the timeline and plots), counted.
    pub omitted_events: u64,
    /// `results.json`, when present and readable.
    pub results: Option<ResultsSummary>,
    /// `config.toml` as written by the run.
    pub config_toml: Option<String>,
    /// Checker verdicts.
    pub verdicts: Vec<Verdict>,
    /// Where `verdicts` came from.
    pub verdict_source: VerdictSource,
    /// Node logs, relative to `dir`, as (node, path).
    pub node_logs: Vec<(String, String)>,
}

impl RunData {
    /// The run's workers (`concurrency` in config.toml), when recorded.
    pub fn workers(&self) -> Option<usize> {
        self.config().map(|c| c.concurrency)
    }

    /// Display name: the test name from results.json, else the parent directory's name.
    pub fn name(&self) -> String {
        if let Some(r) = &self.results
            && !r.name.is_empty()
        {
            return r.name.clone();
        }
        self.dir
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into())
    }

    /// The config the run wrote, when it is there and this faultline reads it.
    pub fn config(&self) -> Option<RunConfig> {
        let text = self.config_toml.as_deref()?;
        RunConfig::from_text(text, &self.dir.join("config.toml")).ok()
    }

    /// Statistics: results.json's (what summary.txt showed) when present,
    /// else computed from the history.
    pub fn stats(&self) -> RunStats {
        self.results
            .as_ref()
            .and_then(|r| r.stats.clone())
            .unwrap_or_else(|| crate::run::stats::compute(&self.events))
    }

    /// True when a fault failed mid-run, which makes the run a harness error.
    pub fn harness_error(&self) -> bool {
        self.results
            .as_ref()
            .is_some_and(|r| r.faults.error.is_some())
    }

    /// Combined verdict of all checkers.
    pub fn validity(&self) -> Validity {
        if self.verdicts.is_empty() {
            return Validity::Unknown;
        }
        self.verdicts
            .iter()
            .fold(Validity::Valid, |acc, v| acc.and(v.valid))
    }
}

/// How to load a run.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Check the history again even when results.json has verdicts.
    pub recheck: bool,
    /// Deadline of such a check.
    pub check_timeout: Duration,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            recheck: false,
            check_timeout: Duration::from_secs(60),
        }
    }
}

/// Loads a run directory; fails clearly when it has no `history.jsonl`.
pub fn load(dir: &Path, opts: &LoadOptions) -> anyhow::Result<RunData> {
    // Resolves `results/latest`, so the run is named after its real directory.
    let real = dir.canonicalize().ok();
    let dir = real.as_deref().unwrap_or(dir);
    let history = dir.join("history.jsonl");
    if !history.is_file() {
        anyhow::bail!(
            "{} has no history.jsonl: not a faultline results directory \
             (expected RESULTS_DIR/NAME/TIMESTAMP/)",
            dir.display()
        );
    }
    let (events, skipped_lines, omitted_events) = read_report_events(&history)?;
    let results = match std::fs::read_to_string(dir.join("results.json")) {
        Ok(text) => Some(
            serde_json::from_str::<ResultsSummary>(&text)
                .with_context(|| format!("parsing {}", dir.join("results.json").display()))?,
        ),
        Err(_) => None,
    };
    let config_toml = std::fs::read_to_string(dir.join("config.toml")).ok();
    let from_file = results
        .as_ref()
        .map(|r| r.verdicts.clone())
        .unwrap_or_default();
    let (verdicts, verdict_source) = if from_file.is_empty() || opts.recheck {
        (
            if omitted_events == 0 {
                recheck(&events, &dir.join("config.toml"), opts.check_timeout)
            } else {
                let final_reads = results.as_ref().and_then(|r| {
                    r.phases
                        .iter()
                        .find(|p| p.phase == "final-reads")
                        .map(|p| p.start_ns)
                });
                recheck_file(
                    &history,
                    &dir.join("config.toml"),
                    opts.check_timeout,
                    final_reads,
                )?
            },
            VerdictSource::Rechecked,
        )
    } else {
        (from_file, VerdictSource::ResultsFile)
    };
    Ok(RunData {
        dir: dir.to_path_buf(),
        events,
        skipped_lines,
        omitted_events,
        results,
        config_toml,
        verdicts,
        verdict_source,
        node_logs: node_logs(dir),
    })
}

/// Client events a report holds (with every nemesis event): a browser
/// draws the timeline of 200,000 operations smoothly, and a long run's
/// history would not fit in memory.
pub const REPORT_CLIENT_EVENTS: usize = 400_000;

/// The events a report shows: every nemesis event and the first
/// [`REPORT_CLIENT_EVENTS`] client events; also the lines skipped (a torn
/// last line) and the client events left out.
fn read_report_events(path: &Path) -> anyhow::Result<(Vec<Event>, usize, u64)> {
    let mut lines = EventLines::open(path)?;
    let (mut events, mut clients, mut omitted) = (Vec::new(), 0usize, 0u64);
    for e in lines.by_ref() {
        let e = e?;
        if e.process != faultline_checkers::ProcessId::Nemesis {
            if clients == REPORT_CLIENT_EVENTS {
                omitted += 1;
                continue;
            }
            clients += 1;
        }
        events.push(e);
    }
    Ok((events, lines.skipped, omitted))
}

/// [`recheck`] of a history too long to hold: with the run's config, by
/// batches of keys where its checkers allow; without one, read whole.
/// `final_reads`: when the run's final reads began (ns), if it says.
fn recheck_file(
    path: &Path,
    config_path: &Path,
    timeout: Duration,
    final_reads: Option<u64>,
) -> anyhow::Result<Vec<Verdict>> {
    let Ok(mut config) = RunConfig::from_file(config_path) else {
        return Ok(recheck(&read_events(path)?.0, config_path, timeout));
    };
    config.check_timeout = timeout.as_secs_f64();
    let pass = crate::run::history_pass::read(path, (0, 0), final_reads)?;
    crate::run::check::run_checkers_on_file(
        path,
        pass.keys,
        &config,
        Arc::new(AtomicBool::new(false)),
        None,
    )
}

/// Checks the history again: with the run's own checkers and workload model
/// when its config.toml loads, else for linearizability with the model the
/// history's operations suggest (a history from elsewhere, or a config from
/// an older faultline).
fn recheck(events: &[Event], config_path: &Path, timeout: Duration) -> Vec<Verdict> {
    if let Ok(mut config) = RunConfig::from_file(config_path) {
        config.check_timeout = timeout.as_secs_f64();
        return run_checkers(events, &config, Arc::new(AtomicBool::new(false)), None);
    }
    let model = default_model_for(Format::Jsonl, events);
    let opts = CheckOptions {
        timeout: Some(timeout),
        ..CheckOptions::default()
    };
    let verdict = match check_linearizable(events, model, &opts) {
        Ok(report) => report.to_verdict(),
        Err(e) => Verdict {
            checker: "linearizable".into(),
            valid: Validity::Unknown,
            summary: format!("the history could not be checked: {e}"),
            details: serde_json::Value::Null,
        },
    };
    vec![verdict]
}

/// `nodes/<id>/log` (and other `*.log` files there), sorted by node.
fn node_logs(dir: &Path) -> Vec<(String, String)> {
    let mut logs = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir.join("nodes")) else {
        return logs;
    };
    for entry in entries.flatten() {
        let node = entry.file_name().to_string_lossy().into_owned();
        let Ok(files) = std::fs::read_dir(entry.path()) else {
            continue;
        };
        for f in files.flatten() {
            let fname = f.file_name().to_string_lossy().into_owned();
            if f.path().is_file() && (fname == "log" || fname.ends_with(".log")) {
                logs.push((node.clone(), format!("nodes/{node}/{fname}")));
            }
        }
    }
    logs.sort();
    logs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report reads a run's config as `--config` does: with its
    /// workload's own keys, and with `[[nodes]]` on hosts (before, either
    /// made the report lose the whole config).
    #[test]
    fn a_report_reads_the_config_of_a_run_on_hosts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("history.jsonl"), "").unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "concurrency = 4\nlock-ttl-ms = 300\naccounts = 8\n\
             [[nodes]]\nname = \"n1\"\nhost = \"10.0.0.1\"\nport = 7000\n\
             [db]\nstart = [\"run\", \"{node}\"]\n",
        )
        .unwrap();
        let run = load(dir.path(), &LoadOptions::default()).unwrap();
        let config = run.config().expect("the config reads");
        assert_eq!(config.concurrency, 4);
        assert_eq!(config.hosts.map(|h| h.nodes.len()), Some(1));
        assert_eq!(run.workers(), Some(4));
    }
}
