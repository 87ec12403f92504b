//! The shipped description of the bundled cluster (`stores/bundled.toml`)
//! gives the same verdicts as the native client: response by response, and
//! end to end on real clusters with and without a stale-reads bug.

use faultline_checkers::FailReason;
use faultline_checkers::{EventType, OpFn};
use faultline_workloads::client::described::{self, Operation};
use faultline_workloads::client::{StoreDescription, classify_response};
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
    let dir = std::fs::read_dir(results.join(name))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
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
