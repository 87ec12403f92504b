//! The HTML of `faultline serve`: the run index and directory listings.

use super::runs::{RunDetails, RunEntry};
use crate::report::html::{verdict_class, verdict_word};
use crate::report::html_escape::{esc, href};
use faultline_checkers::Validity;
use std::fmt::Write;

/// Which runs the index shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    /// Every run.
    #[default]
    All,
    /// Only runs with this verdict.
    Verdict(Validity),
    /// Runs without a verdict yet (running, or the harness died).
    Pending,
}

impl Filter {
    /// Parses the `verdict` query parameter; unknown values show everything.
    pub fn parse(s: Option<&str>) -> Filter {
        match s {
            Some("valid") => Filter::Verdict(Validity::Valid),
            Some("invalid") => Filter::Verdict(Validity::Invalid),
            Some("unknown") => Filter::Verdict(Validity::Unknown),
            Some("pending") => Filter::Pending,
            _ => Filter::All,
        }
    }

    fn keeps(self, r: &RunEntry) -> bool {
        match self {
            Filter::All => true,
            Filter::Verdict(v) => r.valid == Some(v),
            Filter::Pending => r.valid.is_none(),
        }
    }

    fn query(self) -> &'static str {
        match self {
            Filter::All => "",
            Filter::Verdict(Validity::Valid) => "valid",
            Filter::Verdict(Validity::Invalid) => "invalid",
            Filter::Verdict(Validity::Unknown) => "unknown",
            Filter::Pending => "pending",
        }
    }
}

/// The start of every page: title, styles, and a header with `heading`
/// and a line under it (HTML, already escaped).
pub fn head(title: &str, heading: &str, sub_html: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — faultline</title><style>{CSS}</style></head><body>\
         <header><h1>{}</h1><div class=\"dir\">{sub_html}</div></header><main>\n",
        esc(title),
        esc(heading)
    )
}

/// The end of every page.
pub const FOOT: &str = "</main></body></html>\n";

/// The index of runs, newest first, filtered.
pub fn index(root_label: &str, runs: &[RunEntry], filter: Filter) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str(&head(
        &format!("runs — {root_label}"),
        "faultline runs",
        &esc(root_label),
    ));
    out.push_str("<nav>show: ");
    let filters = [
        (Filter::All, "all"),
        (Filter::Verdict(Validity::Invalid), "invalid"),
        (Filter::Verdict(Validity::Unknown), "unknown"),
        (Filter::Verdict(Validity::Valid), "valid"),
        (Filter::Pending, "no verdict"),
    ];
    for (f, label) in filters {
        let n = runs.iter().filter(|r| f.keeps(r)).count();
        let target = if f == Filter::All {
            "/".to_string()
        } else {
            format!("/?verdict={}", f.query())
        };
        let cls = if f == filter { " class=\"on\"" } else { "" };
        let _ = write!(out, "<a{cls} href=\"{target}\">{label} ({n})</a> ");
    }
    out.push_str("</nav>\n");
    let shown: Vec<&RunEntry> = runs.iter().filter(|r| filter.keeps(r)).collect();
    if shown.is_empty() {
        out.push_str(
            "<p class=\"empty\">No runs here. Start one with <code>faultline run</code>.</p>",
        );
        out.push_str(FOOT);
        return out;
    }
    // Two radio columns and a button compare the configs of any two runs
    // (GET /diff?a=&b=), without a script.
    out.push_str(
        "<form action=\"/diff\" method=\"get\"><table><thead><tr><th>started (UTC)</th>\
         <th>test</th><th>verdict</th><th>SUT / mode<div class=\"rel\">workload</div></th><th>bug</th><th>seed</th>\
         <th class=\"n\">took s</th><th>faults injected</th><th class=\"n\">ops</th>\
         <th class=\"n\">ops/s</th><th>checkers</th><th>open</th>\
         <th title=\"choose two runs, then compare their configs\">A B</th></tr></thead><tbody>\n",
    );
    for r in shown {
        let d = r.details.as_ref();
        let _ = writeln!(
            out,
            "<tr><td>{when}</td><td><a class=\"test\" href=\"{trend}\">{name}</a>\
             <div class=\"rel\">{rel}</div></td><td>{badge}</td><td>{sut}</td><td class=\"bug\">{bugs}</td>\
             <td class=\"seed\">{seed}</td><td class=\"n\">{took}</td><td>{faults}</td>\
             <td class=\"n\">{ops}</td><td class=\"n\">{rate}</td><td>{checkers}</td>\
             <td>{open}</td><td class=\"pick\"><input type=\"radio\" name=\"a\" value=\"{v}\" \
             aria-label=\"compare as A\"><input type=\"radio\" name=\"b\" value=\"{v}\" \
             aria-label=\"compare as B\"></td></tr>",
            when = when(r),
            trend = test_href(&r.name),
            name = esc(&r.name),
            rel = esc(&r.rel),
            badge = badge(r.valid),
            sut = d.map(sut_cell).unwrap_or_default(),
            bugs = d.map(|d| esc(&d.bugs.join(", "))).unwrap_or_default(),
            seed = seed(d),
            took = took(d),
            faults = faults_cell(r),
            ops = r.ops,
            rate = d
                .map(|d| format!("{:.0}", d.ops_per_sec))
                .unwrap_or_default(),
            checkers = d.map(checkers_cell).unwrap_or_default(),
            open = open_links(r),
            v = esc(&r.rel),
        );
    }
    out.push_str(
        "</tbody></table><p><button type=\"submit\">compare the configs of A and B</button>\
         </p></form>\n",
    );
    out.push_str(FOOT);
    out
}

/// `/tests/<name>`: the page of every run of one test.
pub fn test_href(name: &str) -> String {
    format!("/tests/{}", href(name))
}

/// `2026-12-07 00:03:18`, or `?`.
pub fn when(r: &RunEntry) -> String {
    r.started
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "?".into())
}

/// The verdict as a coloured badge.
pub fn badge(valid: Option<Validity>) -> String {
    let (cls, word) = match valid {
        Some(v) => (verdict_class(v), verdict_word(v)),
        None => ("pending", "NO VERDICT"),
    };
    format!("<span class=\"badge {cls}\">{word}</span>")
}

/// `bundled raft` or `http`, over the workload.
fn sut_cell(d: &RunDetails) -> String {
    let sut = if d.sut == "bundled" {
        format!("bundled {}", esc(&d.mode))
    } else {
        esc(&d.sut)
    };
    format!("{sut}<div class=\"rel\">{}</div>", esc(&d.workload))
}

pub fn seed(d: Option<&RunDetails>) -> String {
    d.and_then(|d| d.seed)
        .map(|s| s.to_string())
        .unwrap_or_default()
}

pub fn took(d: Option<&RunDetails>) -> String {
    d.and_then(|d| d.elapsed_s)
        .map(|s| format!("{s:.1}"))
        .unwrap_or_default()
}

/// `kill 1 · partition 2`; a run without results.json shows its nemesis
/// event count, all there is to go on.
pub fn faults_cell(r: &RunEntry) -> String {
    match &r.details {
        Some(d) if d.injected.is_empty() => "none".into(),
        Some(d) => {
            let parts: Vec<String> = d
                .injected
                .iter()
                .map(|(k, n)| format!("{} {n}", esc(k)))
                .collect();
            format!(
                "<span title=\"{} nemesis events\">{}</span>",
                r.faults,
                parts.join(" · ")
            )
        }
        None => format!("{} nemesis events", r.faults),
    }
}

/// One small badge per checker, coloured by its verdict.
pub fn checkers_cell(d: &RunDetails) -> String {
    let parts: Vec<String> = d
        .checkers
        .iter()
        .map(|(c, v)| {
            format!(
                "<span class=\"chk {}\" title=\"{}: {}\">{}</span>",
                verdict_class(*v),
                esc(c),
                verdict_word(*v),
                esc(c)
            )
        })
        .collect();
    parts.join(" ")
}

/// Links to the run's report, files and history.
pub fn open_links(r: &RunEntry) -> String {
    let base = format!("/runs/{}", href(&r.rel));
    let report = if r.has_report {
        format!("<a href=\"{base}/report.html\">report</a> · ")
    } else {
        String::new()
    };
    format!("{report}<a href=\"{base}/\">files</a> · <a href=\"{base}/history.jsonl\">history</a>")
}

/// A listing of one directory under the results root.
pub fn listing(rel: &str, entries: &[(String, bool)]) -> String {
    let label = if rel.is_empty() { "/" } else { rel };
    let mut out = head(label, label, "<a href=\"/\">← all runs</a>");
    out.push_str("<ul class=\"listing\">");
    for (name, is_dir) in entries {
        let slash = if *is_dir { "/" } else { "" };
        let _ = write!(
            out,
            "<li><a href=\"{}{slash}\">{}{slash}</a></li>",
            href(name),
            esc(name)
        );
    }
    out.push_str("</ul>");
    out.push_str(FOOT);
    out
}

// An asset file, so it is read and edited as the CSS it is; pasted in byte
// for byte (it begins with the newline the page has after `<style>`).
const CSS: &str = include_str!("assets/serve.css");
