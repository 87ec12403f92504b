//! `faultline report DIR --markdown`, the summary a CI job writes to
//! `$GITHUB_STEP_SUMMARY`, compared with checked-in Markdown (golden files).
//!
//! The fixtures under `tests/fixtures/markdown/` are the recorded files
//! (history.jsonl, results.json, config.toml) of two real short runs against
//! the bundled cluster under partitions: `valid/` (3 workers at 20 ops/s for
//! 4 s) and `invalid/` (`--bug stale-reads --seed 3`, caught). When the
//! Markdown changes on purpose, regenerate the expected files with
//!
//! ```sh
//! FAULTLINE_BLESS=1 cargo test -p faultline --test integration report_markdown::
//! ```
//!
//! and read the diff before committing it.

use crate::run_support::{faultline, output};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/markdown")
        .join(name)
}

/// Runs `report DIR --markdown`; returns (exit code, stdout).
fn markdown(dir: &Path) -> (Option<i32>, String) {
    let mut c = faultline();
    c.arg("report").arg(dir).arg("--markdown");
    let out = output(c);
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("UTF-8 Markdown"),
    )
}

/// Compares `actual` with the golden file `<name>.md`, or rewrites that file
/// when `FAULTLINE_BLESS=1`.
fn golden(name: &str, actual: &str) {
    let path = fixture(&format!("{name}.md"));
    if std::env::var_os("FAULTLINE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("write the golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (FAULTLINE_BLESS=1 writes it)", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "the Markdown differs from {} from line {} on \
             (FAULTLINE_BLESS=1 rewrites it if the change is meant):\n{actual}",
            path.display(),
            first + 1
        );
    }
}

/// Names of the files in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the fixture")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_valid_run_matches_its_golden_markdown_and_exits_0() {
    let dir = fixture("valid");
    let before = listing(&dir);
    let (code, md) = markdown(&dir);
    assert_eq!(code, Some(0));
    golden("valid", &md);
    // The parts a CI reader looks for, whatever the golden file says.
    assert!(md.starts_with("## ✅ VALID: nightly-register\n"), "{md}");
    assert!(md.contains("**Exit code 0**: no checker found an anomaly."));
    assert!(md.contains("- **faults injected**: `partition` ×"), "{md}");
    assert!(md.contains("\n| op    | ok "), "the operations table: {md}");
    assert!(md.contains("\n| fail reason "), "fail reasons: {md}");
    assert!(!md.contains("```"), "no counterexample for a valid run");
    assert_eq!(listing(&dir), before, "--markdown writes no file");
}

#[test]
fn an_invalid_run_matches_its_golden_markdown_with_the_counterexample_and_exits_1() {
    let (code, md) = markdown(&fixture("invalid"));
    assert_eq!(code, Some(1));
    golden("invalid", &md);
    assert!(md.starts_with("## ❌ INVALID: stale-demo\n"), "{md}");
    assert!(md.contains("- **bug**: `stale-reads`"), "{md}");
    assert!(md.contains("| linearizable | INVALID |"), "{md}");
    let block = md
        .split("### Counterexample: linearizable\n\n```text\n")
        .nth(1)
        .expect("a fenced counterexample");
    let block = block.split("\n```\n").next().expect("a closed fence");
    assert!(
        block.contains("smallest counterexample: these"),
        "the checker's text renderer: {block}"
    );
    assert!(block.lines().count() <= 60, "cut to fit a summary page");
}

#[test]
fn a_fault_that_failed_mid_run_is_a_harness_error_exit_3() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for f in ["history.jsonl", "config.toml"] {
        std::fs::copy(fixture("valid").join(f), tmp.path().join(f)).expect("copy");
    }
    let text = std::fs::read_to_string(fixture("valid/results.json")).expect("results.json");
    let mut results: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    results["faults"]["error"] = "command [\"false\"] failed with exit status: 1".into();
    std::fs::write(tmp.path().join("results.json"), results.to_string()).expect("write");

    let (code, md) = markdown(tmp.path());
    assert_eq!(code, Some(3), "as `faultline run` exited: {md}");
    assert!(md.starts_with("## 🛑 VALID: nightly-register\n"), "{md}");
    assert!(md.contains("**Exit code 3**: harness error"), "{md}");
    assert!(
        md.contains(
            "> ⚠️ A fault failed mid-run, so no fault ran after it: command \\[\"false\"\\]"
        ),
        "{md}"
    );
}

#[test]
fn a_directory_without_a_history_is_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (code, md) = markdown(tmp.path());
    assert_eq!(code, Some(3));
    assert!(md.is_empty(), "nothing on stdout: {md}");
}
