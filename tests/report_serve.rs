//! `faultline serve` over a real results directory: the index lists runs
//! newest first and filters by verdict, files are served with their types,
//! and nothing outside the results directory can be reached.

mod report_support;

use report_support::{INVALID, Server, VALID, copy_recorded, runs};
use serde_json::Value;

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
            let name_cell = row.split("</td><td>").nth(1).unwrap_or_default();
            name_cell.split('<').next().unwrap_or_default().to_string()
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
