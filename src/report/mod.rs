//! Results people can read: plots, `report.html` and `junit.xml`, all
//! computed from a run directory's `history.jsonl` (plus `results.json` and
//! `config.toml` when present), so `faultline report DIR` can regenerate them
//! at any time.

pub mod counterexample;
pub mod fault_windows;
pub mod html;
pub mod html_escape;
pub mod junit;
pub mod markdown;
pub mod markdown_escape;
pub mod operations;
pub mod plots;
pub mod run_data;
pub mod run_timeline;

use anyhow::Context;
use faultline_checkers::Validity;
use html::{CounterexamplePage, PageParts};
use run_data::LoadOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What [`write_all`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// Combined verdict shown in the report.
    pub valid: Validity,
    /// Files written, absolute.
    pub files: Vec<PathBuf>,
}

/// Writes `latency.svg`, `rate.svg`, `report.html`, `junit.xml` (and one
/// `counterexample-<checker>.html` per invalid linearizability verdict) into
/// the run directory, using the verdicts in its results.json.
pub fn write_all(run_dir: &Path) -> anyhow::Result<Written> {
    write_with(run_dir, &LoadOptions::default())
}

/// [`write_all`] with explicit load options (e.g. to re-check the history).
pub fn write_with(run_dir: &Path, opts: &LoadOptions) -> anyhow::Result<Written> {
    let run = run_data::load(run_dir, opts)?;
    let mut files = Vec::new();
    let mut write = |name: &str, contents: &str| -> anyhow::Result<()> {
        let p = run_dir.join(name);
        std::fs::write(&p, contents).with_context(|| format!("writing {}", p.display()))?;
        files.push(p);
        Ok(())
    };

    let ops = operations::completed_ops(&run.events);
    let end_s = operations::end_s(&run.events);
    let windows = fault_windows::fault_windows(&run.events, end_s);
    let nemesis = fault_windows::nemesis_events(&run.events);
    let latency = plots::latency_svg(&ops, &windows, end_s)?;
    let rate = plots::rate_svg(&ops, &windows, end_s, run.final_reads_s())?;
    write("latency.svg", &latency)?;
    write("rate.svg", &rate)?;

    let source = run_dir.join("history.jsonl").display().to_string();
    let page = fault_windows::page_context(&run.events);
    let cxs: Vec<CounterexamplePage> = run
        .verdicts
        .iter()
        .filter_map(|v| {
            counterexample::counterexample_html(v, &source, &page).map(|html| CounterexamplePage {
                checker: v.checker.clone(),
                file: format!("counterexample-{}.html", file_safe(&v.checker)),
                html,
            })
        })
        .collect();
    for cx in &cxs {
        write(&cx.file, &cx.html)?;
    }

    // Before report.html, whose file list links only files that exist.
    let elapsed = run
        .results
        .as_ref()
        .and_then(|r| r.elapsed_s)
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64);
    let xml = junit::render(&run.name(), &run.verdicts, elapsed).context("rendering junit.xml")?;
    write("junit.xml", &xml)?;

    // results.json's when there is one: the events here may be a prefix.
    let stats = run.stats();
    let page = html::render(
        &run,
        &PageParts {
            timeline: &run_timeline::section(&run.events, &windows, run.workers()),
            latency_svg: &latency,
            rate_svg: &rate,
            stats: &stats,
            windows: &windows,
            nemesis: &nemesis,
            counterexamples: &cxs,
        },
    );
    write("report.html", &page)?;

    Ok(Written {
        valid: run.validity(),
        files,
    })
}

/// A checker name as a file-name part: letters, digits, `-` and `_` only.
fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
