//! `faultline serve`'s index, a test's page, a config diff, and the reports
//! of a valid and an invalid run, loaded in a real headless Chromium: the pages render (screenshots of a
//! plausible size), their scripts run, and the console stays silent.
//!
//! Needs `chromium` (`apt-get install -y chromium`): skipped with a line
//! saying so where it is missing, a failure where `FAULTLINE_REQUIRE` names
//! it (as in CI). Set `FAULTLINE_SCREENSHOTS=DIR` to keep the screenshots
//! for a look.

use crate::report_support::{Server, VALID, runs};
use crate::requirements::{Need, have, on_path};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A loaded machine can take long to start a browser; no assertion is about speed.
const BROWSER_DEADLINE: Duration = Duration::from_secs(120);

/// What one browser run left behind.
struct Loaded {
    /// Console messages and uncaught errors the page produced.
    console: Vec<String>,
    /// The DOM after scripts ran (`--dump-dom`), or the screenshot's size.
    stdout: String,
}

/// Runs headless Chromium on `url` with `extra` flags, in a fresh profile.
fn chromium(url: &str, extra: &[String]) -> Loaded {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(on_path("chromium").expect("chromium on the PATH"))
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1400,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > BROWSER_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish {url} within {BROWSER_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let stderr = err.join().unwrap();
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect();
    Loaded {
        console,
        stdout: out.join().unwrap(),
    }
}

/// Where screenshots go: `FAULTLINE_SCREENSHOTS` if set, else a temp dir.
fn shots_dir(tmp: &Path) -> PathBuf {
    match std::env::var_os("FAULTLINE_SCREENSHOTS") {
        Some(d) => {
            std::fs::create_dir_all(&d).unwrap();
            PathBuf::from(d)
        }
        None => tmp.to_path_buf(),
    }
}

/// Screenshots `url` and checks the page was silent and drew something.
fn screenshot(url: &str, png: &Path, height: u32) {
    let loaded = chromium(
        url,
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size=1400,{height}"),
        ],
    );
    assert!(
        loaded.console.is_empty(),
        "{url} logged to the console: {:#?}",
        loaded.console
    );
    let bytes = std::fs::read(png).unwrap_or_else(|e| panic!("no screenshot of {url}: {e}"));
    assert_eq!(&bytes[1..4], b"PNG");
    // Width and height from the IHDR chunk.
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((w, h), (1400, height), "screenshot size");
    // A blank page compresses to a few kB; text, tables and plots do not.
    assert!(
        bytes.len() > 30_000,
        "{url}: screenshot of {} bytes looks empty",
        bytes.len()
    );
}

#[test]
fn index_and_reports_render_in_chromium_without_console_errors() {
    if !have(
        Need::Chromium,
        "index_and_reports_render_in_chromium_without_console_errors",
    ) {
        return;
    }
    let r = runs();
    let server = Server::start(&r.results);
    let tmp = tempfile::tempdir().unwrap();
    let shots = shots_dir(tmp.path());

    // The index, after the browser built its DOM.
    let index = chromium(&server.url("/"), &["--dump-dom".to_string()]);
    assert!(index.console.is_empty(), "{:#?}", index.console);
    assert!(index.stdout.contains("faultline runs"), "{}", index.stdout);
    assert_eq!(index.stdout.matches("class=\"badge ").count(), 2);
    screenshot(
        &server.url("/?verdict=invalid"),
        &shots.join("index.png"),
        700,
    );

    let rel = |dir: &Path| {
        format!(
            "{}/{}",
            dir.parent().unwrap().file_name().unwrap().to_string_lossy(),
            dir.file_name().unwrap().to_string_lossy()
        )
    };
    // A test's page (charts are inline SVG) and the diff of two configs.
    let test_page = server.url(&format!("/tests/{VALID}"));
    let diff = server.url(&format!("/diff?a={}&b={}", rel(&r.valid), rel(&r.invalid)));
    for (url, drawn) in [
        (&test_page, "<svg class=\"trend\""),
        (&diff, "<table class=\"diff changed\">"),
    ] {
        let page = chromium(url, &["--dump-dom".to_string()]);
        assert!(page.console.is_empty(), "{url}: {:#?}", page.console);
        assert!(page.stdout.contains(drawn), "{url}: {}", page.stdout);
    }
    // (The diff page is a few rows of text: too little for the blank-page check.)
    screenshot(&test_page, &shots.join("test-page.png"), 700);

    for (dir, name) in [(&r.valid, "valid"), (&r.invalid, "invalid")] {
        let url = server.url(&format!("/runs/{}/report.html", rel(dir)));
        screenshot(&url, &shots.join(format!("report-{name}.png")), 3000);
    }
    // Opened straight from disk too, as someone with the CI artifact would.
    let file_url = format!("file://{}", r.invalid.join("report.html").display());
    screenshot(&file_url, &shots.join("report-invalid-file.png"), 1000);

    // The counterexample timeline's script lays out its labels when it runs.
    let cx = r.invalid.join("counterexample-linearizable.html");
    let dom = chromium(
        &format!("file://{}", cx.display()),
        &["--dump-dom".to_string()],
    );
    assert!(dom.console.is_empty(), "{:#?}", dom.console);
    assert!(
        dom.stdout.contains("visibility: visible"),
        "timeline script did not run"
    );
}

/// Writes a results directory of `ops` operations by 10 workers, with a
/// network partition in the middle; its verdict is given, so `report` does
/// not check it again.
fn synthetic_run(dir: &Path, ops: usize) {
    use std::io::Write;
    std::fs::create_dir_all(dir).unwrap();
    let mut h = std::io::BufWriter::new(std::fs::File::create(dir.join("history.jsonl")).unwrap());
    let workers = 10u64;
    let mut index = 0u64;
    // Numbered in the order written.
    let mut line = |h: &mut std::io::BufWriter<std::fs::File>, mut v: serde_json::Value| {
        v["index"] = index.into();
        writeln!(h, "{v}").unwrap();
        index += 1;
    };
    let per = (ops as u64).div_ceil(workers);
    let mid = per / 2 * 100_000;
    for k in 0..per {
        for w in 0..workers {
            let t = k * 100_000 + w * 7_000;
            if k == per / 2 && w == 0 {
                line(
                    &mut h,
                    serde_json::json!({"time": mid, "process": "nemesis", "type": "info", "f": "start-partition", "value": {"kind": "isolate-one", "groups": [["n1"], ["n2", "n3"]]}}),
                );
            }
            let kind = ["ok", "ok", "ok", "fail", "info"][((k + w) % 5) as usize];
            line(
                &mut h,
                serde_json::json!({"time": t, "process": w, "type": "invoke", "f": "write", "key": format!("k{}", w), "value": k}),
            );
            let mut done = serde_json::json!({"time": t + 60_000, "process": w, "type": kind, "f": "write", "key": format!("k{}", w), "value": k, "node": "n2"});
            if kind == "fail" {
                done["error"] = "not-leader".into();
            }
            line(&mut h, done);
        }
    }
    line(
        &mut h,
        serde_json::json!({"time": mid + per * 25_000, "process": "nemesis", "type": "info", "f": "stop-partition", "value": null}),
    );
    h.flush().unwrap();
    std::fs::write(
        dir.join("results.json"),
        r#"{"name":"big","verdicts":[{"checker":"linearizable","valid":"valid","summary":"given","details":null}]}"#,
    )
    .unwrap();
}

/// The whole-run timeline of report.html draws 200,000 operations on a
/// canvas: every lane drawn, no console error. Load and frame times are
/// printed (numbers, not assertions: no test depends on speed).
#[test]
fn a_whole_run_timeline_of_200000_operations_draws_every_lane() {
    if !have(
        Need::Chromium,
        "a_whole_run_timeline_of_200000_operations_draws_every_lane",
    ) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("big");
    synthetic_run(&dir, 200_000);
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg("report")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = dir.join("report.html");
    let size = std::fs::metadata(&page).unwrap().len();
    let dom = chromium(
        &format!("file://{}", page.display()),
        &[
            "--dump-dom".to_string(),
            "--virtual-time-budget=10000".to_string(),
        ],
    );
    assert!(dom.console.is_empty(), "{:#?}", dom.console);
    let canvas = dom
        .stdout
        .split("<canvas id=\"run-timeline\"")
        .nth(1)
        .and_then(|s| s.split('>').next())
        .expect("the timeline canvas is in the page");
    let attr = |name: &str| -> f64 {
        canvas
            .split(&format!("data-{name}=\""))
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no data-{name} on {canvas}"))
    };
    assert_eq!(attr("lanes"), 10.0, "{canvas}");
    // The whole run is in view at first: every operation drawn.
    assert_eq!(attr("bars"), 200_000.0, "{canvas}");
    println!(
        "report.html with 200,000 operations: {:.1} MB, drawn {:.0} ms after navigation, one frame {:.1} ms",
        size as f64 / 1e6,
        attr("load-ms"),
        attr("frame-ms")
    );
}
