//! `faultline run --mode gossip` end to end: real gossip nodes under
//! partitions and kills. The card must say what the mode is: not
//! linearizable, yet eventually consistent once the faults heal.

use crate::run_support::{
    bundled_run, client_events, history, newest_run_dir, output, phase_start, results_json, verdict,
};
use std::collections::BTreeSet;

/// A short gossip run of the register workload (unique values, so lost
/// writes can be named) with `extra` flags.
fn gossip_run(results: &std::path::Path, name: &str, extra: &[&str]) -> std::process::Output {
    let mut c = bundled_run(
        results,
        &[
            "--mode",
            "gossip",
            "--workload",
            "register",
            "--time-limit",
            "5",
            "--name",
            name,
        ],
    );
    c.args(extra);
    output(c)
}

#[test]
fn a_gossip_run_under_partitions_fails_linearizable_and_passes_eventual() {
    let tmp = tempfile::tempdir().unwrap();
    // Seed 1 shows stale reads in every run seen so far; up to three runs in
    // case a loaded machine hides them (the first invalid run stops the series).
    let out = gossip_run(
        tmp.path(),
        "gossip-card",
        &[
            "--nemesis",
            "partition",
            "--checker",
            "all",
            "--seed",
            "1",
            "--test-count",
            "3",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let dir = newest_run_dir(tmp.path(), "gossip-card");
    let r = results_json(&dir);
    assert_eq!(r["valid"], "invalid");
    assert_eq!(verdict(&r, "linearizable")["valid"], "invalid");
    assert_eq!(
        verdict(&r, "eventual")["valid"],
        "valid",
        "{}",
        verdict(&r, "eventual")
    );
    // Final reads: every key the run touched, read on every node, each attributed to it.
    let events = history(&dir);
    let final_start = phase_start(&r, "final-reads").unwrap();
    let finals: BTreeSet<(String, String)> = client_events(&events)
        .into_iter()
        .filter(|e| e["type"] == "ok" && e["time"].as_u64().unwrap() >= final_start)
        .map(|e| {
            (
                e["key"].as_str().unwrap().to_string(),
                e["node"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let keys: BTreeSet<&str> = finals.iter().map(|(k, _)| k.as_str()).collect();
    assert!(!keys.is_empty());
    for k in &keys {
        for node in ["n1", "n2", "n3"] {
            assert!(
                finals.contains(&(k.to_string(), node.to_string())),
                "no final read of {k} on {node}"
            );
        }
    }
}

#[test]
fn gossip_nodes_killed_with_sigkill_lose_no_acknowledged_write() {
    let tmp = tempfile::tempdir().unwrap();
    let out = gossip_run(
        tmp.path(),
        "gossip-kill",
        &["--nemesis", "kill", "--checker", "eventual", "--seed", "3"],
    );
    assert_eq!(out.status.code(), Some(0));
    let r = results_json(&newest_run_dir(tmp.path(), "gossip-kill"));
    let eventual = verdict(&r, "eventual");
    assert_eq!(eventual["valid"], "valid", "{eventual}");
    let kills = history(&newest_run_dir(tmp.path(), "gossip-kill"))
        .into_iter()
        .filter(|e| e["process"] == "nemesis" && e["f"] == "kill")
        .count();
    assert!(kills > 0, "the nemesis never killed a node");
}
