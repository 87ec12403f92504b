//! The transactional workloads end to end: `faultline run --workload
//! list-append` / `rw-register` on the bundled raft cluster and on two shards
//! with two-phase commit, checked by the txn checker (Elle's method). The
//! correct cluster stays strict-serializable under partitions and kills;
//! each transactional bug is caught with the anomaly it produces.

use crate::run_support::{bundled_run, client_events, history, output, results_json, run_dirs};
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;
use std::sync::Mutex;

// Each run starts a cluster; one at a time keeps timing honest on 2 cores.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `faultline run` with `args`; returns the exit code and every run's results.json.
fn run(results: &Path, name: &str, args: &[&str]) -> (Option<i32>, Vec<Value>) {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let mut all = vec!["--name", name];
    all.extend_from_slice(args);
    let mut c = bundled_run(results, &all);
    c.stdin(Stdio::null());
    let out = output(c);
    let runs = run_dirs(results, name);
    (
        out.status.code(),
        runs.iter().map(|d| results_json(d)).collect(),
    )
}

/// The summaries of the txn checker's rows that are invalid.
fn invalid_rows(results: &Value) -> Vec<String> {
    results["verdicts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["valid"] == "invalid")
        .map(|v| format!("{}: {}", v["checker"], v["summary"]))
        .collect()
}

#[test]
fn list_append_on_raft_is_strict_serializable_under_partitions_and_kills() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, results) = run(
        tmp.path(),
        "la",
        &[
            "--workload",
            "list-append",
            "--nemesis",
            "partition,kill",
            "--time-limit",
            "10",
            "--seed",
            "3",
        ],
    );
    assert_eq!(code, Some(0), "{:?}", results.first().map(invalid_rows));
    let r = &results[0];
    assert_eq!(r["valid"], "valid");
    // What was checked: transactions, some with reads of non-empty lists.
    let dir = &run_dirs(tmp.path(), "la")[0];
    let events = history(dir);
    let ok: Vec<&Value> = client_events(&events)
        .into_iter()
        .filter(|e| e["type"] == "ok")
        .collect();
    assert!(ok.len() > 100, "only {} transactions committed", ok.len());
    assert!(ok.iter().all(|e| e["f"] == "txn"));
    assert!(
        ok.iter().any(|e| e["value"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|m| m[0] == "r" && m[2].as_array().is_some_and(|l| !l.is_empty()))),
        "no read saw an append"
    );
    let txn = r["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["checker"] == "txn")
        .expect("the txn checker judged the run");
    assert_eq!(txn["valid"], "valid", "{txn}");
}

#[test]
fn split_txn_is_caught_as_an_isolation_anomaly() {
    // Reads and writes committed as two log entries: other transactions
    // commit in between, so reads miss what the transaction's own writes
    // are ordered after.
    let tmp = tempfile::tempdir().unwrap();
    let (code, results) = run(
        tmp.path(),
        "split",
        &[
            "--workload",
            "list-append",
            "--bug",
            "split-txn",
            "--nemesis",
            "none",
            "--time-limit",
            "5",
            "--concurrency",
            "8",
            "--keys",
            "4",
            "--rate",
            "300",
            "--test-count",
            "3",
        ],
    );
    assert_eq!(code, Some(1), "split-txn was not caught");
    let last = results.last().unwrap();
    let rows = invalid_rows(last).join("\n");
    assert!(
        ["G-single", "G2-item", "lost-update", "internal"]
            .iter()
            .any(|a| rows.contains(a)),
        "{rows}"
    );
    assert!(rows.contains("strict-serializable ruled out"), "{rows}");
}

#[test]
fn rw_register_on_two_shards_is_valid_and_dirty_reads_are_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let shards = [
        "--shards",
        "2",
        "--nodes",
        "3",
        "--concurrency",
        "8",
        "--keys",
        "4",
        "--rate",
        "300",
    ];
    let mut correct = vec![
        "--workload",
        "rw-register",
        "--nemesis",
        "partition",
        "--time-limit",
        "8",
        "--seed",
        "2",
    ];
    correct.extend_from_slice(&shards);
    let (code, results) = run(tmp.path(), "rw", &correct);
    assert_eq!(code, Some(0), "{:?}", results.first().map(invalid_rows));

    // Read-only transactions answered from each shard's state with
    // undecided 2PC writes showing, through no lock and no log.
    let mut buggy = vec![
        "--workload",
        "list-append",
        "--bug",
        "dirty-reads",
        "--nemesis",
        "none",
        "--time-limit",
        "6",
        "--test-count",
        "3",
    ];
    buggy.extend_from_slice(&shards);
    let (code, results) = run(tmp.path(), "dirty", &buggy);
    assert_eq!(code, Some(1), "dirty-reads was not caught");
    let rows = invalid_rows(results.last().unwrap()).join("\n");
    assert!(rows.contains("strict-serializable ruled out"), "{rows}");
}
