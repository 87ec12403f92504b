//! `faultline run --mode paxos` end to end: real Paxos node processes under
//! partitions and kills, checked by every checker.

use crate::run_support::{bundled_run, history, output, results_json, run_dir};
use serde_json::Value;

#[test]
fn a_paxos_run_under_partitions_and_kills_passes_every_checker() {
    let tmp = tempfile::tempdir().unwrap();
    let out = output(bundled_run(
        tmp.path(),
        &[
            "--mode",
            "paxos",
            "--workload",
            "register",
            "--nemesis",
            "partition,kill",
            "--checker",
            "all",
            "--time-limit",
            "8",
            "--name",
            "paxos-card",
        ],
    ));
    assert_eq!(out.status.code(), Some(0));
    let dir = run_dir(tmp.path(), "paxos-card");
    let r = results_json(&dir);
    assert_eq!(r["config"]["mode"], "paxos");
    let verdicts = r["verdicts"].as_array().unwrap();
    let names: Vec<&str> = verdicts
        .iter()
        .map(|v| v["checker"].as_str().unwrap())
        .collect();
    for want in [
        "linearizable",
        "sequential",
        "session",
        "eventual",
        "staleness",
    ] {
        assert!(names.contains(&want), "no {want} verdict in {names:?}");
    }
    for v in verdicts {
        assert_eq!(v["valid"], "valid", "{v}");
    }
    // Faults really happened, and operations completed despite them.
    let events = history(&dir);
    let faults: Vec<&Value> = events
        .iter()
        .filter(|e| e["process"] == "nemesis" && e["f"] != "stop-partition" && e["f"] != "start")
        .collect();
    assert!(!faults.is_empty(), "no fault was injected");
    let oks = events
        .iter()
        .filter(|e| e["process"].is_u64() && e["type"] == "ok")
        .count();
    assert!(oks > 50, "only {oks} operations succeeded");
}

#[test]
fn a_paxos_cas_run_is_linearizable() {
    let tmp = tempfile::tempdir().unwrap();
    let out = output(bundled_run(
        tmp.path(),
        &[
            "--mode",
            "paxos",
            "--workload",
            "cas-register",
            "--nemesis",
            "kill",
            "--checker",
            "linearizable,sequential,eventual",
            "--time-limit",
            "6",
            "--name",
            "paxos-cas",
        ],
    ));
    assert_eq!(out.status.code(), Some(0));
    let r = results_json(&run_dir(tmp.path(), "paxos-cas"));
    for v in r["verdicts"].as_array().unwrap() {
        assert_eq!(v["valid"], "valid", "{v}");
    }
    let cas_ok = history(&run_dir(tmp.path(), "paxos-cas"))
        .iter()
        .filter(|e| e["f"] == "cas" && e["type"] == "ok")
        .count();
    assert!(cas_ok > 0, "no cas succeeded");
}

#[test]
fn raft_bugs_are_refused_in_paxos_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let out = output(bundled_run(
        tmp.path(),
        &[
            "--mode",
            "paxos",
            "--bug",
            "early-ack",
            "--time-limit",
            "1",
            "--nemesis",
            "none",
        ],
    ));
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("early-ack is a Raft bug"), "{stderr}");
}
