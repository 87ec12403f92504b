//! The process model and the generators end to end: process ids after
//! `info`, the same schedule from the same seed (also when repeated from a
//! run's `config.toml`), key distributions and the rate limit.

use crate::run_support::{
    StoreOptions, client_events, faultline, history, http_run, output, results_json, run_dir,
    start_store,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Invocations per worker, as (f, key without the run's prefix, value).
fn schedule(dir: &Path, concurrency: u64) -> BTreeMap<u64, Vec<(String, String, Value)>> {
    let r = results_json(dir);
    let prefix = r["key_prefix"].as_str().unwrap().to_string();
    // Only the generated operations: the final reads depend on timing.
    assert_eq!(r["phases"][1]["phase"], "main");
    let main_end = r["phases"][1]["end_ns"].as_u64().unwrap();
    let mut per_worker: BTreeMap<u64, Vec<(String, String, Value)>> = BTreeMap::new();
    for e in client_events(&history(dir)) {
        if e["type"] != "invoke" || e["time"].as_u64().unwrap() >= main_end {
            continue;
        }
        let worker = e["process"].as_u64().unwrap() % concurrency;
        let key = e["key"].as_str().unwrap();
        per_worker.entry(worker).or_default().push((
            e["f"].as_str().unwrap().to_string(),
            key.strip_prefix(prefix.as_str()).unwrap().to_string(),
            e["value"].clone(),
        ));
    }
    per_worker
}

/// True when, for every worker, the shorter sequence is a prefix of the longer.
fn same_schedule(
    a: &BTreeMap<u64, Vec<(String, String, Value)>>,
    b: &BTreeMap<u64, Vec<(String, String, Value)>>,
) -> bool {
    a.keys().eq(b.keys())
        && a.iter().all(|(w, xs)| {
            let ys = &b[w];
            let n = xs.len().min(ys.len());
            n > 10 && xs[..n] == ys[..n]
        })
}

#[test]
fn same_seed_same_schedule_also_from_the_recorded_config() {
    let urls = start_store(StoreOptions::good(2));
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, seed: &str| {
        let out = output(http_run(
            tmp.path(),
            &urls,
            &[
                "--name",
                name,
                "--time-limit",
                "1.5",
                "--rate",
                "200",
                "--concurrency",
                "4",
                "--key-dist",
                "zipf",
                "--per-key-limit",
                "20",
                "--seed",
                seed,
            ],
        ));
        assert_eq!(out.status.code(), Some(0));
        run_dir(tmp.path(), name)
    };
    let a = run("a", "99");
    let b = run("b", "99");
    let c = run("c", "100");
    assert!(same_schedule(&schedule(&a, 4), &schedule(&b, 4)));
    assert!(!same_schedule(&schedule(&a, 4), &schedule(&c, 4)));

    // The recorded config.toml repeats run `a`: same seed, same schedule.
    let out = output({
        let mut cmd = faultline();
        cmd.arg("run")
            .arg("--config")
            .arg(a.join("config.toml"))
            .args(["--name", "again", "--results-dir"])
            .arg(tmp.path());
        cmd
    });
    assert_eq!(out.status.code(), Some(0));
    let again = run_dir(tmp.path(), "again");
    assert_eq!(results_json(&again)["seed"], 99);
    assert_eq!(results_json(&again)["config"]["key-dist"], "zipf");
    assert!(same_schedule(&schedule(&a, 4), &schedule(&again, 4)));
}

#[test]
fn a_worker_continues_under_a_new_process_after_info() {
    // Every 15th request is answered after 1.5 s, past the 0.3 s timeout.
    let urls = start_store(StoreOptions {
        slow_every: Some(15),
        ..StoreOptions::good(1)
    });
    let tmp = tempfile::tempdir().unwrap();
    let concurrency = 3u64;
    let out = output(http_run(
        tmp.path(),
        &urls,
        &[
            "--name",
            "pm",
            "--time-limit",
            "3",
            "--rate",
            "100",
            "--concurrency",
            "3",
            "--request-timeout",
            "0.3",
        ],
    ));
    assert_eq!(
        out.status.code(),
        Some(0),
        "timeouts are info, not anomalies"
    );
    let h = history(&run_dir(tmp.path(), "pm"));
    let events = client_events(&h);
    let infos: Vec<&&Value> = events.iter().filter(|e| e["type"] == "info").collect();
    assert!(!infos.is_empty(), "no request timed out");
    for info in &infos {
        assert_eq!(info["error"], "timeout");
        let p = info["process"].as_u64().unwrap();
        let t = info["time"].as_u64().unwrap();
        // The crashed process never appears again...
        assert!(
            events
                .iter()
                .all(|e| e["process"] != p || e["time"].as_u64().unwrap() <= t),
            "process {p} reused after its info"
        );
        // ...and its worker goes on as p + concurrency.
        assert!(
            events.iter().any(|e| e["process"] == p + concurrency),
            "no process {} after {p}'s info",
            p + concurrency
        );
    }
    // At most one operation in flight per process.
    let mut open: BTreeMap<u64, bool> = BTreeMap::new();
    for e in &events {
        let p = e["process"].as_u64().unwrap();
        let invoking = e["type"] == "invoke";
        let was_open = open.insert(p, invoking).unwrap_or(false);
        assert_ne!(was_open, invoking, "process {p} at event {}", e["index"]);
    }
}

#[test]
fn zipf_makes_a_hot_key_and_the_rate_limit_holds() {
    let urls = start_store(StoreOptions::good(1));
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &urls,
        &[
            "--name",
            "z",
            "--time-limit",
            "2",
            "--rate",
            "100",
            "--keys",
            "8",
            "--key-dist",
            "zipf",
            "--per-key-limit",
            "0",
            "--key-prefix",
            "",
        ],
    ));
    assert_eq!(out.status.code(), Some(0));
    let dir = run_dir(tmp.path(), "z");
    let r = results_json(&dir);
    let h = history(&dir);
    let main = &r["phases"][1];
    assert_eq!(main["phase"], "main");
    let (start, end) = (
        main["start_ns"].as_u64().unwrap(),
        main["end_ns"].as_u64().unwrap(),
    );
    let mut per_key: BTreeMap<String, usize> = BTreeMap::new();
    let mut invoked = 0;
    for e in client_events(&h) {
        let t = e["time"].as_u64().unwrap();
        if e["type"] == "invoke" && (start..end).contains(&t) {
            invoked += 1;
            *per_key
                .entry(e["key"].as_str().unwrap().to_string())
                .or_insert(0) += 1;
        }
    }
    // 100 ops/s for 2 s; the pacer never runs ahead of its schedule (a
    // loaded machine can only make it slower).
    assert!(invoked <= 215, "{invoked} operations in 2 s at 100 ops/s");
    assert!(invoked >= 20, "{invoked}");
    // Harmonic weights over 8 keys: k0 gets ~37 %, k7 ~5 %.
    let k0 = per_key["k0"];
    assert!(k0 * 100 >= invoked * 20, "{per_key:?}");
    assert!(per_key.values().all(|n| *n <= k0), "{per_key:?}");
}
