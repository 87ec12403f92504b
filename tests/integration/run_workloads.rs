//! Every workload end to end: against a correct test-owned store it is
//! valid, against a store whose reads lag (not linearizable) its checker
//! catches the anomaly; and against the bundled cluster under faults.

use crate::run_support::{
    StoreOptions, bundled_run, client_events, history, http_run, output, results_json, run_dir,
    start_store,
};
use std::collections::BTreeSet;

/// Runs `workload` against a correct and a lagging store; returns nothing, asserts.
fn good_and_stale(workload: &str, functions: &[&str]) {
    let good = start_store(StoreOptions::good(2));
    let stale = start_store(StoreOptions {
        stale: true,
        ..StoreOptions::good(3)
    });
    let tmp = tempfile::tempdir().unwrap();
    let args = |name: &'static str| {
        vec![
            "--name",
            name,
            "--workload",
            workload,
            "--time-limit",
            "2.5",
            "--rate",
            "150",
            "--keys",
            "3",
            "--seed",
            "21",
        ]
    };
    let out = output(http_run(tmp.path(), &good, &args("good")));
    assert_eq!(out.status.code(), Some(0), "{workload} on a correct store");
    let dir = run_dir(tmp.path(), "good");
    let r = results_json(&dir);
    assert_eq!(r["valid"], "valid");
    assert_eq!(r["config"]["workload"], workload);
    // The workload's own operations, checked with its model.
    let h = history(&dir);
    let seen: BTreeSet<&str> = client_events(&h)
        .iter()
        .filter(|e| e["type"] == "ok")
        .filter_map(|e| e["f"].as_str())
        .collect();
    let want: BTreeSet<&str> = functions.iter().copied().collect();
    assert_eq!(seen, want, "{workload}");
    let summary = r["verdicts"][0]["summary"].as_str().unwrap();
    let model = match workload {
        "append" => "append-list",
        w => w,
    };
    assert!(summary.contains(&format!("({model} model)")), "{summary}");

    let out = output(http_run(tmp.path(), &stale, &args("stale")));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{workload}: lagging reads must be caught"
    );
    assert_eq!(
        results_json(&run_dir(tmp.path(), "stale"))["valid"],
        "invalid"
    );
}

#[test]
fn register_workload() {
    good_and_stale("register", &["read", "write"]);
}

#[test]
fn cas_register_workload() {
    good_and_stale("cas-register", &["cas", "read", "write"]);
}

#[test]
fn kv_workload() {
    good_and_stale("kv", &["cas", "read", "write"]);
}

#[test]
fn append_workload() {
    good_and_stale("append", &["append", "read"]);
}

#[test]
fn set_workload() {
    good_and_stale("set", &["add", "read"]);
}

#[test]
fn counter_workload() {
    good_and_stale("counter", &["incr", "read"]);
}

#[test]
fn set_workload_on_the_bundled_cluster_under_partitions_is_valid() {
    // A set (stored with appends) rather than an append list: appends that
    // come back `info` in a partition are open-ended, and the search over
    // their possible orders in a list can outgrow the check deadline on a
    // loaded machine; for a set only membership matters.
    let tmp = tempfile::tempdir().unwrap();
    let out = output(bundled_run(
        tmp.path(),
        &[
            "--workload",
            "set",
            "--time-limit",
            "5",
            "--nemesis",
            "partition",
            "--per-key-limit",
            "40",
        ],
    ));
    assert_eq!(out.status.code(), Some(0));
    let dir = run_dir(tmp.path(), "set");
    assert_eq!(results_json(&dir)["valid"], "valid");
    let h = history(&dir);
    assert!(h.iter().any(|e| e["process"] == "nemesis"));
    // Reads returned the elements added so far.
    assert!(client_events(&h).iter().any(|e| e["f"] == "read"
        && e["type"] == "ok"
        && e["value"].as_array().is_some_and(|l| !l.is_empty())));
}
