//! End-to-end tests of `faultline run`: real processes, real HTTP on 127.0.0.1.
//!
//! The HTTP stores are served by this test process (faultline-cluster's
//! memory store on a background thread): a correct one, and one whose nodes
//! answer reads from a copy that lags the primary, which is deliberately not
//! linearizable.

use crate::run_support::{
    StoreOptions, bundled_run, client_events, faultline, history, http_run, newest_run_dir, output,
    results_json, run_dir, run_dirs, run_dirs_if_any, start_store, verdict, wait_exit,
    wait_for_history,
};
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;

#[test]
fn a_linearizable_http_store_is_valid() {
    let urls = start_store(StoreOptions::good(3));
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &urls,
        &[
            "--name",
            "good",
            "--time-limit",
            "3",
            "--seed",
            "7",
            "--rate",
            "200",
        ],
    ));
    assert_eq!(out.status.code(), Some(0));
    let dir = run_dir(tmp.path(), "good");
    let r = results_json(&dir);
    assert_eq!(r["valid"], "valid");
    assert_eq!(r["seed"], 7);
    let h = history(&dir);
    assert!(h.len() > 100, "only {} events", h.len());
    // Config records the seed, so the run can be repeated with --config.
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(config.contains("seed = 7"), "{config}");
    assert!(tmp.path().join("latest").join("results.json").exists());
    assert!(String::from_utf8_lossy(&out.stdout).contains("p99 ms"));
}

/// Before, a server answering every request `200 {"error":"unknown command"}`
/// had every operation recorded ok, and the run ended INVALID ("cas 2->2
/// succeeded but the register holds 3"): a false alarm from misread
/// answers. The probe refuses it before any load, saying what was sent,
/// what came back and what the protocol expects.
#[test]
fn a_store_speaking_another_protocol_is_refused_by_the_probe() {
    let urls = start_store(StoreOptions {
        foreign: true,
        ..StoreOptions::good(2)
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &urls,
        &["--name", "foreign", "--time-limit", "1"],
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    for part in [
        "endpoint n1",
        "faultline-probe-n1",
        "unknown command",
        "expected 2xx with {\"value\": ...}",
        "docs/cluster.md#http-api",
    ] {
        assert!(stderr.contains(part), "{part} missing from {stderr}");
    }
    // Refused before any load: no results directory is left behind.
    assert!(
        run_dirs_if_any(tmp.path(), "foreign").is_empty(),
        "a refused run left a results directory"
    );
}

/// A store without transactions is refused before a transactional
/// workload starts, rather than having every transaction recorded unknown.
#[test]
fn a_store_speaking_another_protocol_is_refused_by_the_txn_probe() {
    let urls = start_store(StoreOptions {
        foreign: true,
        ..StoreOptions::good(1)
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &urls,
        &[
            "--name",
            "foreign-txn",
            "--workload",
            "list-append",
            "--time-limit",
            "1",
        ],
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    for part in [
        "endpoint n1",
        "the transaction",
        "faultline-probe-txn-n1",
        "expected 2xx with {\"results\": [...]}",
    ] {
        assert!(stderr.contains(part), "{part} missing from {stderr}");
    }
    assert!(run_dirs_if_any(tmp.path(), "foreign-txn").is_empty());
}

/// The description of the test store's `POST /txn` (writes and reads) as
/// a user would write it; `value` is where a read's value is in its result.
fn txn_description(value: &str) -> String {
    format!(
        r#"
[read]
method = "GET"
url = "{{endpoint}}/kv/{{key}}"
value = "/value"
[[read.outcome]]
status = 200
result = "ok"
[[read.outcome]]
status = 404
result = "absent"

[write]
method = "PUT"
url = "{{endpoint}}/kv/{{key}}"
body = '{{"value": {{value}}}}'
[[write.outcome]]
status = 200
result = "ok"

[txn]
method = "POST"
url = "{{endpoint}}/txn"
body = '{{"ops": [{{ops}}]}}'
read = '{{"f": "read", "key": "{{key}}"}}'
write = '{{"f": "write", "key": "{{key}}", "value": {{value}}}}'
results = "/results"
value = "{value}"
[[txn.outcome]]
status = 200
pointer = "/results"
result = "ok"
[[txn.outcome]]
status = 409
result = "fail"
reason = "aborted"
"#
    )
}

#[test]
fn a_described_txn_endpoint_runs_rw_register_and_a_misfit_one_is_refused() {
    let urls = start_store(StoreOptions::good(2));
    let tmp = tempfile::tempdir().unwrap();
    let described = |name: &str, value: &str| {
        let file = tmp.path().join(format!("{name}.toml"));
        std::fs::write(&file, txn_description(value)).unwrap();
        let mut c = faultline();
        c.args(["run", "--sut", "described", "--nemesis", "none"])
            .args(["--recovery-time", "0.2", "--time-limit", "2", "--seed", "5"])
            .args(["--workload", "rw-register", "--keys", "3", "--name", name])
            .arg("--store")
            .arg(&file)
            .arg("--results-dir")
            .arg(tmp.path())
            .arg("--endpoints")
            .arg(urls.join(","));
        output(c)
    };
    let out = described("fits", "/value");
    assert_eq!(out.status.code(), Some(0));
    let r = results_json(&run_dir(tmp.path(), "fits"));
    assert_eq!(r["valid"], "valid");
    assert_eq!(verdict(&r, "txn")["valid"], "valid");
    let h = history(&run_dir(tmp.path(), "fits"));
    let read_values = client_events(&h)
        .into_iter()
        .filter(|e| e["type"] == "ok")
        .flat_map(|e| e["value"].as_array().cloned().unwrap_or_default())
        .filter(|m| m[0] == "r" && !m[2].is_null())
        .count();
    assert!(read_values > 10, "{read_values} reads saw a write");
    // A pointer that finds nothing in the store's results: the probe's
    // first transaction cannot be read, and the run is refused before load.
    let out = described("misfit", "/val");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("faultline-probe-txn-n1"), "{stderr}");
    assert!(stderr.contains("no value at \"/val\""), "{stderr}");
}

#[test]
fn a_stale_http_store_is_caught() {
    let urls = start_store(StoreOptions {
        stale: true,
        ..StoreOptions::good(3)
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &urls,
        &[
            "--name",
            "stale",
            "--workload",
            "register",
            "--time-limit",
            "4",
            "--rate",
            "150",
            "--keys",
            "3",
            "--seed",
            "3",
        ],
    ));
    assert_eq!(
        out.status.code(),
        Some(1),
        "a lagging replica must be caught"
    );
    let r = results_json(&run_dir(tmp.path(), "stale"));
    assert_eq!(r["valid"], "invalid");
    // Beyond the verdict table, the terminal explains the anomaly per key.
    let text = String::from_utf8_lossy(&out.stdout);
    let verdict_at = text.find("verdict: INVALID").unwrap();
    let table_end = text.rfind('┘').unwrap();
    assert!(
        text[table_end..verdict_at].contains("INVALID"),
        "no counterexample between the table and the verdict: {text}"
    );
}

#[test]
fn ctrl_c_mid_run_still_checks_what_was_recorded() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let urls = start_store(StoreOptions::good(1));
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = http_run(
        tmp.path(),
        &urls,
        &["--name", "int", "--time-limit", "60", "--rate", "100"],
    );
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until events are being recorded, then interrupt.
    let history = wait_for_history(tmp.path(), "int", |t| t.len() > 2000);
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let status = wait_exit(&mut child);
    assert_eq!(status.code(), Some(0), "the recorded part is valid");
    let dir = history.parent().unwrap();
    let r = results_json(dir);
    assert_eq!(r["interrupted"], true);
    let h = history_at(&history);
    assert!(!h.is_empty());
    // Every invoke has its completion: in-flight requests were allowed to finish.
    let invokes = h.iter().filter(|e| e["type"] == "invoke").count();
    assert_eq!(invokes * 2, h.len());
}

fn history_at(p: &Path) -> Vec<Value> {
    history(p.parent().unwrap())
}

#[test]
fn unknown_config_keys_are_errors_naming_file_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("bad.toml");
    std::fs::write(&cfg, "concurrency = 2\nconcurency = 3\n").unwrap();
    let out = output({
        let mut c = faultline();
        c.arg("run").arg("--config").arg(&cfg);
        c
    });
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("concurency"),
        "{err}"
    );
}

/// Before, `--endpoints` without `--sut` was ignored and a 23 s test of the
/// bundled cluster ran and passed: a pass for a system that was never tested.
#[test]
fn endpoints_without_a_sut_that_uses_them_are_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = output({
        let mut c = faultline();
        c.args(["run", "--endpoints", "http://127.0.0.1:9"])
            .arg("--results-dir")
            .arg(tmp.path());
        c
    });
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--endpoints applies to --sut http"), "{err}");
    assert!(
        std::fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "a refused run leaves no results directory"
    );
}

/// Before, options of another SUT, mode or workload were silently ignored
/// (`--mode paxos` against an HTTP store, `--fanout` without gossip, a
/// `lock-ttl-ms` in a config file of a register test).
#[test]
fn options_that_do_nothing_in_the_run_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("t.toml");
    std::fs::write(&config, "lock-ttl-ms = 50\n").unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "--sut",
                "http",
                "--endpoints",
                "http://127.0.0.1:9",
                "--nemesis",
                "none",
                "--mode",
                "paxos",
            ],
            "--mode does nothing in this run",
        ),
        (&["--fanout", "3"], "--fanout does nothing in this run"),
        (
            &["--config", config.to_str().unwrap()],
            "--lock-ttl-ms does nothing",
        ),
    ];
    for (args, want) in cases {
        let out = output({
            let mut c = faultline();
            c.arg("run")
                .args(args)
                .arg("--results-dir")
                .arg(tmp.path().join("results"));
            c
        });
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    assert!(
        !tmp.path().join("results").exists(),
        "a refused run left results"
    );
}

/// Before, `--nodes 100` under a low limit flooded the terminal with "Too
/// many open files" and ended "no leader elected"; now it is refused before
/// any node starts, saying how many descriptors the run needs.
#[test]
fn a_run_needing_more_open_files_than_the_limit_is_refused_up_front() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 300 && exec "$0" run --nodes 20 --results-dir "$1""#)
        .arg(env!("CARGO_BIN_EXE_faultline"))
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("open files") && err.contains("limit is 300"),
        "{err}"
    );
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none());
}

/// Before, a store that refused every cas passed a cas-register run on its
/// reads and writes alone (exit 0): Jepsen's stats rule makes an operation
/// type that never succeeded an unknown verdict, naming it.
#[test]
fn an_operation_type_that_never_succeeded_makes_the_run_unknown() {
    let urls = start_store(StoreOptions {
        refuse_cas: true,
        ..StoreOptions::good(1)
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = output({
        let mut c = faultline();
        c.args(["run", "--sut", "http", "--workload", "cas-register"])
            .args(["--endpoints", &urls.join(",")])
            .args([
                "--nemesis",
                "none",
                "--time-limit",
                "1",
                "--recovery-time",
                "0",
            ])
            .arg("--results-dir")
            .arg(tmp.path());
        c
    });
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("no cas (") && stdout.contains("never tested"),
        "{stdout}"
    );
}

/// Before, a kill command that failed stopped every later fault, yet the run
/// ended valid with exit 0 (the error only on stderr). Now it is a harness
/// error (exit 3) that the verdict table, results.json, junit.xml and
/// report.html name; heal starts no node (none was killed); and every
/// warning and error lands in faultline.log without colour codes.
#[test]
fn a_fault_that_fails_mid_run_is_a_harness_error_named_everywhere() {
    let urls = start_store(StoreOptions::good(1));
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store.toml");
    let bundled =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("stores/bundled.toml"))
            .unwrap();
    std::fs::write(
        &store,
        format!(
            "{bundled}\n[commands]\nkill = [\"sh\", \"-c\", \"echo no such host >&2; exit 7\"]\n\
             start = [\"true\"]\n"
        ),
    )
    .unwrap();
    let out = output({
        let mut c = faultline();
        c.args(["run", "--sut", "described", "--name", "broken"])
            .arg("--store")
            .arg(&store)
            .args(["--endpoints", &urls.join(",")])
            .args(["--nemesis", "kill", "--nemesis-interval", "0.3"])
            .args(["--time-limit", "1.5", "--recovery-time", "0.2"])
            .arg("--results-dir")
            .arg(tmp.path());
        c
    });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("harness error"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "colour codes on a redirected stderr: {stderr:?}"
    );
    let dir = run_dir(tmp.path(), "broken");
    let results = results_json(&dir);
    let faults = verdict(&results, "faults");
    assert_eq!(faults["valid"], "unknown", "{faults}");
    assert!(
        faults["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("a fault failed") && s.contains("no such host")),
        "{faults}"
    );
    assert_eq!(results["faults"]["injected"]["kill"], 0, "{results}");
    // The workload's own verdict is still there: the history was checked.
    assert_eq!(verdict(&results, "linearizable")["valid"], "valid");
    let summary = std::fs::read_to_string(dir.join("summary.txt")).unwrap();
    assert!(summary.contains("│ faults"), "{summary}");
    assert!(
        summary.contains("verdict: unknown, harness error (exit code 3)"),
        "{summary}"
    );
    for file in ["junit.xml", "report.html"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(text.contains("a fault failed"), "{file}: no fault failure");
    }
    // Nothing was killed, so nothing is started.
    let h = history(&dir);
    assert!(
        !h.iter()
            .any(|e| e["process"] == "nemesis" && e["f"] == "start"),
        "heal started a node that was never killed"
    );
    let log = std::fs::read_to_string(dir.join("faultline.log")).expect("faultline.log");
    assert!(
        log.contains("ERROR") && log.contains("no such host"),
        "{log}"
    );
    assert!(!log.contains('\u{1b}'), "{log:?}");
    // Each line is timestamped (RFC 3339, UTC).
    let first = log.lines().next().unwrap_or("");
    assert!(first.starts_with("20") && first.contains('T'), "{log}");
}

/// Before, `--sut http` dropped the default partition,kill with one warning
/// and passed; and a run too short for its fault interval injected nothing
/// while its title claimed faults. Both are refused before anything starts.
#[test]
fn faults_that_cannot_happen_are_refused_before_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = output({
        let mut c = faultline();
        c.args(["run", "--sut", "http", "--endpoints", "http://127.0.0.1:9"])
            .arg("--results-dir")
            .arg(tmp.path());
        c
    });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("--nemesis partition,kill,pause (the default) cannot run")
            && stderr.contains("--nemesis none"),
        "{stderr}"
    );
    let out = output({
        let mut c = faultline();
        c.args(["run", "--time-limit", "5", "--nemesis-interval", "5"])
            .arg("--results-dir")
            .arg(tmp.path());
        c
    });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    // Three kinds need three windows: at 5 s, 15 s (a combination, whose
    // second fault may find no kind left to pair with) and 27.5 s.
    assert!(
        stderr.contains("has room for 0 fault(s)") && stderr.contains("above 27.5 s"),
        "{stderr}"
    );
    // Room for one fault, but two kinds asked: one would never happen.
    let out = output({
        let mut c = faultline();
        c.args(["run", "--time-limit", "8", "--nemesis", "pause,kill"])
            .args(["--nemesis-interval", "5"])
            .arg("--results-dir")
            .arg(tmp.path());
        c
    });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("has room for 1 fault(s)"), "{stderr}");
    assert!(
        std::fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "a refused run left a results directory"
    );
}

#[test]
fn a_config_file_repeats_a_run() {
    let urls = start_store(StoreOptions::good(1));
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("t.toml");
    std::fs::write(
        &cfg,
        format!(
            "name = \"fromfile\"\nsut = \"http\"\nendpoints = [\"{}\"]\nnemesis = [\"none\"]\n\
             time-limit = 1\nrecovery-time = 0\nseed = 11\nworkload = \"append\"\nconcurrency = 2\n",
            urls[0]
        ),
    )
    .unwrap();
    let out = output({
        let mut c = faultline();
        c.arg("run")
            .arg("--config")
            .arg(&cfg)
            .arg("--results-dir")
            .arg(tmp.path());
        c
    });
    assert_eq!(out.status.code(), Some(0));
    let dir = run_dir(tmp.path(), "fromfile");
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(
        config.contains("seed = 11") && config.contains("workload = \"append\""),
        "{config}"
    );
    assert_eq!(results_json(&dir)["config"]["concurrency"], 2);
}

#[test]
fn a_default_bundled_run_under_faults_is_valid() {
    let tmp = tempfile::tempdir().unwrap();
    // The default faults every 1 s: windows at 1 s, 3 s (with a second
    // fault at 3.5 s if its kind pairs) and 5.5 s, so every kind of the
    // default partition,kill,pause; the next window would start at 7.5 s.
    let out = output({
        let mut c = faultline();
        c.args(["run", "--recovery-time", "1", "--time-limit", "7"])
            .arg("--results-dir")
            .arg(tmp.path());
        c
    });
    assert_eq!(out.status.code(), Some(0));
    let dir = run_dir(tmp.path(), "cas-register");
    assert_eq!(results_json(&dir)["valid"], "valid");
    let h = history(&dir);
    assert!(
        h.iter().any(|e| e["process"] == "nemesis"),
        "no fault was recorded"
    );
    assert!(h.iter().filter(|e| e["type"] == "ok").count() > 50);
    // A cas whose comparison failed is recorded as an observation, with its
    // arguments, and the checker counts it among the operations it checked.
    let mismatches: Vec<&Value> = h
        .iter()
        .filter(|e| e["type"] == "fail" && e["f"] == "cas")
        .filter(|e| e["error"] == "cas-mismatch")
        .collect();
    assert!(!mismatches.is_empty(), "no failed comparison in a cas run");
    for m in &mismatches {
        assert!(m["value"].as_array().is_some_and(|a| a.len() == 2), "{m}");
        assert!(
            m["detail"].as_str().is_some_and(|d| d.starts_with("409")),
            "{m}"
        );
    }
    let results = results_json(&dir);
    assert_eq!(
        results["stats"]["fail_reasons"]["cas-mismatch"].as_u64(),
        Some(mismatches.len() as u64)
    );
    // What the checker keeps: ok, failed comparisons, and writes/cas whose
    // outcome is unknown (an info, or an invoke the run's end cut off) —
    // but for those unknown ones no read could tell apart from never
    // having happened (a crashed cas from a value the key never held),
    // which it leaves out. So per key it checks at least the completed
    // ones (`certain`) and at most all of them (`observed`).
    let mut open = std::collections::HashMap::new();
    let mut observed: std::collections::BTreeMap<String, u64> = Default::default();
    let mut certain: std::collections::BTreeMap<String, u64> = Default::default();
    for e in h.iter().filter(|e| e["process"] != "nemesis") {
        let p = e["process"].as_u64().unwrap();
        let key = e["key"].as_str().unwrap_or_default().to_string();
        if e["type"] == "invoke" {
            open.insert(p, (key, e["f"].clone()));
            continue;
        }
        open.remove(&p);
        let completed = e["type"] == "ok" || (e["type"] == "fail" && e["error"] == "cas-mismatch");
        if completed {
            *certain.entry(key.clone()).or_default() += 1;
        }
        if completed || (e["type"] == "info" && e["f"] != "read") {
            *observed.entry(key).or_default() += 1;
        }
    }
    for (key, f) in open.values() {
        if *f != "read" {
            *observed.entry(key.clone()).or_default() += 1;
        }
    }
    let checked: std::collections::BTreeMap<String, u64> =
        verdict(&results, "linearizable")["details"]["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["key"].as_str().unwrap_or_default().to_string(),
                    p["ops"].as_u64().unwrap(),
                )
            })
            .collect();
    let differing: Vec<String> = observed
        .iter()
        .filter(|(k, n)| {
            let least = certain.get(*k).copied().unwrap_or(0);
            !checked.get(*k).is_some_and(|c| least <= *c && c <= *n)
        })
        .map(|(k, n)| {
            let events: Vec<String> = h
                .iter()
                .filter(|e| e["key"] == k.as_str())
                .map(|e| e.to_string())
                .collect();
            format!(
                "{k}: {:?} completed, {n} observed, {:?} checked; its events:\n{}",
                certain.get(k),
                checked.get(k),
                events.join("\n")
            )
        })
        .collect();
    assert!(
        differing.is_empty() && observed.len() == checked.len(),
        "the checker must keep failed cas ({} mismatches) in {}: {}",
        mismatches.len(),
        dir.display(),
        differing.join("\n")
    );
    // Every requested kind happened, and the coverage says where it struck
    // (with a 0 for each target the rounds hold that this short run missed)
    // and which faults overlapped.
    let faults = &results["faults"];
    let mut injected = 0;
    for kind in ["kill", "partition", "pause"] {
        let n = faults["injected"][kind].as_u64().unwrap();
        assert!(n >= 1, "no {kind}: {faults}");
        injected += n;
    }
    let targets = faults["targets"].as_object().unwrap();
    assert_eq!(
        targets.values().filter_map(Value::as_u64).sum::<u64>(),
        injected,
        "{faults}"
    );
    // A leader fault while an election is still running (slow on a loaded
    // machine) falls back to a random node and is listed under its own
    // "(fell back to random)" label, besides the planned ten.
    let planned = targets.keys().filter(|k| !k.contains("(fell back")).count();
    assert_eq!(planned, 10, "every planned target listed: {faults}");
    assert!(targets.keys().any(|k| k.starts_with("kill ")), "{faults}");
    // 3 faults, or 4 when the second window's second fault found a kind
    // that pairs: then one combination.
    let combined: u64 = faults["combinations"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(combined, injected - 3, "{faults}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("faults: "),
        "no fault line in the summary"
    );
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        report.contains("faults injected"),
        "no fault coverage in the report"
    );
    // Node logs live in the run directory.
    assert!(dir.join("nodes/n1/log").exists());
    // Not a terminal: a plain progress line on stderr, with counts and the fault.
    let err = String::from_utf8_lossy(&out.stderr);
    let progress = err
        .lines()
        .find(|l| l.starts_with("[main "))
        .unwrap_or_else(|| panic!("no progress line in {err}"));
    for part in [
        "/7 s]",
        "ops/s (avg ",
        "ok ",
        "fail ",
        " expected + ",
        " unavailable",
        "info ",
        "fault: ",
    ] {
        assert!(progress.contains(part), "{progress}");
    }
    // The summary: a row per operation type with latency quantiles, the verdict.
    let text = String::from_utf8_lossy(&out.stdout);
    for part in [
        "│ cas ",
        "│ read ",
        "│ write ",
        "p50 ms",
        "p99 ms",
        "fail reasons: cas-mismatch ",
        "verdict: valid",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
    phases_are_in_order(&dir);
}

/// The phases in results.json come in docs/DESIGN.md's order, faults happen
/// before recovery, and the final reads read every key after it.
fn phases_are_in_order(dir: &Path) {
    let r = results_json(dir);
    let phases = r["phases"].as_array().unwrap();
    let names: Vec<&str> = phases
        .iter()
        .map(|p| p["phase"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["setup", "main", "heal", "recovery", "final-reads", "check"]
    );
    let start = |name: &str| {
        phases.iter().find(|p| p["phase"] == name).unwrap()["start_ns"]
            .as_u64()
            .unwrap()
    };
    let (recovery, final_reads) = (start("recovery"), start("final-reads"));
    // One second of recovery was asked for.
    assert!(final_reads - recovery >= 900_000_000, "{phases:?}");
    let h = history(dir);
    let time = |e: &Value| e["time"].as_u64().unwrap();
    assert!(
        h.iter()
            .filter(|e| e["process"] == "nemesis")
            .all(|e| time(e) < recovery),
        "a fault after the heal"
    );
    // The last nemesis event is a heal.
    let last = h.iter().rev().find(|e| e["process"] == "nemesis").unwrap();
    assert!(
        ["stop-partition", "start", "resume"].contains(&last["f"].as_str().unwrap()),
        "{last}"
    );
    let late: Vec<&Value> = client_events(&h)
        .into_iter()
        .filter(|e| time(e) >= final_reads)
        .collect();
    assert!(
        late.iter().all(|e| e["f"] == "read"),
        "only reads at the end"
    );
    let keys: std::collections::BTreeSet<&str> = client_events(&h)
        .iter()
        .filter_map(|e| e["key"].as_str())
        .collect();
    let read_late: std::collections::BTreeSet<&str> = late
        .iter()
        .filter(|e| e["type"] == "invoke")
        .filter_map(|e| e["key"].as_str())
        .collect();
    assert_eq!(read_late, keys, "every key is read after recovery");
    assert!(late.iter().any(|e| e["type"] == "ok"));
}

#[test]
fn stale_reads_in_the_bundled_cluster_are_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let out = output(bundled_run(
        tmp.path(),
        &[
            "--time-limit",
            "6",
            "--bug",
            "stale-reads",
            "--nemesis",
            "partition",
            "--name",
            "stale-reads",
            // Whether stale reads land in one short run depends on
            // scheduling: up to four runs, the first invalid one stops it.
            "--test-count",
            "4",
        ],
    ));
    assert_eq!(out.status.code(), Some(1));
    let newest = newest_run_dir(tmp.path(), "stale-reads");
    assert_eq!(results_json(&newest)["valid"], "invalid");
}

#[test]
fn test_count_repeats_with_consecutive_seeds() {
    let urls = start_store(StoreOptions::good(1));
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &urls,
        &[
            "--name",
            "rep",
            "--time-limit",
            "1",
            "--test-count",
            "2",
            "--seed",
            "5",
        ],
    ));
    assert_eq!(out.status.code(), Some(0));
    let mut seeds: Vec<u64> = std::fs::read_dir(tmp.path().join("rep"))
        .unwrap()
        .map(|e| results_json(&e.unwrap().path())["seed"].as_u64().unwrap())
        .collect();
    seeds.sort();
    assert_eq!(seeds, vec![5, 6]);
}

#[test]
fn test_count_stops_at_the_first_invalid_run() {
    let urls = start_store(StoreOptions {
        stale: true,
        ..StoreOptions::good(3)
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &urls,
        &[
            "--name",
            "series",
            "--workload",
            "register",
            "--time-limit",
            "3",
            "--rate",
            "150",
            "--keys",
            "3",
            "--test-count",
            "3",
            "--seed",
            "3",
        ],
    ));
    assert_eq!(out.status.code(), Some(1));
    let dirs = run_dirs(tmp.path(), "series");
    assert_eq!(dirs.len(), 1, "no run after the invalid one: {dirs:?}");
    assert_eq!(results_json(&dirs[0])["valid"], "invalid");
}

#[test]
fn a_store_that_never_answers_is_unknown_not_valid() {
    // A port nothing listens on: every request is refused, nothing is tested.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tmp = tempfile::tempdir().unwrap();
    let out = output(http_run(
        tmp.path(),
        &[format!("http://127.0.0.1:{port}")],
        &["--name", "down", "--time-limit", "1", "--rate", "50"],
    ));
    assert_eq!(out.status.code(), Some(2));
    let r = results_json(&run_dir(tmp.path(), "down"));
    assert_eq!(r["valid"], "unknown");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("nothing was tested"),
        "the summary says why"
    );
}

#[test]
fn cluster_flags_reach_the_bundled_cluster() {
    let tmp = tempfile::tempdir().unwrap();
    let out = output(bundled_run(
        tmp.path(),
        &[
            "--name",
            "five",
            "--nodes",
            "5",
            "--mode",
            "raft",
            "--nemesis",
            "none",
            "--time-limit",
            "2",
            "--balance",
            "round-robin",
        ],
    ));
    assert_eq!(out.status.code(), Some(0));
    let dir = run_dir(tmp.path(), "five");
    let r = results_json(&dir);
    assert_eq!(r["nodes"].as_array().unwrap().len(), 5, "{}", r["nodes"]);
    for n in 1..=5 {
        assert!(dir.join(format!("nodes/n{n}/log")).exists());
    }
    // Round-robin over five nodes: every node served.
    let h = history(&dir);
    let served: std::collections::BTreeSet<&str> =
        h.iter().filter_map(|e| e["node"].as_str()).collect();
    assert_eq!(served.len(), 5, "{served:?}");
}

/// On a terminal the progress is a bar per phase, redrawn in place: run
/// under a pseudo-terminal (`script`, util-linux) as a person would.
#[test]
fn on_a_terminal_progress_is_a_bar_per_phase() {
    if !std::path::Path::new("/usr/bin/script").exists() {
        println!(
            "skipped on_a_terminal_progress_is_a_bar_per_phase: no /usr/bin/script (util-linux)"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cmd = format!(
        "{} run --name tty --results-dir {} --nemesis kill --nemesis-interval 1 \
         --time-limit 4 --recovery-time 2",
        env!("CARGO_BIN_EXE_faultline"),
        tmp.path().display()
    );
    let out = std::process::Command::new("/usr/bin/script")
        .args(["-qfec", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{screen}");
    for part in [
        "main [",
        "/4 s ",
        "ops/s (avg ",
        "recovery [",
        "no load while the system recovers",
        "fault: kill ",
        "verdict: valid",
    ] {
        assert!(
            screen.contains(part),
            "{part:?} missing from the screen:\n{screen}"
        );
    }
}
