//! The files a run writes for people and CI (plots, report.html, junit.xml),
//! checked on real runs' results directories, and `faultline report DIR`
//! regenerating them from the history.

use crate::report_support::{INVALID, VALID, copy_recorded, faultline, output, runs};
use serde_json::Value;
use std::path::Path;

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn history(dir: &Path) -> Vec<Value> {
    read(&dir.join("history.jsonl"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Number of `f` events of the nemesis in a run's history.
fn nemesis_count(dir: &Path, f: &str) -> usize {
    history(dir)
        .iter()
        .filter(|e| e["process"] == "nemesis" && e["f"] == f)
        .count()
}

/// Shaded fault bands: the plots draw partitions as translucent purple rects.
fn partition_bands(svg: &roxmltree::Document) -> usize {
    svg.descendants()
        .filter(|n| {
            n.has_tag_name("rect")
                && n.attribute("fill") == Some("#9467BD")
                && n.attribute("opacity") == Some("0.18")
        })
        .count()
}

fn texts(svg: &roxmltree::Document) -> Vec<String> {
    svg.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect()
}

#[test]
fn plots_are_svg_with_every_operation_and_shaded_faults() {
    let r = runs();
    for dir in [&r.valid, &r.invalid] {
        let partitions = nemesis_count(dir, "start-partition");
        assert!(partitions > 0, "{}: no partition recorded", dir.display());
        let completed = history(dir)
            .iter()
            .filter(|e| e["process"] != "nemesis" && e["type"] != "invoke")
            .count();

        let latency = read(&dir.join("latency.svg"));
        let latency = roxmltree::Document::parse(&latency).expect("latency.svg is XML");
        assert!(latency.root_element().has_tag_name("svg"));
        assert_eq!(partition_bands(&latency), partitions, "one band per fault");
        // One marker per completed operation (circle, triangle, square or cross).
        let markers = latency
            .descendants()
            .filter(|n| n.has_tag_name("circle") || n.has_tag_name("polygon"))
            .count()
            + latency
                .descendants()
                .filter(|n| n.has_tag_name("rect") && n.attribute("width") == Some("6"))
                .count();
        assert!(
            markers >= completed,
            "{markers} markers for {completed} completed operations"
        );
        let labels = texts(&latency);
        for want in ["latency (ms)", "ok", "read", "write", "cas", "partition"] {
            assert!(labels.iter().any(|t| t == want), "no label {want:?}");
        }

        let rate = read(&dir.join("rate.svg"));
        let rate = roxmltree::Document::parse(&rate).expect("rate.svg is XML");
        assert_eq!(partition_bands(&rate), partitions);
        assert!(
            rate.descendants().any(|n| n.has_tag_name("polyline")),
            "no throughput line"
        );
        assert!(texts(&rate).iter().any(|t| t == "ops/s"));
    }
}

#[test]
fn results_json_and_junit_parse_and_junit_fails_only_the_invalid_run() {
    let r = runs();
    for (dir, failures) in [(&r.valid, 0), (&r.invalid, 1)] {
        let results: Value = serde_json::from_str(&read(&dir.join("results.json"))).unwrap();
        assert_eq!(
            results["valid"],
            if failures == 0 { "valid" } else { "invalid" }
        );

        let xml = read(&dir.join("junit.xml"));
        let doc = roxmltree::Document::parse(&xml).expect("junit.xml is XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        assert_eq!(root.attribute("failures"), Some(&*failures.to_string()));
        assert_eq!(root.attribute("errors"), Some("0"));
        let cases: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), 1, "one test case per checker");
        assert_eq!(cases[0].attribute("name"), Some("linearizable"));
        let failure = cases[0].children().find(|n| n.has_tag_name("failure"));
        if failures == 0 {
            assert!(failure.is_none(), "a valid run must not fail in CI");
        } else {
            let failure = failure.expect("the invalid run fails its test case");
            let msg = failure.attribute("message").unwrap_or_default();
            assert!(msg.contains("not linearizable"), "{msg}");
            // The counterexample summary names the operation that cannot be placed.
            let text = failure.text().unwrap_or_default();
            assert!(text.contains("none of these can go next"), "{text}");
        }
    }
}

#[test]
fn the_report_names_the_verdict_and_links_the_run_files() {
    let r = runs();
    for (dir, word, name) in [(&r.valid, "VALID", VALID), (&r.invalid, "INVALID", INVALID)] {
        let html = read(&dir.join("report.html"));
        assert!(
            html.contains(&format!("<title>{word} — {name} — faultline</title>")),
            "title does not name the verdict"
        );
        assert!(html.contains(&format!("<div class=\"big\">{word}</div>")));
        // Both plots are inline, the stats table and configuration are there.
        assert_eq!(html.matches("<svg").count(), 2, "both plots inline");
        assert!(html.contains("<th>p99 ms</th>"));
        assert!(html.contains("workload = &quot;cas-register&quot;"));
        assert!(html.contains("isolate") || html.contains("halves") || html.contains(" | "));
        for link in ["history.jsonl", "junit.xml", "config.toml", "nodes/n1/log"] {
            assert!(
                html.contains(&format!("href=\"{link}\"")),
                "no link to {link}"
            );
            assert!(dir.join(link).exists(), "{link} linked but missing");
        }
        // Self-contained: nothing is fetched from anywhere.
        for fetch in ["src=\"http", "href=\"http", "<link", "@import", "url(http"] {
            assert!(!html.contains(fetch), "report fetches something: {fetch}");
        }
    }
    let invalid = read(&r.invalid.join("report.html"));
    assert!(invalid.contains("<h2>Counterexample</h2>"));
    assert!(invalid.contains("href=\"counterexample-linearizable.html\""));
    let cx = read(&r.invalid.join("counterexample-linearizable.html"));
    assert!(
        cx.contains("cannot be placed"),
        "timeline page lacks its story"
    );
    let valid = read(&r.valid.join("report.html"));
    assert!(!valid.contains("<h2>Counterexample</h2>"));
}

#[test]
fn report_regenerates_a_run_from_its_files() {
    let r = runs();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("stale-reads/20990101T000000Z");
    copy_recorded(&r.invalid, &dir);
    let out = output({
        let mut c = faultline();
        c.arg("report").arg(&dir);
        c
    });
    assert_eq!(out.status.code(), Some(1), "exit code is the verdict");
    assert!(String::from_utf8_lossy(&out.stdout).contains("verdict: invalid"));
    for f in [
        "latency.svg",
        "rate.svg",
        "report.html",
        "junit.xml",
        "counterexample-linearizable.html",
    ] {
        assert!(dir.join(f).is_file(), "{f} not regenerated");
    }
    assert!(read(&dir.join("report.html")).contains("<div class=\"big\">INVALID</div>"));

    // With only the history and the config left, the verdict is recomputed.
    std::fs::remove_file(dir.join("results.json")).unwrap();
    let out = output({
        let mut c = faultline();
        c.arg("report").arg(&dir);
        c
    });
    assert_eq!(out.status.code(), Some(1));
    let html = read(&dir.join("report.html"));
    assert!(html.contains("Verdicts were computed by <code>faultline report</code>"));
    assert!(
        html.contains("cas-register model"),
        "re-check used the run's workload model"
    );
}

#[test]
fn report_on_a_valid_run_exits_zero() {
    let r = runs();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    copy_recorded(&r.valid, &dir);
    let out = output({
        let mut c = faultline();
        c.args(["report", "--recheck"]).arg(&dir);
        c
    });
    assert_eq!(out.status.code(), Some(0));
    let xml = read(&dir.join("junit.xml"));
    assert!(xml.contains("failures=\"0\""), "{xml}");
}

#[test]
fn report_without_a_history_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = output({
        let mut c = faultline();
        c.arg("report").arg(tmp.path());
        c
    });
    assert_eq!(out.status.code(), Some(3), "harness error, not a verdict");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no history.jsonl"), "{err}");
    assert!(
        std::fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "nothing written"
    );
}

#[test]
fn report_shows_unknown_verdicts_and_skips_a_torn_last_line() {
    let r = runs();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    copy_recorded(&r.valid, &dir);
    // A checker that could not decide, as results.json records it.
    let path = dir.join("results.json");
    let mut results: Value = serde_json::from_str(&read(&path)).unwrap();
    results["valid"] = "unknown".into();
    results["verdicts"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "checker": "bank", "valid": "unknown",
            "summary": "timed out after 60 s", "details": null
        }));
    std::fs::write(&path, results.to_string()).unwrap();
    // The harness died mid-write: the last line has no end.
    let mut history = read(&dir.join("history.jsonl"));
    history.push_str("{\"index\":99999,\"time\":");
    std::fs::write(dir.join("history.jsonl"), history).unwrap();

    let out = output({
        let mut c = faultline();
        c.arg("report").arg(&dir);
        c
    });
    assert_eq!(out.status.code(), Some(2), "unknown exits 2");
    let html = read(&dir.join("report.html"));
    assert!(html.contains("<div class=\"big\">UNKNOWN</div>"));
    assert!(html.contains("timed out after 60 s"));
    assert!(html.contains("was torn"), "torn line not mentioned");
    let xml = read(&dir.join("junit.xml"));
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let bank = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some("bank"))
        .expect("bank test case");
    let error = bank.children().find(|n| n.has_tag_name("error"));
    assert_eq!(
        error.and_then(|e| e.attribute("type")),
        Some("unknown"),
        "an undecided check is an error in CI, not a pass or a skip"
    );
}
