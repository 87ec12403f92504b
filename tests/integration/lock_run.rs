//! End-to-end: `faultline run --workload lock` against the bundled cluster.
//! The correct service stays valid under partitions and kills; each lock
//! bug is caught by the lock checker within a bounded run, and the same
//! history read back with `faultline check --checker lock` is invalid too.
//!
//! The buggy runs pin a seed that showed the anomaly and allow
//! `--test-count 3` (seed, seed+1, seed+2), so a run whose pauses happen to
//! line up harmlessly on a loaded machine does not fail CI. Runs are
//! serialized: each starts three nodes.

use crate::run_support::{bundled_run, faultline, history, newest_run_dir, output, results_json};
use serde_json::Value;
use std::path::Path;
use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// A lock run on one lock at a time (every worker contends), plus `extra`.
fn lock_run(results: &Path, name: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--name", name, "--workload", "lock", "--keys", "1"];
    args.extend_from_slice(extra);
    output(bundled_run(results, &args))
}

/// The lock verdict of a run directory.
fn lock_verdict(dir: &Path) -> Value {
    let r = results_json(dir);
    let verdicts = r["verdicts"].as_array().cloned().unwrap_or_default();
    verdicts
        .into_iter()
        .find(|v| v["checker"] == "lock")
        .unwrap_or_else(|| panic!("no lock verdict in {r}"))
}

fn violation_kinds(verdict: &Value) -> Vec<String> {
    verdict["details"]["violations"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .filter_map(|v| v["kind"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs with `bug` (up to three seeds), expects exit 1 with a violation of
/// `kind`, and the same verdict from `faultline check` on the history.
fn bug_is_caught(bug: &str, seed: &str, kind: &str) {
    let _guard = serial();
    let results = tempfile::tempdir().unwrap();
    let out = lock_run(
        results.path(),
        bug,
        &[
            "--bug",
            bug,
            "--nemesis",
            "none",
            "--time-limit",
            "8",
            "--seed",
            seed,
            "--test-count",
            "3",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{bug} was not caught");
    let dir = newest_run_dir(results.path(), bug);
    let verdict = lock_verdict(&dir);
    assert_eq!(verdict["valid"], "invalid");
    let kinds = violation_kinds(&verdict);
    assert!(kinds.iter().any(|k| k == kind), "{bug}: {kinds:?}");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains(&format!("[{kind}]")),
        "the summary lists the violations"
    );
    // Named or not, `check` judges a lock history with the lock checker.
    for flags in [&["--checker", "lock"][..], &[]] {
        let check = output({
            let mut c = faultline();
            c.arg("check").arg(dir.join("history.jsonl")).args(flags);
            c
        });
        assert_eq!(check.status.code(), Some(1), "check {flags:?}");
        let text = String::from_utf8_lossy(&check.stdout);
        assert!(text.contains("lock"), "{text}");
    }
}

#[test]
fn the_correct_lock_service_is_valid_under_partitions_and_kills() {
    let _guard = serial();
    let results = tempfile::tempdir().unwrap();
    let out = lock_run(
        results.path(),
        "lock-ok",
        &[
            "--nemesis",
            "partition,kill",
            "--time-limit",
            "10",
            "--seed",
            "1",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "a correct lock run must be valid"
    );
    let dir = newest_run_dir(results.path(), "lock-ok");
    let verdict = lock_verdict(&dir);
    assert_eq!(verdict["valid"], "valid", "{verdict}");
    let h = history(&dir);
    let count = |f: &str, kind: &str| {
        h.iter()
            .filter(|e| e["f"] == f && e["type"] == kind && e["process"].is_u64())
            .count()
    };
    assert!(count("acquire", "ok") >= 10, "too few grants");
    assert!(count("write", "ok") >= 5, "too few resource writes");
    let faults = h.iter().filter(|e| e["process"] == "nemesis").count();
    assert!(faults >= 2, "the nemesis never acted");
    // Pauses happened, and the clients' lease check or fencing stopped the
    // stale writes: fewer writes than grants.
    assert!(count("write", "invoke") < count("acquire", "ok"));
}

/// A lock run under clock faults only, with `extra` flags.
fn clock_run(results: &Path, name: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--nemesis", "clock", "--time-limit", "8", "--seed", "1"];
    args.extend_from_slice(extra);
    lock_run(results, name, &args)
}

/// Clock faults happened, and each was reset: skews as `start-clock` and
/// resets as `stop-clock` in the history, and as the clock kind in results.json.
fn assert_clock_faults(dir: &Path) {
    let h = history(dir);
    let nemesis = |f: &str| {
        h.iter()
            .filter(|e| e["process"] == "nemesis" && e["f"] == f)
            .count()
    };
    assert!(nemesis("start-clock") >= 2, "too few clock faults");
    assert_eq!(
        nemesis("stop-clock"),
        nemesis("start-clock"),
        "every skew reset"
    );
    let r = results_json(dir);
    assert!(r["faults"]["injected"]["clock"].as_u64() >= Some(2), "{r}");
}

#[test]
fn the_correct_lock_service_is_valid_under_clock_faults() {
    let _guard = serial();
    let results = tempfile::tempdir().unwrap();
    let out = clock_run(results.path(), "lock-clock-ok", &[]);
    let dir = newest_run_dir(results.path(), "lock-clock-ok");
    let verdict = lock_verdict(&dir);
    assert_eq!(out.status.code(), Some(0), "{verdict}");
    assert_eq!(verdict["valid"], "valid", "{verdict}");
    assert_clock_faults(&dir);
}

/// Leases on the leader's wall clock: a clock stepped ahead hands out a
/// lock that is still held (two holders), while the fencing tokens keep
/// every stale write from landing over a newer one (nothing overwritten).
#[test]
fn lease_wall_clock_is_caught_and_fencing_still_holds() {
    let _guard = serial();
    let results = tempfile::tempdir().unwrap();
    let out = clock_run(
        results.path(),
        "lease-wall-clock",
        &["--bug", "lease-wall-clock", "--test-count", "3"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "lease-wall-clock was not caught"
    );
    let dir = newest_run_dir(results.path(), "lease-wall-clock");
    let verdict = lock_verdict(&dir);
    assert_eq!(verdict["valid"], "invalid");
    let kinds = violation_kinds(&verdict);
    assert!(kinds.iter().any(|k| k == "two-holders"), "{kinds:?}");
    assert!(!kinds.iter().any(|k| k == "overwritten"), "{kinds:?}");
    assert_clock_faults(&dir);
}

#[test]
fn lock_no_fencing_is_caught() {
    bug_is_caught("lock-no-fencing", "1", "overwritten");
}

#[test]
fn lease_ignores_pause_is_caught() {
    bug_is_caught("lease-ignores-pause", "1", "stale-write");
}
