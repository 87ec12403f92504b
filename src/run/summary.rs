//! The terminal summary: a table per operation type and the verdicts. The
//! same tables, drawn in Markdown, make `faultline report --markdown`.

use super::stats::RunStats;
use faultline_checkers::{ReportCard, Validity, Verdict};
use tabled::settings::Style;
use tabled::{Table, Tabled};

#[derive(Tabled)]
struct OpRow {
    op: String,
    ok: u64,
    fail: u64,
    info: u64,
    #[tabled(rename = "p50 ms")]
    p50: String,
    #[tabled(rename = "p95 ms")]
    p95: String,
    #[tabled(rename = "p99 ms")]
    p99: String,
    #[tabled(rename = "max ms")]
    max: String,
}

#[derive(Tabled)]
struct CardRowView {
    /// The checker and, for report-card rows, the model it judges.
    checker: String,
    verdict: String,
    #[tabled(rename = "smallest witness / summary")]
    note: String,
}

/// Longest note shown in a table; results.json keeps the whole text.
const NOTE_WIDTH: usize = 240;

/// What the three outcomes mean, under every operations table.
pub const OUTCOMES_NOTE: &str = "ok = took effect · fail = definitely did not (e.g. cas-mismatch, \
     not-leader) · info = unknown (timeout, lost connection, or a 5xx such as 504)";

/// How a table is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStyle {
    /// Box-drawing lines, for a terminal and summary.txt.
    Terminal,
    /// GitHub-flavoured Markdown (a CI job's summary page).
    Markdown,
}

impl TableStyle {
    fn draw<T: Tabled>(self, rows: Vec<T>) -> String {
        let mut table = Table::new(rows);
        match self {
            TableStyle::Terminal => table.with(Style::sharp()),
            TableStyle::Markdown => table.with(Style::markdown()),
        };
        table.to_string()
    }

    /// A cell's text. A Markdown cell ends at a `|` or a line break, and
    /// `<`, `*`, `_`, `` ` ``, `[` would be read as HTML or formatting (a
    /// witness such as `read <nil>` would vanish), so those are escaped.
    fn cell(self, text: &str) -> String {
        match self {
            TableStyle::Terminal => text.to_string(),
            TableStyle::Markdown => crate::report::markdown_escape::inline(text),
        }
    }
}

/// The operations table: per operation type, outcomes and latency quantiles.
pub fn ops_table(stats: &RunStats, style: TableStyle) -> String {
    let rows: Vec<OpRow> = stats
        .ops
        .iter()
        .map(|s| OpRow {
            op: style.cell(&s.f),
            ok: s.ok,
            fail: s.fail,
            info: s.info,
            p50: format!("{:.1}", s.p50_ms),
            p95: format!("{:.1}", s.p95_ms),
            p99: format!("{:.1}", s.p99_ms),
            max: format!("{:.1}", s.max_ms),
        })
        .collect();
    style.draw(rows)
}

#[derive(Tabled)]
struct FailReasonRow {
    #[tabled(rename = "fail reason")]
    reason: String,
    count: u64,
    meaning: &'static str,
}

/// `fail` completions by reason, each marked expected (the store answered
/// no) or not (it could not serve the request); `None` when nothing failed.
pub fn fail_reasons_table(stats: &RunStats, style: TableStyle) -> Option<String> {
    let mut rows: Vec<FailReasonRow> = stats
        .fail_reasons
        .iter()
        .map(|(r, n)| FailReasonRow {
            reason: style.cell(r.as_str()),
            count: *n,
            meaning: if r.is_expected() {
                "expected: the store answered no"
            } else {
                "not served: unavailable or refused"
            },
        })
        .collect();
    if stats.fail_untyped > 0 {
        rows.push(FailReasonRow {
            reason: "untyped".into(),
            count: stats.fail_untyped,
            meaning: "free-text error (a history from elsewhere)",
        });
    }
    (!rows.is_empty()).then(|| style.draw(rows))
}

/// The report card: one row per consistency model (one per session
/// guarantee) with its verdict and the smallest witness of a violation.
pub fn card_table(verdicts: &[Verdict], style: TableStyle) -> String {
    let rows: Vec<CardRowView> = ReportCard::from_verdicts(verdicts)
        .rows
        .into_iter()
        .map(|r| CardRowView {
            checker: style.cell(&r.model),
            verdict: validity_word(r.valid).into(),
            note: style.cell(&shorten(&r.note, NOTE_WIDTH)),
        })
        .collect();
    style.draw(rows)
}

/// [`card_table`] for a terminal.
pub fn render_card(verdicts: &[Verdict]) -> String {
    card_table(verdicts, TableStyle::Terminal)
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// Renders the summary text (also written to `summary.txt`).
pub fn render(
    title: &str,
    stats: &RunStats,
    verdicts: &[Verdict],
    explanations: &[String],
    valid: Validity,
    harness_error: bool,
    faults: Option<&str>,
) -> String {
    let mut out = String::new();
    out.push_str(title);
    out.push('\n');
    out.push_str(&ops_table(stats, TableStyle::Terminal));
    out.push_str(&format!(
        "\n{} operations invoked, {:.0} ops/s in the main phase, {} nemesis events\n",
        stats.invoked, stats.main_ops_per_sec, stats.nemesis_events
    ));
    if let Some(faults) = faults {
        out.push_str(faults);
        out.push('\n');
    }
    out.push_str(OUTCOMES_NOTE);
    out.push('\n');
    if let Some(line) = stats.fail_reasons_line() {
        out.push_str(&format!("{line}\n({})\n", super::stats::FAIL_REASONS_NOTE));
    }
    out.push_str(&render_card(verdicts));
    out.push('\n');
    for e in explanations {
        out.push('\n');
        out.push_str(e);
    }
    let exit = crate::exit::Exit::of_run(valid, harness_error);
    let extra = if exit == crate::exit::Exit::Error {
        ", harness error"
    } else {
        ""
    };
    out.push_str(&format!(
        "verdict: {}{extra} (exit code {})\n",
        validity_word(valid),
        exit.code()
    ));
    out
}

/// `valid`, `INVALID` or `unknown`.
pub fn validity_word(v: Validity) -> &'static str {
    match v {
        Validity::Valid => "valid",
        Validity::Invalid => "INVALID",
        Validity::Unknown => "unknown",
    }
}
