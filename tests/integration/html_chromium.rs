//! Opens the HTML timeline in a real headless Chromium and checks that its
//! script ran (bars laid out, labels shown) and that a screenshot is produced.
//!
//! Needs `chromium` (`apt-get install -y chromium`; `.ci/run` installs it);
//! skipped with a line saying so where it is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::requirements::{Need, have, on_path};

fn chromium(profile: &Path, extra: &[&str], url: &str) -> std::process::Output {
    Command::new(on_path("chromium").expect("chromium on the PATH"))
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium")
}

#[test]
fn timeline_renders_in_chromium() {
    if !have(Need::Chromium, "timeline_renders_in_chromium") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("cx.html");
    let history =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/porcupine/jepsen/etcd_000.log");
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg("check")
        .arg(&history)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = format!("file://{}", html.display());

    let profile = tempfile::tempdir().unwrap();
    let dom = chromium(profile.path(), &["--dump-dom"], &url);
    let dom = String::from_utf8_lossy(&dom.stdout);
    // The page script sets each label's visibility after measuring it: only
    // a script that ran to the end leaves these behind.
    assert!(
        dom.contains("visibility: visible"),
        "script did not lay out labels"
    );
    assert!(
        dom.contains("class=\"op bad"),
        "failing op missing from the DOM"
    );

    let png = dir.path().join("shot.png");
    let profile = tempfile::tempdir().unwrap();
    chromium(
        profile.path(),
        &[&format!("--screenshot={}", png.display())],
        &url,
    );
    let size = std::fs::metadata(&png).expect("screenshot written").len();
    assert!(size > 20_000, "screenshot suspiciously small: {size} bytes");
}
