//! `faultline report DIR --markdown`: one run as GitHub-flavoured Markdown,
//! for a CI job's summary page (`$GITHUB_STEP_SUMMARY`). It says what the
//! job's exit code means, what ran and which faults happened, then the
//! operations and checker tables summary.txt has, and the start of each
//! counterexample: enough to decide whether to download the results.

use super::counterexample::counterexample_text;
use super::markdown_escape::{fenced, inline};
use super::run_data::{RunData, VerdictSource};
use crate::exit::Exit;
use crate::run::config::{RunConfig, SutKind};
use crate::run::stats::RunStats;
use crate::run::summary::{OUTCOMES_NOTE, TableStyle, card_table, fail_reasons_table, ops_table};
use faultline_checkers::{Validity, Verdict};
use std::fmt::Write;

/// Lines of one counterexample shown. The text renderer puts the smallest
/// counterexample first, so this keeps it whole and cuts the longest
/// linearizable prefixes, which report.html shows in full.
const MAX_COUNTEREXAMPLE_LINES: usize = 60;

/// Bytes of one counterexample shown: GitHub takes at most 1 MiB of summary
/// per step, and every invalid checker gets a block.
const MAX_COUNTEREXAMPLE_BYTES: usize = 12 * 1024;

/// Renders the run.
pub fn render(run: &RunData) -> String {
    let valid = run.validity();
    let exit = Exit::of_run(valid, run.harness_error());
    let config = run.config();
    let stats = run.stats();
    let mut out = String::with_capacity(16 * 1024);
    let _ = writeln!(
        out,
        "## {} {}: {}\n\n**Exit code {}**: {}.\n",
        icon(exit),
        super::html::verdict_word(valid),
        inline(&run.name()),
        exit.code(),
        exit.meaning()
    );
    facts(&mut out, run, config.as_ref(), &stats);
    warnings(&mut out, run);
    operations(&mut out, &stats);
    out.push_str("### Checkers\n\n");
    out.push_str(&card_table(&run.verdicts, TableStyle::Markdown));
    out.push('\n');
    for v in run.verdicts.iter().filter(|v| v.valid == Validity::Invalid) {
        counterexample(&mut out, v);
    }
    out
}

/// Where the eye goes first in a list of job summaries.
fn icon(exit: Exit) -> &'static str {
    match exit {
        Exit::Valid => "✅",
        Exit::Invalid => "❌",
        Exit::Unknown => "⚠️",
        Exit::Error => "🛑",
    }
}

/// The run's facts as a list; those a run directory does not record are left out.
fn facts(out: &mut String, run: &RunData, config: Option<&RunConfig>, stats: &RunStats) {
    let mut item = |name: &str, value: String| {
        let _ = writeln!(out, "- **{name}**: {value}");
    };
    item("test", inline(&run.name()));
    let results = run.results.as_ref();
    let endpoints = results.map_or(0, |r| r.nodes.len());
    if let Some(c) = config {
        item("system under test", system_under_test(c, endpoints));
        item("workload", workload(c));
        let bug = if c.bug.is_empty() {
            "none".to_string()
        } else {
            code_list(&c.bug.iter().map(ToString::to_string).collect::<Vec<_>>())
        };
        item("bug", bug);
    }
    if let Some(seed) = results.and_then(|r| r.seed) {
        item("seed", format!("`{seed}`"));
    }
    if let Some(e) = results.and_then(|r| r.elapsed_s) {
        let main = config
            .map(|c| format!(" (main phase {} s)", c.time_limit))
            .unwrap_or_default();
        item("duration", format!("{e:.1} s{main}"));
    }
    if let Some(r) = results
        && !r.started.is_empty()
    {
        item("started", inline(&super::html::readable_time(&r.started)));
    }
    let requested: Vec<String> = match (results, config) {
        (Some(r), _) if !r.faults.requested.is_empty() => r.faults.requested.clone(),
        (_, Some(c)) => c
            .nemesis
            .iter()
            .filter(|k| **k != crate::run::config::FaultWord::None)
            .map(ToString::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let schedule = config
        .map(|c| format!(", {}", c.nemesis_schedule.describe(c.nemesis_interval)))
        .unwrap_or_default();
    item(
        "faults requested",
        if requested.is_empty() {
            "none".to_string()
        } else {
            format!("{}{schedule}", code_list(&requested))
        },
    );
    if let Some(r) = results {
        item("faults injected", injected(&r.faults));
    }
    let rate = if stats.main_ops_per_sec > 0.0 {
        format!("{:.0} ops/s in the main phase", stats.main_ops_per_sec)
    } else {
        format!("{:.0} ops/s over the history", stats.ops_per_sec)
    };
    item(
        "operations",
        format!(
            "{} invoked, {rate}, {} nemesis events",
            stats.invoked, stats.nemesis_events
        ),
    );
    out.push('\n');
}

/// `` `bundled` (raft mode, 3 nodes) `` or `` `http` (3 endpoints) ``.
fn system_under_test(c: &RunConfig, endpoints: usize) -> String {
    if c.sut != SutKind::Bundled {
        return format!("`{}` ({endpoints} endpoints)", c.sut);
    }
    let size = if c.shards > 1 {
        format!("{} shards of {} nodes", c.shards, c.nodes)
    } else {
        format!("{} nodes", c.nodes)
    };
    let cache = if c.cache { ", read cache" } else { "" };
    format!(
        "`bundled` ({} mode, {size}{cache})",
        inline(&c.mode.to_string())
    )
}

/// `` `cas-register`, 6 workers at 100 ops/s ``.
fn workload(c: &RunConfig) -> String {
    let rate = if c.rate > 0.0 {
        format!("{} ops/s", c.rate)
    } else {
        "full speed".to_string()
    };
    format!("`{}`, {} workers at {rate}", c.workload, c.concurrency)
}

/// `` `kill` ×1, `partition` ×2 (kill leader ×1, ...) ``, or `none`.
fn injected(faults: &super::run_data::FaultsSummary) -> String {
    if faults.injected.is_empty() {
        return "none".to_string();
    }
    let kinds: Vec<String> = faults
        .injected
        .iter()
        .map(|(k, n)| format!("`{}` ×{n}", inline(k)))
        .collect();
    let targets: Vec<String> = faults
        .targets
        .iter()
        .map(|(t, n)| format!("{} ×{n}", inline(t)))
        .collect();
    let combined: Vec<String> = faults
        .combinations
        .iter()
        .map(|(t, n)| format!("{} ×{n}", inline(t)))
        .collect();
    let mut text = if targets.is_empty() {
        kinds.join(", ")
    } else {
        format!("{} ({})", kinds.join(", "), targets.join(", "))
    };
    if !combined.is_empty() {
        text.push_str(&format!("; combined: {}", combined.join(", ")));
    }
    text
}

fn code_list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|i| format!("`{}`", inline(i))).collect();
    parts.join(", ")
}

/// What a reader must know before trusting the tables.
fn warnings(out: &mut String, run: &RunData) {
    let mut warn = |text: String| {
        let _ = writeln!(out, "> ⚠️ {text}\n");
    };
    if let Some(r) = &run.results {
        if r.interrupted {
            warn("The run was interrupted (Ctrl-C): the history is partial.".into());
        }
        if let Some(e) = &r.faults.error {
            warn(format!(
                "A fault failed mid-run, so no fault ran after it: {}",
                inline(e)
            ));
        }
    }
    if run.verdict_source == VerdictSource::Rechecked {
        warn(
            "The verdicts were computed by `faultline report` from history.jsonl, \
             not taken from the run's results.json."
                .into(),
        );
    }
    if run.skipped_lines > 0 {
        warn(format!(
            "The last line of history.jsonl was torn (the harness stopped mid-write) \
             and was skipped: {} line(s).",
            run.skipped_lines
        ));
    }
}

fn operations(out: &mut String, stats: &RunStats) {
    out.push_str("### Operations\n\n");
    out.push_str(&ops_table(stats, TableStyle::Markdown));
    let _ = writeln!(out, "\n\n{}", inline(OUTCOMES_NOTE));
    if let Some(table) = fail_reasons_table(stats, TableStyle::Markdown) {
        let _ = writeln!(out, "\n{table}");
    }
    out.push('\n');
}

/// An invalid verdict's counterexample as text, cut to fit a summary page.
fn counterexample(out: &mut String, v: &Verdict) {
    let Some(text) = counterexample_text(v) else {
        return;
    };
    let (shown, cut) = cut(&text, MAX_COUNTEREXAMPLE_LINES, MAX_COUNTEREXAMPLE_BYTES);
    let _ = write!(
        out,
        "\n### Counterexample: {}\n\n{}",
        inline(&v.checker),
        fenced(shown, "text")
    );
    if let Some(total) = cut {
        let _ = writeln!(
            out,
            "\nThe first {} of {total} lines; the run's report.html and summary.txt have all of them.",
            shown.lines().count()
        );
    }
}

/// The first whole lines of `text` within `max_lines` and `max_bytes`, and
/// the total line count when that is not all of it.
fn cut(text: &str, max_lines: usize, max_bytes: usize) -> (&str, Option<usize>) {
    let total = text.lines().count();
    let mut end = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        if n == max_lines || end + line.len() > max_bytes {
            return (&text[..end], Some(total));
        }
        end += line.len();
    }
    (text, None)
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn cuts_at_whole_lines_within_both_limits() {
        let text = "one\ntwo\nthree\n";
        assert_eq!(cut(text, 10, 1000), (text, None));
        assert_eq!(cut(text, 2, 1000), ("one\ntwo\n", Some(3)));
        assert_eq!(cut(text, 10, 9), ("one\ntwo\n", Some(3)));
        // A first line over the byte limit leaves nothing rather than half a line.
        assert_eq!(cut(text, 10, 2), ("", Some(3)));
    }
}
