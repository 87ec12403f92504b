//! The HTML of `faultline serve`: the run index and directory listings.

use super::runs::RunEntry;
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

/// The index of runs, newest first, filtered.
pub fn index(root_label: &str, runs: &[RunEntry], filter: Filter) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>faultline runs — {}</title><style>{CSS}</style></head><body>\
         <header><h1>faultline runs</h1><div class=\"dir\">{}</div></header><main>\n",
        esc(root_label),
        esc(root_label)
    );
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
    } else {
        out.push_str(
            "<table><thead><tr><th>started (UTC)</th><th>test</th><th>verdict</th>\
             <th class=\"n\">ops</th><th class=\"n\" title=\"faults and heals recorded by the nemesis\">nemesis events</th><th>open</th></tr></thead><tbody>\n",
        );
        for r in shown {
            let when = r
                .started
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_else(|| "?".into());
            let (cls, word) = match r.valid {
                Some(v) => (verdict_class(v), verdict_word(v)),
                None => ("pending", "NO VERDICT"),
            };
            let base = format!("/runs/{}", href(&r.rel));
            let report = if r.has_report {
                format!("<a href=\"{base}/report.html\">report</a> · ")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "<tr><td>{when}</td><td>{name}<div class=\"rel\">{rel}</div></td>\
                 <td><span class=\"badge {cls}\">{word}</span></td><td class=\"n\">{ops}</td>\
                 <td class=\"n\">{faults}</td><td>{report}<a href=\"{base}/\">files</a> · \
                 <a href=\"{base}/history.jsonl\">history</a></td></tr>",
                name = esc(&r.name),
                rel = esc(&r.rel),
                ops = r.ops,
                faults = r.faults,
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</main></body></html>\n");
    out
}

/// A listing of one directory under the results root.
pub fn listing(rel: &str, entries: &[(String, bool)]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{0} — faultline</title><style>{CSS}</style></head><body>\
         <header><h1>{0}</h1><div class=\"dir\"><a href=\"/\">← all runs</a></div></header>\
         <main><ul class=\"listing\">",
        esc(if rel.is_empty() { "/" } else { rel })
    );
    for (name, is_dir) in entries {
        let slash = if *is_dir { "/" } else { "" };
        let _ = write!(
            out,
            "<li><a href=\"{}{slash}\">{}{slash}</a></li>",
            href(name),
            esc(name)
        );
    }
    out.push_str("</ul></main></body></html>\n");
    out
}

const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;background:#f6f7f9}
header{background:#1f2937;color:#fff;padding:14px 28px;display:flex;align-items:baseline;gap:20px}
header h1{margin:0;font-size:22px}header .dir{opacity:.8}header a{color:#cfe1ff}
main{max-width:1300px;margin:0 auto;padding:16px 28px}
nav{margin:0 0 12px}nav a{display:inline-block;padding:4px 10px;margin-right:4px;border:1px solid #cdd3da;border-radius:14px;text-decoration:none;color:#222;background:#fff}
nav a.on{background:#1f2937;color:#fff;border-color:#1f2937}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e6}
th,td{padding:7px 12px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
th{background:#f0f2f5}.n{text-align:right;font-variant-numeric:tabular-nums}
.rel{color:#777;font-size:12px}
.badge{display:inline-block;min-width:92px;text-align:center;font-weight:700;padding:2px 8px;border-radius:4px;color:#fff}
.badge.valid{background:#1e7d3a}.badge.invalid{background:#b3261e}.badge.unknown{background:#8a6d00}.badge.pending{background:#6b7280}
a{color:#0b57d0}
.listing{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:12px 32px;line-height:1.9}
.empty{color:#555}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
"#;
