//! `faultline serve`'s index, a test's page, a config diff, and the reports
//! of a valid and an invalid run, loaded in a real headless Chromium: the pages render (screenshots of a
//! plausible size), their scripts run, and the console stays silent.
//!
//! Needs `chromium` (`apt-get install -y chromium`): skipped with a line
//! saying so where it is missing, a failure where `FAULTLINE_REQUIRE` names
//! it (as in CI). Set `FAULTLINE_SCREENSHOTS=DIR` to keep the screenshots
//! for a look.

mod report_support;
mod requirements;

use report_support::{Server, VALID, runs};
use requirements::{Need, have, on_path};
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
