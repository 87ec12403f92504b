//! End-to-end: `faultline run --workload bank` on the bundled raft cluster
//! (one group and two shards behind the 2PC coordinator) under faults is
//! valid; a test-owned store that tears transfers, and the sharded cluster
//! with `--bug 2pc-no-prepare`, are caught (exit 1, the bank row invalid).
//!
//! The cluster runs are serialized: each starts several node processes, and
//! several at once on a small machine would only blur the timing.

use crate::run_support::{
    StoreOptions, bundled_run, faultline, history, http_run, newest_run_dir, output, results_json,
    run_dir, start_store,
};
use serde_json::Value;
use std::path::Path;
use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// The bank verdict of a run directory.
fn bank_verdict(dir: &Path) -> Value {
    let r = results_json(dir);
    let verdicts = r["verdicts"].as_array().expect("verdicts").clone();
    verdicts
        .into_iter()
        .find(|v| v["checker"] == "bank")
        .expect("a bank verdict")
}

/// Asserts the history's shape: the setup write first, then transfers and
/// whole-bank reads, some of each `ok`, and final reads after the last transfer.
fn assert_bank_history(dir: &Path) {
    let h = history(dir);
    let first = h
        .iter()
        .find(|e| e["process"].is_u64())
        .expect("client events");
    assert_eq!(first["f"], "write", "the setup write comes first: {first}");
    assert_eq!(first["value"].as_object().map(|m| m.len()), Some(8));
    let ok = |f: &str| {
        h.iter()
            .filter(|e| e["type"] == "ok" && e["f"] == f)
            .count()
    };
    assert!(ok("transfer") > 10, "{} ok transfers", ok("transfer"));
    assert!(ok("read") > 10, "{} ok reads", ok("read"));
    let last_transfer = h.iter().rposition(|e| e["f"] == "transfer").unwrap();
    let final_reads = h[last_transfer..]
        .iter()
        .filter(|e| e["type"] == "ok" && e["f"] == "read")
        .count();
    assert!(
        final_reads >= 1,
        "no whole-bank read after the last transfer"
    );
}

#[test]
fn bank_on_the_raft_cluster_stays_valid_under_partitions_and_kills() {
    let _serial = serial();
    let tmp = tempfile::tempdir().unwrap();
    let out = output(bundled_run(
        tmp.path(),
        &[
            "--workload",
            "bank",
            "--nemesis",
            "partition,kill",
            "--time-limit",
            "8",
            "--seed",
            "3",
        ],
    ));
    let dir = run_dir(tmp.path(), "bank");
    let v = bank_verdict(&dir);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["valid"], "valid");
    assert_bank_history(&dir);
    let nemesis = history(&dir)
        .iter()
        .filter(|e| e["process"] == "nemesis")
        .count();
    assert!(nemesis >= 2, "no fault was injected");
}

#[test]
fn a_store_that_tears_transfers_is_caught_and_faultline_check_agrees() {
    let urls = start_store(StoreOptions {
        torn_txns: true,
        ..StoreOptions::good(2)
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &urls,
        &["--workload", "bank", "--time-limit", "3", "--seed", "5"],
    ));
    assert_eq!(out.status.code(), Some(1));
    let dir = run_dir(tmp.path(), "bank");
    let v = bank_verdict(&dir);
    assert_eq!(v["valid"], "invalid", "{v}");
    let first = &v["details"]["violations"][0];
    assert_eq!(first["property"], "total-conserved", "{first}");
    assert!(first["read"]["index"].is_u64(), "{first}");
    let card = results_json(&dir);
    let summary = std::fs::read_to_string(dir.join("summary.txt")).unwrap();
    assert!(summary.contains("not the initial 800"), "{summary}");
    assert!(card["verdicts"].as_array().unwrap().len() == 1);

    // The recorded history alone gives the same verdict, bank chosen by itself.
    let mut check = faultline();
    check.arg("check").arg(dir.join("history.jsonl"));
    let out = output(check);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("bank"));
}

#[test]
fn a_store_that_acknowledges_a_transfer_it_never_applied_is_caught() {
    let urls = start_store(StoreOptions {
        // The setup is the first write; the 40th transfer after it is lost.
        lose_txn_every: Some(41),
        ..StoreOptions::good(2)
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &urls,
        &["--workload", "bank", "--time-limit", "2", "--seed", "5"],
    ));
    assert_eq!(out.status.code(), Some(1));
    let v = bank_verdict(&run_dir(tmp.path(), "bank"));
    let violations = v["details"]["violations"].as_array().unwrap();
    // Totals still hold: only the explanation of the balances finds it.
    assert!(
        violations
            .iter()
            .all(|x| x["property"] == "explained" || x["property"] == "acked-visible"),
        "{v}"
    );
    assert!(
        violations.iter().any(|x| x["property"] == "acked-visible"),
        "the final reads must show the lost transfer: {v}"
    );
}

#[test]
fn a_correct_http_store_is_valid() {
    let urls = start_store(StoreOptions::good(2));
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &urls,
        &["--workload", "bank", "--time-limit", "2", "--accounts", "8"],
    ));
    let dir = run_dir(tmp.path(), "bank");
    assert_eq!(out.status.code(), Some(0), "{}", bank_verdict(&dir));
    assert_bank_history(&dir);
}

#[test]
fn clients_without_transactions_are_refused_up_front() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = faultline();
    c.args(["run", "--workload", "bank", "--sut", "etcd"])
        .args(["--endpoints", "http://127.0.0.1:9"])
        .arg("--results-dir")
        .arg(tmp.path());
    let out = output(c);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("POST /txn"));
    let mut c = faultline();
    c.args(["run", "--workload", "bank", "--checker", "linearizable"])
        .arg("--results-dir")
        .arg(tmp.path());
    let out = output(c);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bank checker only"));
}

#[test]
fn bank_across_two_shards_stays_valid_under_partitions_and_kills() {
    let _serial = serial();
    let tmp = tempfile::tempdir().unwrap();
    let out = output(bundled_run(
        tmp.path(),
        &[
            "--workload",
            "bank",
            "--shards",
            "2",
            "--nemesis",
            "partition,kill",
            "--time-limit",
            "8",
            "--seed",
            "3",
        ],
    ));
    let dir = run_dir(tmp.path(), "bank");
    assert_eq!(out.status.code(), Some(0), "{}", bank_verdict(&dir));
    assert_bank_history(&dir);
    let served_by_c1 = history(&dir).iter().any(|e| e["node"] == "c1");
    assert!(served_by_c1, "the clients did not talk to the coordinator");
}

#[test]
fn two_phase_commit_without_prepare_is_caught() {
    let _serial = serial();
    let tmp = tempfile::tempdir().unwrap();
    let out = output(bundled_run(
        tmp.path(),
        &[
            "--workload",
            "bank",
            "--shards",
            "2",
            "--bug",
            "2pc-no-prepare",
            "--nemesis",
            "none",
            "--time-limit",
            "5",
            "--seed",
            "1",
            "--test-count",
            "3",
        ],
    ));
    assert_eq!(out.status.code(), Some(1));
    let v = bank_verdict(&newest_run_dir(tmp.path(), "bank"));
    assert_eq!(v["valid"], "invalid", "{v}");
}

#[test]
fn killing_the_coordinator_neither_creates_nor_destroys_money() {
    let _serial = serial();
    let tmp = tempfile::tempdir().unwrap();
    let mut c = faultline();
    // Seed 8 opens with a kill of a minority that includes c1.
    c.args([
        "run",
        "--workload",
        "bank",
        "--shards",
        "2",
        "--nemesis",
        "kill",
    ])
    .args([
        "--nemesis-interval",
        "1.5",
        "--time-limit",
        "6",
        "--seed",
        "8",
    ])
    .args(["--recovery-time", "2"])
    .arg("--results-dir")
    .arg(tmp.path());
    let out = output(c);
    let dir = run_dir(tmp.path(), "bank");
    let h = history(&dir);
    let killed_c1 = h.iter().any(|e| {
        e["process"] == "nemesis"
            && e["value"]["nodes"]
                .as_array()
                .is_some_and(|n| n.iter().any(|n| n == "c1"))
    });
    assert!(
        killed_c1,
        "the pinned schedule no longer kills the coordinator"
    );
    assert_eq!(out.status.code(), Some(0), "{}", bank_verdict(&dir));
    assert_bank_history(&dir);
}
