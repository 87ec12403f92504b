//! The terminal summary: a table per operation type and the verdicts.

use super::stats::RunStats;
use faultline_checkers::{Validity, Verdict};
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
struct VerdictRow {
    checker: String,
    verdict: String,
    summary: String,
}

/// Renders the summary text (also written to `summary.txt`).
pub fn render(
    title: &str,
    stats: &RunStats,
    verdicts: &[Verdict],
    explanations: &[String],
    valid: Validity,
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
    let verdict_rows: Vec<VerdictRow> = verdicts
        .iter()
        .map(|v| VerdictRow {
            checker: v.checker.clone(),
            verdict: validity_word(v.valid).into(),
            summary: v.summary.clone(),
        })
        .collect();
    let mut out = String::new();
    out.push_str(title);
    out.push('\n');
    out.push_str(&Table::new(ops).with(Style::sharp()).to_string());
    out.push_str(&format!(
        "\n{} operations invoked, {:.0} ops/s in the main phase, {} nemesis events\n\
         ok = took effect · fail = definitely did not (e.g. CAS mismatch, not leader) · \
         info = unknown (timeout, connection lost)\n",
        stats.invoked, stats.main_ops_per_sec, stats.nemesis_events
    ));
    out.push_str(&Table::new(verdict_rows).with(Style::sharp()).to_string());
    out.push('\n');
    for e in explanations {
        out.push('\n');
        out.push_str(e);
    }
    out.push_str(&format!(
        "verdict: {} (exit code {})\n",
        validity_word(valid),
        crate::exit::Exit::from(valid).code()
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
