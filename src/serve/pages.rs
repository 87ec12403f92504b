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

const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;background:#f6f7f9}
header{background:#1f2937;color:#fff;padding:14px 28px;display:flex;align-items:baseline;gap:20px}
header h1{margin:0;font-size:22px}header .dir{opacity:.8}header a{color:#cfe1ff}
main{max-width:1500px;margin:0 auto;padding:16px 28px}
nav{margin:0 0 12px}nav a{display:inline-block;padding:4px 10px;margin-right:4px;border:1px solid #cdd3da;border-radius:14px;text-decoration:none;color:#222;background:#fff}
nav a.on{background:#1f2937;color:#fff;border-color:#1f2937}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e6}
th,td{padding:7px 12px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
th{background:#f0f2f5}.n{text-align:right;font-variant-numeric:tabular-nums}
.rel{color:#777;font-size:12px}
.badge{display:inline-block;min-width:92px;text-align:center;font-weight:700;padding:2px 8px;border-radius:4px;color:#fff}
.badge.valid{background:#1e7d3a}.badge.invalid{background:#b3261e}.badge.unknown{background:#8a6d00}.badge.pending{background:#6b7280}
a{color:#0b57d0}
.seed{font:13px/1.7 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#444}
td.bug{white-space:nowrap}
.chk{display:inline-block;font-size:12px;padding:0 6px;margin:1px 0;border-radius:3px;border:1px solid}
.chk.valid{border-color:#1e7d3a;color:#1e7d3a}.chk.invalid{border-color:#b3261e;color:#b3261e;font-weight:700}.chk.unknown{border-color:#8a6d00;color:#8a6d00}
td.pick{white-space:nowrap}
.counts{margin:4px 0 12px}
.charts{display:grid;gap:10px;margin:0 0 16px}
svg.trend{width:100%;max-width:900px;height:auto;background:#fff;border:1px solid #dde1e6;border-radius:6px}
svg.trend .title{font:600 13px system-ui,sans-serif;fill:#222}svg.trend .tick{font:11px system-ui,sans-serif;fill:#666}
svg.trend .grid{stroke:#e3e6ea}svg.trend .line{fill:none;stroke:#9aa3ad;stroke-width:1.5}
.pt.valid{fill:#1e7d3a}.pt.invalid{fill:#b3261e}.pt.unknown{fill:#8a6d00}.pt.pending{fill:#6b7280}
table.diff.changed td:nth-child(2){background:#fdecea}table.diff.changed td:nth-child(3){background:#eaf6ee}
details summary{cursor:pointer;margin:10px 0;font-weight:600}
button{font:inherit;padding:5px 12px;border-radius:6px;border:1px solid #1f2937;background:#1f2937;color:#fff;cursor:pointer}
.listing{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:12px 32px;line-height:1.9}
.empty{color:#555}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
"#;
