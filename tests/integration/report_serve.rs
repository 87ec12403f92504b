//! `faultline serve` over a real results directory: the index lists runs
//! newest first with what ran and filters by verdict, a test's page shows
//! its runs over time, two runs' configs can be compared, files are served
//! with their types, and nothing outside the results directory can be
//! reached.

use crate::report_support::{INVALID, Server, VALID, copy_recorded, runs};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Start time of a run as recorded in its results.json.
fn started(dir: &std::path::Path) -> String {
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    r["started"].as_str().unwrap().to_string()
}

/// Rows of the index as the test names they show, top to bottom.
fn listed(page: &str) -> Vec<String> {
    page.split("<tr><td>")
        .skip(1)
        .map(|row| {
            // `<a class="test" href="/tests/NAME">NAME</a><div class="rel">...`
            let name_cell = row.split("</td><td>").nth(1).unwrap_or_default();
            let link_text = name_cell.split("\">").nth(1).unwrap_or_default();
            link_text
                .split("</a>")
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[test]
fn index_lists_runs_newest_first_and_filters_by_verdict() {
    let r = runs();
    // A third run that has no verdict yet (as while running): history only.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("results");
    for (name, dir) in [(VALID, &r.valid), (INVALID, &r.invalid)] {
        let stamp = dir.file_name().unwrap();
        copy_recorded(dir, &root.join(name).join(stamp));
        std::fs::copy(
            dir.join("report.html"),
            root.join(name).join(stamp).join("report.html"),
        )
        .unwrap();
    }
    let pending = root.join("pending/29990101T000000Z");
    std::fs::create_dir_all(&pending).unwrap();
    std::fs::copy(r.valid.join("history.jsonl"), pending.join("history.jsonl")).unwrap();
    let server = Server::start(&root);

    let (status, head, page) = server.get("/");
    assert_eq!(status, 200, "{head}");
    let mut by_time = vec![
        (started(&r.valid), VALID.to_string()),
        (started(&r.invalid), INVALID.to_string()),
    ];
    by_time.sort();
    by_time.reverse();
    // The pending run's directory name is in 2999, so it is the newest.
    let want: Vec<String> = std::iter::once("pending".to_string())
        .chain(by_time.into_iter().map(|(_, n)| n))
        .collect();
    assert_eq!(listed(&page), want, "newest first");
    assert!(page.contains("all (3)") && page.contains("invalid (1)") && page.contains("valid (1)"));
    assert!(page.contains("NO VERDICT"));
    let ops = serde_json::from_str::<Value>(
        &std::fs::read_to_string(r.invalid.join("results.json")).unwrap(),
    )
    .unwrap()["stats"]["invoked"]
        .as_u64()
        .unwrap();
    assert!(
        page.contains(&format!("<td class=\"n\">{ops}</td>")),
        "op count shown"
    );

    let (_, _, page) = server.get("/?verdict=invalid");
    assert_eq!(listed(&page), vec![INVALID.to_string()]);
    let (_, _, page) = server.get("/?verdict=valid");
    assert_eq!(listed(&page), vec![VALID.to_string()]);
    let (_, _, page) = server.get("/?verdict=pending");
    assert_eq!(listed(&page), vec!["pending".to_string()]);
    let (_, _, page) = server.get("/?verdict=unknown");
    assert!(listed(&page).is_empty());
    assert!(page.contains("No runs here"));
}

#[test]
fn serves_reports_and_files_with_their_types() {
    let r = runs();
    let server = Server::start(&r.results);
    let (_, _, index) = server.get("/");
    let rel = format!(
        "{INVALID}/{}",
        r.invalid.file_name().unwrap().to_string_lossy()
    );
    let report_link = format!("/runs/{rel}/report.html");
    assert!(
        index.contains(&format!("href=\"{report_link}\"")),
        "{index}"
    );
    // The `latest` link points at a run already listed: not listed twice.
    assert_eq!(index.matches("report.html\"").count(), 2);

    let (status, head, body) = server.get(&report_link);
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/html")
    );
    assert!(body.contains("<div class=\"big\">INVALID</div>"));

    let (status, head, body) = server.get(&format!("/runs/{rel}/latency.svg"));
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: image/svg+xml")
    );
    assert!(roxmltree::Document::parse(&body).is_ok());

    let (status, _, body) = server.get(&format!("/runs/{rel}/history.jsonl"));
    assert_eq!(status, 200);
    let first = body.lines().next().unwrap();
    assert!(serde_json::from_str::<Value>(first).is_ok(), "{first}");

    let (status, _, body) = server.get(&format!("/runs/{rel}/nodes/n1/log"));
    assert_eq!(status, 200);
    assert!(!body.is_empty(), "node log served");

    // A directory without its slash is redirected so relative links work.
    let (status, head, _) = server.get(&format!("/runs/{rel}"));
    assert_eq!(status, 308, "{head}");
    let (status, _, listing) = server.get(&format!("/runs/{rel}/"));
    assert_eq!(status, 200);
    assert!(listing.contains("href=\"junit.xml\""));

    let (status, _, _) = server.get(&format!("/runs/{rel}/missing.txt"));
    assert_eq!(status, 404);
}

#[test]
fn refuses_paths_outside_the_results_directory() {
    let r = runs();
    // A file next to the results directory that must stay private.
    let secret = r.results.parent().unwrap().join("secret.txt");
    std::fs::write(&secret, "do not serve").unwrap();
    let server = Server::start(&r.results);
    for path in [
        "/runs/../secret.txt",
        "/runs/%2e%2e/secret.txt",
        "/runs/valid-run/%2E%2E/%2E%2E/secret.txt",
        "/runs/..%2fsecret.txt",
        "/runs/%2fetc%2fpasswd",
        "/runs/..%5csecret.txt",
    ] {
        let (status, _, body) = server.get(path);
        assert!(
            status == 403 || status == 404 || status == 400,
            "{path}: {status}"
        );
        assert!(!body.contains("do not serve"), "{path} leaked the file");
        assert!(!body.contains("root:"), "{path} leaked /etc/passwd");
    }
    let (status, _, _) = server.get("/runs/%2e%2e/secret.txt");
    assert_eq!(status, 403, "traversal is refused, not just missing");
}

#[test]
fn index_rows_say_what_ran_and_which_checkers_passed() {
    let r = runs();
    let server = Server::start(&r.results);
    let (_, _, page) = server.get("/?verdict=invalid");
    let row = page
        .split("<tr><td>")
        .nth(1)
        .expect("the invalid run's row");
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(r.invalid.join("results.json")).unwrap())
            .unwrap();
    let seed = results["seed"].as_u64().unwrap();
    let partitions = results["faults"]["injected"]["partition"].as_u64().unwrap();
    for part in [
        "<td>bundled raft<div class=\"rel\">cas-register</div></td>".to_string(),
        "<td class=\"bug\">stale-reads</td>".to_string(),
        format!("<td class=\"seed\">{seed}</td>"),
        format!("partition {partitions}</span>"),
        "<span class=\"chk invalid\" title=\"linearizable: INVALID\">linearizable</span>"
            .to_string(),
        format!("href=\"/tests/{INVALID}\""),
    ] {
        assert!(row.contains(&part), "{part} in {row}");
    }
    // Two radio buttons per run pick the runs whose configs /diff compares.
    assert!(page.contains("<form action=\"/diff\" method=\"get\">"));
    assert_eq!(row.matches("type=\"radio\"").count(), 2, "{row}");
}

/// The two checked-in runs (tests/fixtures/markdown), copied as four runs
/// of one test `nightly`, each started a day later with its own throughput
/// and p99: oldest valid, then invalid (the stale-reads run), then valid
/// twice. Returns the results root and the runs' relative paths, oldest first.
fn nightly_series(tmp: &Path) -> (PathBuf, Vec<String>) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/markdown");
    let root = tmp.join("results");
    let mut rels = Vec::new();
    for (day, (fixture, rate, p99)) in [
        ("valid", 20.0, 9.5),
        ("invalid", 41.0, 151.0),
        ("valid", 25.0, 12.0),
        ("valid", 30.0, 8.0),
    ]
    .into_iter()
    .enumerate()
    {
        let rel = format!("nightly/2026120{}T030000Z", day + 1);
        let dir = root.join(&rel);
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["history.jsonl", "config.toml"] {
            std::fs::copy(fixtures.join(fixture).join(f), dir.join(f)).unwrap();
        }
        let text = std::fs::read_to_string(fixtures.join(fixture).join("results.json")).unwrap();
        let mut results: Value = serde_json::from_str(&text).unwrap();
        results["name"] = "nightly".into();
        results["started"] = format!("2026-12-0{}T03:00:00+00:00", day + 1).into();
        results["stats"]["main_ops_per_sec"] = rate.into();
        let ops = results["stats"]["ops"].as_array_mut().unwrap();
        ops.last_mut().unwrap()["p99_ms"] = p99.into();
        std::fs::write(dir.join("results.json"), results.to_string()).unwrap();
        rels.push(rel);
    }
    (root, rels)
}

#[test]
fn a_test_page_shows_its_runs_over_time_with_verdicts_rate_and_p99() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, rels) = nightly_series(tmp.path());
    let server = Server::start(&root);
    let (status, _, page) = server.get("/tests/nightly");
    assert_eq!(status, 200);
    assert!(
        page.contains("4 runs: 3 valid, 1 invalid, 0 unknown."),
        "{page}"
    );
    // Two charts (ops/s and p99), each with one point per run in start order.
    let charts: Vec<&str> = page
        .split("<svg class=\"trend\"")
        .skip(1)
        .map(|s| s.split("</svg>").next().unwrap())
        .collect();
    assert_eq!(charts.len(), 2, "{page}");
    for chart in &charts {
        let svg = format!("<svg class=\"trend\"{chart}</svg>");
        roxmltree::Document::parse(&svg).expect("the chart is well-formed SVG");
        let classes: Vec<&str> = chart
            .split("<circle class=\"pt ")
            .skip(1)
            .map(|c| c.split('"').next().unwrap())
            .collect();
        assert_eq!(classes, ["valid", "invalid", "valid", "valid"], "{chart}");
        assert!(
            chart.contains(&format!("<a href=\"/runs/{}/\">", rels[1])),
            "a point opens its run: {chart}"
        );
    }
    assert!(charts[0].contains("2026-12-02 03:00:00 · INVALID · 41.0 ops/s"));
    assert!(charts[1].contains("2026-12-02 03:00:00 · INVALID · 151.0 ms p99"));
    // The table: newest first, each run's p99, and a config diff with the run before.
    let rows: Vec<&str> = page.split("<tr><td>").skip(1).collect();
    assert_eq!(rows.len(), 4);
    assert!(rows[0].contains(&rels[3]) && rows[3].contains(&rels[0]));
    assert!(
        rows[2].contains("<td class=\"n\">151.0</td>"),
        "{}",
        rows[2]
    );
    assert!(rows[3].contains("first run"));
    let diff = format!("/diff?a={}&amp;b={}", rels[0], rels[1]);
    assert!(rows[2].contains(&diff), "{}", rows[2]);

    let (status, _, page) = server.get(&diff.replace("&amp;", "&"));
    assert_eq!(status, 200);
    let changed = page
        .split("<table class=\"diff changed\">")
        .nth(1)
        .expect("changed keys")
        .split("</table>")
        .next()
        .unwrap();
    assert!(
        changed.contains(
            "<tr><td><code>bug</code></td><td><code>[]</code></td>\
             <td><code>[&quot;stale-reads&quot;]</code></td></tr>"
        ),
        "{changed}"
    );
    assert!(
        !changed.contains("<code>workload</code>"),
        "same keys are folded"
    );
    assert!(page.contains("keys the same</summary>"));

    let (status, _, page) = server.get("/tests/no-such-test");
    assert_eq!(status, 200);
    assert!(page.contains("No run of test <code>no-such-test</code>"));
}

#[test]
fn config_diff_refuses_paths_outside_the_results_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, rels) = nightly_series(tmp.path());
    std::fs::write(tmp.path().join("config.toml"), "name = \"secret\"\n").unwrap();
    let server = Server::start(&root);
    let a = &rels[0];
    let (status, _, body) = server.get(&format!("/diff?a={a}&b=.."));
    assert_eq!(status, 403);
    assert!(!body.contains("secret"));
    let (status, _, _) = server.get(&format!("/diff?a={a}&b=%2e%2e%2f"));
    assert_eq!(status, 403);
    let (status, _, _) = server.get(&format!("/diff?a={a}"));
    assert_eq!(status, 400, "both runs are needed");
    let (status, _, body) = server.get(&format!("/diff?a={a}&b=nightly"));
    assert_eq!(status, 404, "a directory without config.toml: {body}");
}
