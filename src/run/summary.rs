//! The terminal summary: a table per operation type and the verdicts.

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
    model: String,
    verdict: String,
    #[tabled(rename = "smallest witness / summary")]
    note: String,
}

/// Longest note shown in the terminal; results.json keeps the whole text.
const NOTE_WIDTH: usize = 240;

/// The report card: one row per consistency model (one per session
/// guarantee) with its verdict and the smallest witness of a violation.
pub fn render_card(verdicts: &[Verdict]) -> String {
    let rows: Vec<CardRowView> = ReportCard::from_verdicts(verdicts)
        .rows
        .into_iter()
        .map(|r| CardRowView {
            model: r.model,
            verdict: validity_word(r.valid).into(),
            note: shorten(&r.note, NOTE_WIDTH),
        })
        .collect();
    Table::new(rows).with(Style::sharp()).to_string()
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
) -> String {
    let ops: Vec<OpRow> = stats
        .ops
        .iter()
        .map(|s| OpRow {
            op: s.f.clone(),
            ok: s.ok,
            fail: s.fail,
            info: s.info,
            p50: format!("{:.1}", s.p50_ms),
            p95: format!("{:.1}", s.p95_ms),
            p99: format!("{:.1}", s.p99_ms),
            max: format!("{:.1}", s.max_ms),
        })
        .collect();
    let mut out = String::new();
    out.push_str(title);
    out.push('\n');
    out.push_str(&Table::new(ops).with(Style::sharp()).to_string());
    out.push_str(&format!(
        "\n{} operations invoked, {:.0} ops/s in the main phase, {} nemesis events\n\
         ok = took effect · fail = definitely did not (e.g. cas-mismatch, not-leader) · \
         info = unknown (timeout, lost connection, or a 5xx such as 504)\n",
        stats.invoked, stats.main_ops_per_sec, stats.nemesis_events
    ));
    if let Some(line) = stats.fail_reasons_line() {
        out.push_str(&format!("{line}\n({})\n", super::stats::FAIL_REASONS_NOTE));
    }
    out.push_str(&render_card(verdicts));
    out.push('\n');
    for e in explanations {
        out.push('\n');
        out.push_str(e);
    }
    // A harness error outranks every verdict but an anomaly found (see run_tests).
    let (extra, exit) = if harness_error && valid != Validity::Invalid {
        (", harness error", crate::exit::Exit::Error)
    } else {
        ("", crate::exit::Exit::from(valid))
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
