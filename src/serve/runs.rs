//! Finding runs under a results directory and summarising each for the index.

use crate::report::run_data::lenient;
use crate::run::history_file::EventLines;
use chrono::{DateTime, NaiveDateTime, Utc};
use faultline_checkers::{EventType, ProcessId, Validity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How deep below the results directory runs are looked for (NAME/TIMESTAMP is 2).
const MAX_DEPTH: usize = 4;
/// Most runs listed; a results directory of a long-lived CI box can hold thousands.
const MAX_RUNS: usize = 5000;

/// One run as the index lists it.
#[derive(Debug, Clone)]
pub struct RunEntry {
    /// Path relative to the results directory, `/`-separated.
    pub rel: String,
    /// Test name.
    pub name: String,
    /// When it started, if known.
    pub started: Option<DateTime<Utc>>,
    /// Combined verdict; `None` when the run has no results.json yet (running or crashed).
    pub valid: Option<Validity>,
    /// Client operations invoked.
    pub ops: u64,
    /// Nemesis events.
    pub faults: u64,
    /// True when report.html exists.
    pub has_report: bool,
    /// What results.json adds; `None` for a run without one.
    pub details: Option<RunDetails>,
}

/// The columns of the index and the nightly page that only results.json has.
#[derive(Debug, Clone, Default)]
pub struct RunDetails {
    /// `bundled`, `http`, `etcd`, `described`.
    pub sut: String,
    /// Replication mode of the bundled cluster (`raft`, `paxos`, `gossip`).
    pub mode: String,
    /// Bugs switched on in the bundled cluster.
    pub bugs: Vec<String>,
    /// Workload name.
    pub workload: String,
    /// Seed of the operation schedule.
    pub seed: Option<u64>,
    /// Seconds the whole run took.
    pub elapsed_s: Option<f64>,
    /// Faults injected, by kind (`kill` → 2).
    pub injected: BTreeMap<String, u64>,
    /// Client operations per second in the main phase (or over the history
    /// when the run did not record the main phase's rate).
    pub ops_per_sec: f64,
    /// 99th-percentile latency of all completed operations, ms.
    pub p99_ms: Option<f64>,
    /// Each checker's verdict, in the run's order.
    pub checkers: Vec<(String, Validity)>,
}

/// Fields of results.json the index needs. Each part is read on its own
/// terms, so a results.json of another faultline version still lists.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ResultsHead {
    name: String,
    started: String,
    valid: Option<Validity>,
    seed: Option<u64>,
    elapsed_s: Option<f64>,
    #[serde(deserialize_with = "lenient")]
    stats: StatsHead,
    #[serde(deserialize_with = "lenient")]
    config: ConfigHead,
    #[serde(deserialize_with = "lenient")]
    faults: FaultsHead,
    #[serde(deserialize_with = "lenient")]
    verdicts: Vec<VerdictHead>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatsHead {
    invoked: u64,
    nemesis_events: u64,
    ops_per_sec: f64,
    main_ops_per_sec: f64,
    ops: Vec<OpHead>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OpHead {
    f: String,
    p99_ms: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
struct ConfigHead {
    sut: String,
    mode: String,
    bug: Vec<String>,
    workload: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FaultsHead {
    injected: BTreeMap<String, u64>,
}

#[derive(Deserialize)]
struct VerdictHead {
    checker: String,
    valid: Validity,
}

impl ResultsHead {
    fn details(&self) -> RunDetails {
        let ops_per_sec = if self.stats.main_ops_per_sec > 0.0 {
            self.stats.main_ops_per_sec
        } else {
            self.stats.ops_per_sec
        };
        RunDetails {
            sut: self.config.sut.clone(),
            mode: self.config.mode.clone(),
            bugs: self.config.bug.clone(),
            workload: self.config.workload.clone(),
            seed: self.seed,
            elapsed_s: self.elapsed_s,
            injected: self.faults.injected.clone(),
            ops_per_sec,
            p99_ms: self
                .stats
                .ops
                .iter()
                .find(|o| o.f == "total")
                .and_then(|o| o.p99_ms),
            checkers: self
                .verdicts
                .iter()
                .map(|v| (v.checker.clone(), v.valid))
                .collect(),
        }
    }
}

/// All runs under `root` (directories holding history.jsonl), newest first.
/// Symlinks are not followed, so `results/latest` does not list a run twice.
pub fn scan(root: &Path) -> Vec<RunEntry> {
    let mut dirs = Vec::new();
    find(root, 0, &mut dirs);
    let mut runs: Vec<RunEntry> = dirs.iter().filter_map(|d| entry(root, d)).collect();
    runs.sort_by(|a, b| b.started.cmp(&a.started).then_with(|| b.rel.cmp(&a.rel)));
    runs
}

fn find(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if out.len() >= MAX_RUNS {
        return;
    }
    if dir.join("history.jsonl").is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    if depth >= MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            find(&e.path(), depth + 1, out);
        }
    }
}

fn entry(root: &Path, dir: &Path) -> Option<RunEntry> {
    let rel: Vec<String> = dir
        .strip_prefix(root)
        .ok()?
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let rel = rel.join("/");
    let dir_name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let parent_name = dir
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned());
    let head: Option<ResultsHead> = std::fs::read_to_string(dir.join("results.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let details = head.as_ref().map(ResultsHead::details);
    let (name, started, valid, ops, faults) = match head {
        Some(h) => (
            if h.name.is_empty() {
                parent_name.clone().unwrap_or_default()
            } else {
                h.name
            },
            DateTime::parse_from_rfc3339(&h.started)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            h.valid,
            h.stats.invoked,
            h.stats.nemesis_events,
        ),
        None => {
            // No results.json: still running, or the harness died; count from the history.
            // A line at a time: a long run's history need not fit in memory.
            let (mut ops, mut faults) = (0u64, 0u64);
            for e in EventLines::open(&dir.join("history.jsonl"))
                .into_iter()
                .flatten()
                .map_while(Result::ok)
            {
                if e.process == ProcessId::Nemesis {
                    faults += 1;
                } else if e.kind == EventType::Invoke {
                    ops += 1;
                }
            }
            (
                parent_name.clone().unwrap_or_default(),
                None,
                None,
                ops,
                faults,
            )
        }
    };
    let started = started
        .or_else(|| dir_time(dir_name.as_deref()?))
        .or_else(|| {
            let m = std::fs::metadata(dir.join("history.jsonl"))
                .ok()?
                .modified()
                .ok()?;
            Some(DateTime::<Utc>::from(m))
        });
    Some(RunEntry {
        rel,
        name,
        started,
        valid,
        ops,
        faults,
        has_report: dir.join("report.html").is_file(),
        details,
    })
}

/// The time in a run directory's name (`YYYYMMDDTHHMMSSZ`, maybe with `-N`).
fn dir_time(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name.split('-').next()?;
    NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directory_timestamps() {
        let t = dir_time("20261123T111715Z-2").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-23T11:17:15+00:00");
        assert!(dir_time("latest").is_none());
    }
}
