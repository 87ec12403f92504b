//! End to end: `faultline run --cache` against the bundled cluster under
//! partitions. The correct read cache keeps the history linearizable with no
//! stale read; `--bug cache-stale` is caught by the linearizability checker
//! and measured by the staleness checker.
//!
//! The register workload writes unique values, which the staleness checker
//! needs. The seed is pinned and its first fault asserted, so a change in how
//! schedules are drawn fails loudly; `--test-count 3` lets the buggy side try
//! seeds 1..3 so one unlucky timing does not fail CI.
//!
//! The two runs are serialized: each starts three nodes and a harness.

use crate::run_support::{
    bundled_run, history, newest_run_dir, output, results_json, run_dir, verdict,
};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

/// A partitioned register run through the cache, plus `extra`.
fn cache_run(results: &Path, name: &str, extra: &[&str]) -> Command {
    let mut c = bundled_run(
        results,
        &[
            "--name",
            name,
            "--cache",
            "--workload",
            "register",
            "--nemesis",
            "partition",
            "--time-limit",
            "8",
            "--seed",
            "1",
            "--checker",
            "linearizable,staleness",
        ],
    );
    c.args(extra);
    c
}

fn assert_partitioned(h: &[Value]) {
    assert!(
        h.iter()
            .any(|e| e["process"] == "nemesis" && e["f"] == "start-partition"),
        "seed 1 no longer partitions the cluster; pick a seed that does"
    );
}

#[test]
fn the_read_cache_stays_linearizable_under_partitions() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let out = output(cache_run(tmp.path(), "cache", &[]));
    let dir = run_dir(tmp.path(), "cache");
    let h = history(&dir);
    assert_partitioned(&h);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the correct cache must be valid"
    );
    let r = results_json(&dir);
    assert_eq!(verdict(&r, "linearizable")["valid"], "valid");
    let stale = verdict(&r, "staleness");
    assert_eq!(stale["details"]["stale_reads"], 0, "{stale}");
    assert!(
        stale["details"]["reads"].as_u64().unwrap() > 50,
        "too few reads to mean anything: {stale}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("read cache"));
}

#[test]
fn cache_stale_is_caught_by_linearizability_and_measured_by_staleness() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let out = output(cache_run(
        tmp.path(),
        "stale",
        &["--bug", "cache-stale", "--test-count", "3"],
    ));
    let dir = newest_run_dir(tmp.path(), "stale");
    assert_partitioned(&history(&dir));
    assert_eq!(
        out.status.code(),
        Some(1),
        "--bug cache-stale was not caught in 3 runs"
    );
    let r = results_json(&dir);
    assert_eq!(verdict(&r, "linearizable")["valid"], "invalid");
    let stale = verdict(&r, "staleness");
    assert!(
        stale["details"]["stale_reads"].as_u64().unwrap() >= 1,
        "staleness saw no stale read: {stale}"
    );
}
