//! `faultline run --sut etcd` against real local etcd members (the etcd binary
//! on the PATH; Debian package etcd-server): linearizable reads stay valid
//! under partitions and kills, serializable reads from a member cut off by a
//! partition are caught as stale; list-append and rw-register transactions
//! (one etcd Txn each) are strict-serializable under partitions and kills,
//! and read-only transactions with serializable reads are caught.

use crate::requirements::{Need, have};

use crate::run_support::{faultline, history, output, run_dirs};
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::sync::Mutex;

// Each run starts three etcd members; one run at a time keeps the timing
// of a 2-core machine out of the verdicts.
static SERIAL: Mutex<()> = Mutex::new(());

fn etcd_run(results: &Path, name: &str, extra: &[&str]) -> Output {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let mut c = faultline();
    c.args([
        "run",
        "--sut",
        "etcd",
        "--name",
        name,
        "--recovery-time",
        "2",
    ])
    .arg("--results-dir")
    .arg(results)
    .args(extra);
    output(c)
}

fn json_file(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn linearizable_reads_under_partitions_and_kills_are_valid() {
    if !have(
        Need::Etcd,
        "linearizable_reads_under_partitions_and_kills_are_valid",
    ) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = etcd_run(
        tmp.path(),
        "lin",
        &[
            "--nemesis",
            "partition,kill",
            "--nemesis-interval",
            "2",
            "--time-limit",
            "10",
            "--seed",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let dir = &run_dirs(tmp.path(), "lin")[0];
    assert_eq!(json_file(&dir.join("results.json"))["valid"], "valid");
    let h = history(dir);
    let faults: Vec<&str> = h
        .iter()
        .filter(|e| e["process"] == "nemesis")
        .filter_map(|e| e["f"].as_str())
        .collect();
    assert!(faults.contains(&"start-partition"), "{faults:?}");
    assert!(faults.contains(&"kill"), "{faults:?}");
    // Reads really observed written values, through etcd's base64 gateway.
    let valued_reads = h
        .iter()
        .filter(|e| e["type"] == "ok" && e["f"] == "read" && !e["value"].is_null())
        .count();
    assert!(valued_reads > 20, "{valued_reads} reads with a value");
    // Each member logged into the run directory.
    for n in ["n1", "n2", "n3"] {
        assert!(dir.join("nodes").join(n).join("log").exists(), "{n}");
    }
}

#[test]
fn serializable_reads_from_a_partitioned_member_are_caught() {
    if !have(
        Need::Etcd,
        "serializable_reads_from_a_partitioned_member_are_caught",
    ) {
        return;
    }
    // With three members every partition the nemesis draws cuts one member off
    // the majority (a bridge with the leader in the middle excepted); it keeps
    // answering serializable reads from its old state while the majority takes
    // new writes. Random balance sends a third of the reads to it. Repeated
    // (bounded) in case one run's draws miss.
    let tmp = tempfile::tempdir().unwrap();
    let out = etcd_run(
        tmp.path(),
        "ser",
        &[
            "--read-mode",
            "serializable",
            "--workload",
            "register",
            "--nemesis",
            "partition",
            "--nemesis-interval",
            "3",
            "--time-limit",
            "8",
            "--seed",
            "1",
            "--test-count",
            "3",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let dirs = run_dirs(tmp.path(), "ser");
    let dir = dirs.last().unwrap();
    let results = json_file(&dir.join("results.json"));
    assert_eq!(results["valid"], "invalid");
    assert_eq!(results["config"]["read-mode"], "serializable");
    // The counterexample is a read that cannot be placed: a stale value.
    let parts = results["verdicts"][0]["details"]["partitions"]
        .as_array()
        .unwrap();
    let stale = parts
        .iter()
        .filter_map(|p| p["counterexample"]["unplaceable"].as_array())
        .flatten()
        .any(|u| u["reason"].as_str().unwrap_or("").starts_with("read "));
    assert!(stale, "no unplaceable read in {parts:?}");
}

#[test]
fn a_missing_etcd_binary_says_how_to_install_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = faultline()
        .env("PATH", tmp.path())
        .args(["run", "--sut", "etcd", "--time-limit", "1"])
        .arg("--results-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("apt-get install -y etcd-server"),
        "{stderr}"
    );
    // Refused before anything was created: no stub results directory.
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn the_etcd_client_rejects_workloads_it_cannot_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = faultline()
        .args(["run", "--sut", "etcd", "--workload", "append"])
        .arg("--results-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("register, cas-register, kv, list-append and rw-register"),
        "{stderr}"
    );
    let out = faultline()
        .args(["run", "--read-mode", "serializable"])
        .arg("--results-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("--read-mode applies to"), "{stderr}");
}

/// The txn checker's verdict of a run.
fn txn_verdict(results: &Value) -> &Value {
    results["verdicts"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["checker"] == "txn"))
        .unwrap_or_else(|| panic!("no txn verdict in {results}"))
}

/// Whether the txn report rules `model` out.
fn ruled_out(txn: &Value, model: &str) -> bool {
    txn["details"]["models"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["model"] == model)
        .unwrap_or_else(|| panic!("no row for {model} in {txn}"))["ruled_out"]
        .as_bool()
        .unwrap_or(false)
}

#[test]
fn transactions_are_strict_serializable_under_partitions_and_kills() {
    if !have(
        Need::Etcd,
        "transactions_are_strict_serializable_under_partitions_and_kills",
    ) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for (workload, seed) in [("list-append", "1"), ("rw-register", "2")] {
        let out = etcd_run(
            tmp.path(),
            workload,
            &[
                "--workload",
                workload,
                "--nemesis",
                "partition,kill",
                "--nemesis-interval",
                "2",
                "--time-limit",
                "10",
                "--keys",
                "4",
                "--seed",
                seed,
            ],
        );
        let dir = &run_dirs(tmp.path(), workload)[0];
        let results = json_file(&dir.join("results.json"));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{workload}: {}",
            txn_verdict(&results)
        );
        assert_eq!(results["valid"], "valid", "{workload}");
        let txn = txn_verdict(&results);
        assert_eq!(txn["valid"], "valid", "{workload}: {txn}");
        assert!(!ruled_out(txn, "strict-serializable"), "{workload}: {txn}");
        let h = history(dir);
        let faults: Vec<&str> = h
            .iter()
            .filter(|e| e["process"] == "nemesis")
            .filter_map(|e| e["f"].as_str())
            .collect();
        assert!(
            faults.contains(&"start-partition"),
            "{workload}: {faults:?}"
        );
        assert!(faults.contains(&"kill"), "{workload}: {faults:?}");
        // What was judged: committed transactions that wrote, and reads that
        // saw what others wrote (through base64 and, for lists, JSON text).
        let ok: Vec<&Value> = h
            .iter()
            .filter(|e| e["type"] == "ok" && e["f"] == "txn")
            .collect();
        assert!(ok.len() > 100, "{workload}: {} committed", ok.len());
        let micro = || {
            ok.iter()
                .flat_map(|e| e["value"].as_array().into_iter().flatten())
        };
        let wrote = micro().filter(|m| m[0] == "append" || m[0] == "w").count();
        assert!(wrote > 50, "{workload}: {wrote} writes");
        let saw = micro()
            .filter(|m| m[0] == "r")
            .filter(|m| match workload {
                "list-append" => m[2].as_array().is_some_and(|l| l.len() > 1),
                _ => !m[2].is_null(),
            })
            .count();
        assert!(saw > 20, "{workload}: {saw} reads saw writes");
    }
}

#[test]
fn serializable_reads_in_transactions_break_strict_serializability_only() {
    if !have(
        Need::Etcd,
        "serializable_reads_in_transactions_break_strict_serializability_only",
    ) {
        return;
    }
    // Read-only Txns whose ranges are serializable are answered from the
    // member's own state; a member cut off by a partition serves an old
    // snapshot after newer appends completed elsewhere. Every snapshot is a
    // committed prefix, so the history stays serializable: only the
    // real-time (and process) order is broken. Appending Txns go through
    // Raft whatever the read mode (a stale pre-read fails its compare).
    // A stale read needs a read-only Txn at the cut-off member, on a key an
    // append completed at the majority before it: two keys, short request
    // timeouts (workers stuck on the cut-off member come back sooner) and
    // three partitions a run (one of each kind the schedule draws) made it
    // 6 of 6 seeds on a loaded 2-core machine, where one 3 s partition in an
    // 8 s run was 2 of 6. Repeated (bounded) in case one run still misses.
    let tmp = tempfile::tempdir().unwrap();
    let out = etcd_run(
        tmp.path(),
        "txn-ser",
        &[
            "--workload",
            "list-append",
            "--read-mode",
            "serializable",
            "--nemesis",
            "partition",
            "--nemesis-interval",
            "2",
            "--time-limit",
            "12",
            "--keys",
            "2",
            "--request-timeout",
            "0.5",
            "--seed",
            "1",
            "--test-count",
            "3",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let dirs = run_dirs(tmp.path(), "txn-ser");
    let results = json_file(&dirs.last().unwrap().join("results.json"));
    assert_eq!(results["valid"], "invalid");
    let txn = txn_verdict(&results);
    assert!(ruled_out(txn, "strict-serializable"), "{txn}");
    assert!(!ruled_out(txn, "serializable"), "{txn}");
    let summary = txn["summary"].as_str().unwrap_or("");
    assert!(summary.contains("realtime"), "{summary}");
}
