//! `--balance`: which node each request goes to, read from the `node` field
//! of the recorded history (n1, n2, ... in endpoint order).

use crate::run_support::{
    StoreOptions, client_events, history, http_run, output, phase_start, results_json, run_dir,
    start_store,
};
use std::collections::BTreeMap;

/// Completions per node of a short run with `extra` flags; asserts the run was valid.
fn nodes_of(opts: StoreOptions, extra: &[&str]) -> (BTreeMap<String, usize>, usize) {
    let urls = start_store(opts);
    let tmp = tempfile::tempdir().unwrap();
    let mut args = vec!["--name", "b", "--time-limit", "1.5", "--rate", "300"];
    args.extend_from_slice(extra);
    let out = output(http_run(tmp.path(), &urls, &args));
    assert_eq!(out.status.code(), Some(0));
    let dir = run_dir(tmp.path(), "b");
    let h = history(&dir);
    // Final reads go to every node on purpose; the balancer chose the rest.
    let final_reads = phase_start(&results_json(&dir), "final-reads").unwrap_or(u64::MAX);
    let mut per_node = BTreeMap::new();
    let mut not_leader = 0;
    for e in client_events(&h) {
        if e["type"] == "invoke" || e["time"].as_u64().unwrap() >= final_reads {
            continue;
        }
        *per_node
            .entry(e["node"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
        if e["error"] == "not-leader" {
            not_leader += 1;
        }
    }
    (per_node, not_leader)
}

#[test]
fn random_uses_every_node() {
    let (n, _) = nodes_of(StoreOptions::good(3), &["--balance", "random"]);
    assert_eq!(n.len(), 3, "{n:?}");
    let total: usize = n.values().sum();
    assert!(n.values().all(|c| *c * 10 > total), "{n:?}");
}

#[test]
fn round_robin_spreads_evenly() {
    let (n, _) = nodes_of(StoreOptions::good(3), &["--balance", "round-robin"]);
    assert_eq!(n.len(), 3, "{n:?}");
    let (min, max) = (n.values().min().unwrap(), n.values().max().unwrap());
    // Turns are taken in order; only the operations in flight at the end differ.
    assert!(max - min <= 8, "{n:?}");
}

#[test]
fn weighted_follows_the_weights() {
    // Weights from the endpoint list would be `URL=3`; --weights sets them all at once.
    let (n, _) = nodes_of(
        StoreOptions::good(2),
        &["--balance", "weighted", "--weights", "3,1"],
    );
    let (n1, n2) = (n["n1"] as f64, n["n2"] as f64);
    let share = n1 / (n1 + n2);
    assert!((0.6..0.9).contains(&share), "{n:?}");
}

#[test]
fn leader_follows_not_leader_hints() {
    let opts = StoreOptions {
        leader_only: true,
        ..StoreOptions::good(3)
    };
    let (n, not_leader) = nodes_of(opts, &["--balance", "leader"]);
    let total: usize = n.values().sum();
    // Until the first hint arrives a few requests go elsewhere; then all to n1.
    assert!(n["n1"] * 10 >= total * 9, "{n:?}");
    assert!(not_leader <= 20, "{not_leader} not_leader answers in {n:?}");
    // Without the hints, random choice hits the followers two times in three.
    let opts = StoreOptions {
        leader_only: true,
        ..StoreOptions::good(3)
    };
    let (n, not_leader) = nodes_of(opts, &["--balance", "random"]);
    assert!(not_leader * 2 > n.values().sum::<usize>(), "{n:?}");
}
