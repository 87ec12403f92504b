//! `faultline bench soak` hands the flags after `--` to the run it
//! measures, so that every checker of the card can be soaked.

use std::process::{Command, Stdio};

#[test]
fn flags_after_the_separator_reach_the_soaked_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["bench", "soak", "--time-limit", "2", "--results-dir"])
        .arg(dir.path())
        .args(["--", "--workload", "register", "--checker", "all"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench soak failed: {stderr}");
    let runs: Vec<_> = std::fs::read_dir(dir.path().join("soak"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("results.json"))
        .filter(|p| p.is_file())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&runs[0]).unwrap()).unwrap();
    let checkers: Vec<&str> = results["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["checker"].as_str())
        .collect();
    for c in [
        "linearizable",
        "sequential",
        "session",
        "eventual",
        "staleness",
    ] {
        assert!(checkers.contains(&c), "{c} missing from {checkers:?}");
    }
}
