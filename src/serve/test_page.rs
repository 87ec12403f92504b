//! `/tests/<name>`: every run of one test, the nightly view. Verdicts,
//! throughput and p99 latency over the runs show a trend (a store that got
//! slower, a bug that shows one night in five) that one report cannot; each
//! run links to its report and to the diff of its config with the run
//! before it, which says what changed when a verdict did.

use super::pages::{FOOT, badge, checkers_cell, faults_cell, head, open_links, seed, took, when};
use super::runs::RunEntry;
use super::trend_chart::{Point, svg};
use crate::report::html::verdict_class;
use crate::report::html_escape::{esc, href};
use faultline_checkers::Validity;
use std::fmt::Write;

/// The page of test `name`, from all `runs` (newest first, as scanned).
pub fn render(name: &str, runs: &[RunEntry]) -> String {
    // Oldest first: the order a trend is read in.
    let mut mine: Vec<&RunEntry> = runs.iter().filter(|r| r.name == name).collect();
    mine.reverse();
    let mut out = head(
        &format!("test {name}"),
        &format!("test {name}"),
        "<a href=\"/\">← all runs</a>",
    );
    if mine.is_empty() {
        let _ = write!(
            out,
            "<p class=\"empty\">No run of test <code>{}</code> here.</p>{FOOT}",
            esc(name)
        );
        return out;
    }
    counts(&mut out, &mine);
    let first = mine.first().map(|r| when(r)).unwrap_or_default();
    let last = mine.last().map(|r| when(r)).unwrap_or_default();
    let rate: Vec<Point> = mine
        .iter()
        .map(|r| point(r, r.details.as_ref().map(|d| d.ops_per_sec), "ops/s"))
        .collect();
    let p99: Vec<Point> = mine
        .iter()
        .map(|r| point(r, r.details.as_ref().and_then(|d| d.p99_ms), "ms p99"))
        .collect();
    let _ = writeln!(
        out,
        "<section class=\"charts\">{}{}</section>",
        svg("operations per second (main phase)", &rate, &first, &last),
        svg("p99 latency, ms (all operations)", &p99, &first, &last)
    );
    table(&mut out, &mine);
    out.push_str(FOOT);
    out
}

/// `12 runs: 10 valid, 1 invalid, 1 unknown`.
fn counts(out: &mut String, runs: &[&RunEntry]) {
    let n = |v: Option<Validity>| runs.iter().filter(|r| r.valid == v).count();
    let mut parts = vec![
        format!("{} valid", n(Some(Validity::Valid))),
        format!("{} invalid", n(Some(Validity::Invalid))),
        format!("{} unknown", n(Some(Validity::Unknown))),
    ];
    let pending = n(None);
    if pending > 0 {
        parts.push(format!("{pending} without a verdict"));
    }
    let _ = writeln!(
        out,
        "<p class=\"counts\">{} run{}: {}. Points are coloured by verdict; a point opens its run's report.</p>",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" },
        parts.join(", ")
    );
}

fn point(r: &RunEntry, value: Option<f64>, unit: &str) -> Point {
    let word = match r.valid {
        Some(v) => crate::report::html::verdict_word(v),
        None => "NO VERDICT",
    };
    let tip = match value {
        Some(v) => format!("{} · {word} · {v:.1} {unit}", when(r)),
        None => format!("{} · {word}", when(r)),
    };
    Point {
        value,
        class: r.valid.map_or("pending", verdict_class),
        tip,
        link: run_link(r),
    }
}

/// The run's report when it has one, else its directory.
fn run_link(r: &RunEntry) -> String {
    let base = format!("/runs/{}", href(&r.rel));
    if r.has_report {
        format!("{base}/report.html")
    } else {
        format!("{base}/")
    }
}

/// Newest first, each with a diff of its config against the run before it.
fn table(out: &mut String, oldest_first: &[&RunEntry]) {
    out.push_str(
        "<table><thead><tr><th>started (UTC)</th><th>verdict</th><th>seed</th>\
         <th class=\"n\">took s</th><th>faults injected</th><th class=\"n\">ops</th>\
         <th class=\"n\">ops/s</th><th class=\"n\">p99 ms</th><th>checkers</th><th>open</th>\
         <th>config</th></tr></thead><tbody>\n",
    );
    for (i, r) in oldest_first.iter().enumerate().rev() {
        let d = r.details.as_ref();
        let diff = match i.checked_sub(1).map(|j| oldest_first[j]) {
            Some(prev) => format!(
                "<a href=\"/diff?a={}&amp;b={}\">vs previous</a>",
                href(&prev.rel),
                href(&r.rel)
            ),
            None => "first run".into(),
        };
        let _ = writeln!(
            out,
            "<tr><td>{}<div class=\"rel\">{}</div></td><td>{}</td><td class=\"seed\">{}</td>\
             <td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{diff}</td></tr>",
            when(r),
            esc(&r.rel),
            badge(r.valid),
            seed(d),
            took(d),
            faults_cell(r),
            r.ops,
            d.map(|d| format!("{:.0}", d.ops_per_sec))
                .unwrap_or_default(),
            d.and_then(|d| d.p99_ms)
                .map(|p| format!("{p:.1}"))
                .unwrap_or_default(),
            d.map(checkers_cell).unwrap_or_default(),
            open_links(r),
        );
    }
    out.push_str("</tbody></table>\n");
}
