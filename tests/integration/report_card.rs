//! The consistency report card end to end: `faultline run --checker ...`
//! against the bundled cluster (real node processes, faults), and
//! `faultline check --checker ...` on a recorded history.

use crate::run_support::{faultline, newest_run_dir, output, results_json, run_dir, verdict};
use serde_json::Value;
use std::path::Path;
use std::process::Output;

/// A short bundled run of the register workload (unique values) with every checker.
fn card_run(results: &Path, name: &str, extra: &[&str]) -> Output {
    let mut c = faultline();
    c.args([
        "run",
        "--workload",
        "register",
        "--checker",
        "linearizable,sequential,session,eventual,staleness",
        "--time-limit",
        "8",
        "--recovery-time",
        "1",
        "--nemesis-interval",
        "1",
        "--name",
        name,
    ])
    .arg("--results-dir")
    .arg(results)
    .args(extra);
    output(c)
}

#[test]
fn a_raft_run_under_faults_passes_every_checker() {
    let tmp = tempfile::tempdir().unwrap();
    let out = card_run(tmp.path(), "raft-card", &[]);
    assert_eq!(out.status.code(), Some(0));
    let dir = run_dir(tmp.path(), "raft-card");
    let r = results_json(&dir);
    let names: Vec<&str> = r["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["checker"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "linearizable",
            "sequential",
            "session",
            "eventual",
            "staleness"
        ]
    );
    for n in names {
        assert_eq!(verdict(&r, n)["valid"], "valid", "{n}: {}", verdict(&r, n));
    }
    let session = &verdict(&r, "session")["details"]["guarantees"];
    assert_eq!(session.as_array().unwrap().len(), 4);
    assert_eq!(verdict(&r, "staleness")["details"]["stale_reads"], 0);
    // The card is in the summary: one row per model and session guarantee.
    let summary = std::fs::read_to_string(dir.join("summary.txt")).unwrap();
    for row in [
        "session: read-your-writes",
        "session: monotonic-reads",
        "session: monotonic-writes",
        "session: writes-follow-reads",
        "eventual",
        "staleness",
    ] {
        assert!(summary.contains(row), "{row} missing from\n{summary}");
    }
}

#[test]
fn a_stale_reads_run_fails_linearizable_with_a_witness() {
    let tmp = tempfile::tempdir().unwrap();
    let out = card_run(
        tmp.path(),
        "stale-card",
        // Whether stale reads land in one short run depends on scheduling:
        // up to four runs, the first invalid one stops it.
        &[
            "--bug",
            "stale-reads",
            "--nemesis",
            "partition",
            "--test-count",
            "4",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let dir = newest_run_dir(tmp.path(), "stale-card");
    let r = results_json(&dir);
    assert_eq!(r["valid"], "invalid");
    assert_eq!(verdict(&r, "linearizable")["valid"], "invalid");
    // Staleness only measures without limits.
    assert_eq!(verdict(&r, "staleness")["valid"], "valid");
    // The card row of linearizable carries the witness: a key and its
    // operations, named by the history events they span.
    let summary = std::fs::read_to_string(dir.join("summary.txt")).unwrap();
    let row = summary
        .lines()
        .find(|l| l.contains("linearizable") && l.contains("INVALID"))
        .unwrap_or_else(|| panic!("no invalid linearizable row in\n{summary}"));
    assert!(row.contains("key ") && row.contains("[events "), "{row}");
}

#[test]
fn an_unknown_checker_is_refused_before_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let mut c = faultline();
    c.args(["run", "--checker", "linearizable,bogus", "--results-dir"])
        .arg(tmp.path());
    let out = output(c);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bogus"));
    assert!(!tmp.path().join("cas-register").exists());
}

/// A history where p0 writes 1, p1 then reads the initial value (stale), and
/// the final read after the heal sees 1: sequential, session and eventual
/// hold, linearizability does not.
const STALE: &str = r#"{"index":0,"time":0,"process":0,"type":"invoke","f":"write","key":"x","value":1}
{"index":1,"time":1000000,"process":0,"type":"ok","f":"write","key":"x","value":1}
{"index":2,"time":2000000,"process":1,"type":"invoke","f":"read","key":"x","value":null}
{"index":3,"time":3000000,"process":1,"type":"ok","f":"read","key":"x","value":null}
{"index":4,"time":4000000,"process":"nemesis","type":"info","f":"stop-partition","value":null}
{"index":5,"time":5000000,"process":2,"type":"invoke","f":"read","key":"x","value":null}
{"index":6,"time":6000000,"process":2,"type":"ok","f":"read","key":"x","value":1,"node":"n1"}
"#;

fn check(args: &[&str]) -> (Option<i32>, String) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("h.jsonl");
    std::fs::write(&file, STALE).unwrap();
    let mut c = faultline();
    c.arg("check").arg(&file).args(args);
    let out = output(c);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn check_prints_a_card_for_the_named_checkers() {
    let (code, out) = check(&["--checker", "all"]);
    assert_eq!(code, Some(1));
    let row = |model: &str| {
        out.lines()
            .find(|l| l.contains(&format!("│ {model} ")))
            .unwrap_or_else(|| panic!("no row {model} in\n{out}"))
            .to_string()
    };
    assert!(row("linearizable").contains("INVALID"));
    assert!(row("linearizable").contains("key x"));
    assert!(row("sequential").contains("valid"));
    assert!(row("session: read-your-writes").contains("valid"));
    assert!(row("eventual").contains("valid"));
    assert!(row("staleness").contains("1 of 2 reads stale"));

    let (code, _) = check(&["--checker", "sequential,eventual"]);
    assert_eq!(code, Some(0));
    let (code, _) = check(&["--checker", "staleness", "--max-stale-versions", "0"]);
    assert_eq!(code, Some(1));
}

#[test]
fn check_card_as_json_and_bad_names() {
    let (code, out) = check(&["--checker", "session,eventual", "--json"]);
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], "valid");
    assert_eq!(v["verdicts"].as_array().unwrap().len(), 2);
    assert_eq!(v["card"]["rows"].as_array().unwrap().len(), 5);
    let (code, _) = check(&["--checker", "nonsense"]);
    assert_eq!(code, Some(3));
}
