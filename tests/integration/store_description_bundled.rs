//! The shipped description of the bundled cluster (`stores/bundled.toml`)
//! gives the same verdicts as the native client: response by response, and
//! end to end on real clusters with and without a stale-reads bug; its
//! `[txn]` table runs the list-append and rw-register workloads through
//! the cluster's `/txn` as a user's own transaction endpoint would.

use faultline_checkers::FailReason;
use faultline_checkers::{EventType, OpFn};
use faultline_workloads::Op;
use faultline_workloads::client::described::{self, Operation};
use faultline_workloads::client::{StoreDescription, classify_response, classify_txn};
use faultline_workloads::workload::Storage;
use faultline_workloads::workload::txn::micro_ops;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn bundled_toml() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("stores/bundled.toml")
}

fn op_spec<'a>(d: &'a StoreDescription, f: &OpFn) -> &'a Operation {
    match f {
        OpFn::Read => &d.read,
        OpFn::Write => d.write.as_ref().unwrap(),
        OpFn::Cas => d.cas.as_ref().unwrap(),
        _ => d.append.as_ref().unwrap(),
    }
}

#[test]
fn every_response_is_classified_as_the_native_client_does() {
    let d = StoreDescription::from_file(&bundled_toml()).unwrap();
    let bodies: [&[u8]; 6] = [
        br#"{"value":3}"#,
        br#"{"value":null}"#,
        br#"{"error":"not_leader","leader":"http://127.0.0.1:7002"}"#,
        br#"{"error":"precondition_failed"}"#,
        b"",
        b"garbage",
    ];
    let statuses = [
        200, 201, 204, 302, 400, 404, 408, 409, 429, 500, 502, 503, 504,
    ];
    let ops = [
        (OpFn::Read, Value::Null),
        (OpFn::Write, json!(4)),
        (OpFn::Cas, json!([1, 2])),
        (OpFn::Append, json!(9)),
    ];
    let mut compared = 0;
    for (f, arg) in &ops {
        for status in statuses {
            for body in bodies {
                let native = classify_response(f, arg, status, body).completion;
                let desc = described::classify(op_spec(&d, f), f, arg, status, body);
                let context = format!(
                    "{f} {status} {:?}: native {native:?}, described {desc:?}",
                    String::from_utf8_lossy(body)
                );
                // A read that did not come back ok has no effect either way;
                // the checker drops failed and unknown reads alike.
                let same_kind = native.kind == desc.kind
                    || (*f == OpFn::Read
                        && native.kind != EventType::Ok
                        && desc.kind != EventType::Ok);
                assert!(same_kind, "{context}");
                // What the checker keeps as an observation must agree exactly.
                let observes = |r: Option<FailReason>| r == Some(FailReason::CasMismatch);
                assert_eq!(observes(native.reason), observes(desc.reason), "{context}");
                if native.kind == EventType::Ok {
                    assert_eq!(native.value, desc.value, "{context}");
                }
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 4 * 13 * 6);
}

fn run(results: &Path, name: &str, store: bool, extra: &[&str]) -> (Option<i32>, Value) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_faultline"));
    c.args([
        "run",
        "--recovery-time",
        "1",
        "--nemesis-interval",
        "1",
        "--time-limit",
        "8",
        "--seed",
        "11",
        "--name",
        name,
    ])
    .arg("--results-dir")
    .arg(results)
    .args(extra);
    if store {
        c.arg("--store").arg(bundled_toml());
    }
    let out = c.output().unwrap();
    eprintln!(
        "{name}: stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The newest run (with --test-count, the one that decided the exit code).
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(results.join(name))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let dir = dirs.pop().unwrap();
    let results_json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    (out.status.code(), results_json)
}

#[test]
fn a_faulty_but_correct_cluster_is_valid_through_both_clients() {
    let tmp = tempfile::tempdir().unwrap();
    let (native, _) = run(tmp.path(), "native", false, &[]);
    let (desc, r) = run(tmp.path(), "described", true, &[]);
    assert_eq!(native, Some(0));
    assert_eq!(desc, Some(0));
    assert_eq!(r["valid"], "valid");
    assert!(
        r["config"]["store"]
            .as_str()
            .unwrap()
            .ends_with("bundled.toml")
    );
}

#[test]
fn stale_reads_are_caught_through_both_clients() {
    let tmp = tempfile::tempdir().unwrap();
    let bug = ["--bug", "stale-reads", "--nemesis", "partition"];
    let (native, _) = run(tmp.path(), "native", false, &bug);
    let (desc, r) = run(tmp.path(), "described", true, &bug);
    assert_eq!(native, Some(1));
    assert_eq!(desc, Some(1));
    assert_eq!(r["valid"], "invalid");
}

#[test]
fn every_txn_answer_is_classified_as_the_native_client_does() {
    let d = StoreDescription::from_file(&bundled_toml()).unwrap();
    let spec = d
        .txn
        .as_ref()
        .expect("stores/bundled.toml has a [txn] table");
    let ops = [
        (
            json!([["append", "x", 3], ["r", "x", null]]),
            Storage::List,
            [
                br#"{"results":[{"f":"append","key":"x","value":3},{"f":"read","key":"x","value":[1,3]}]}"#
                    as &[u8],
                br#"{"results":[{"f":"append","key":"x","value":3},{"f":"read","key":"x","value":null}]}"#,
            ],
        ),
        (
            json!([["w", "x", 3], ["r", "y", null]]),
            Storage::Register,
            [
                br#"{"results":[{"f":"write","key":"x","value":3},{"f":"read","key":"y","value":4}]}"#
                    as &[u8],
                br#"{"results":[{"f":"write","key":"x","value":3},{"f":"read","key":"y","value":null}]}"#,
            ],
        ),
    ];
    let others: [&[u8]; 8] = [
        br#"{"results":[{"f":"read","key":"x","value":1}]}"#,
        br#"{"error":"aborted","op":0,"key":"x","value":1}"#,
        br#"{"error":"locked"}"#,
        br#"{"error":"not_leader","leader":"http://127.0.0.1:7002"}"#,
        br#"{"error":"no_quorum"}"#,
        br#"{"error":"timeout"}"#,
        b"",
        b"garbage",
    ];
    let statuses = [
        200, 201, 204, 302, 400, 404, 408, 409, 429, 500, 502, 503, 504,
    ];
    let mut compared = 0;
    for (value, storage, ok_bodies) in &ops {
        let op = Op {
            f: OpFn::Txn,
            key: None,
            value: value.clone(),
        };
        let micro = micro_ops(value).unwrap();
        for status in statuses {
            for body in ok_bodies.iter().chain(others.iter()) {
                let native = classify_txn(&op, status, body, *storage).completion;
                let desc = spec.classify(&micro, status, body, *storage);
                let context = format!(
                    "{value} {status} {:?}: native {native:?}, described {desc:?}",
                    String::from_utf8_lossy(body)
                );
                assert_eq!(native.kind, desc.kind, "{context}");
                assert_eq!(native.reason, desc.reason, "{context}");
                if native.kind == EventType::Ok {
                    assert_eq!(native.value, desc.value, "{context}");
                }
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 2 * 13 * 10);
}

#[test]
fn transactions_through_the_description_are_valid_and_split_txn_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    for workload in ["list-append", "rw-register"] {
        let (code, r) = run(
            tmp.path(),
            workload,
            true,
            &["--workload", workload, "--keys", "4"],
        );
        assert_eq!(code, Some(0), "{workload}: {}", r["verdicts"]);
        assert_eq!(r["valid"], "valid", "{workload}");
        let txn = r["verdicts"]
            .as_array()
            .and_then(|v| v.iter().find(|v| v["checker"] == "txn"))
            .expect("the txn checker judged the run");
        assert_eq!(txn["valid"], "valid", "{workload}: {txn}");
        // Transactions committed and their reads were filled in.
        let summary = txn["summary"].as_str().unwrap_or("");
        assert!(summary.contains("committed"), "{summary}");
    }
    // Reads and writes of a transaction committed apart: caught through
    // the description as through the native client (tests/integration/txn_run.rs).
    let (code, r) = run(
        tmp.path(),
        "split",
        true,
        &[
            "--workload",
            "list-append",
            "--bug",
            "split-txn",
            "--nemesis",
            "none",
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
    assert_eq!(code, Some(1), "split-txn was not caught: {}", r["verdicts"]);
    assert_eq!(r["valid"], "invalid");
}
