//! Terminal text for a linearizability report: a verdict line, then for each
//! invalid partition the end of the longest linearizable prefix and the
//! operations that cannot be placed after it, with the model state and why.

use super::label::{op_label, truncate};
use crate::linearizability::{
    Counterexample, LinearizabilityReport, MinimalCounterexample, OpView, PartitionResult,
};
use crate::verdict::Validity;
use std::collections::HashMap;
use std::fmt::Write;

/// Prefix steps shown before the failure; earlier ones are summarised in one line.
const PREFIX_TAIL: usize = 8;
/// Invalid partitions explained in full; further ones are only listed.
const MAX_EXPLAINED: usize = 3;
/// Unknown partitions listed by key before the rest are counted.
const MAX_UNKNOWN_LISTED: usize = 10;
/// Longest model state printed.
const MAX_STATE_CHARS: usize = 48;

/// Renders the report as plain text (no colour codes), ending with a newline.
pub fn render(report: &LinearizabilityReport) -> String {
    let mut out = String::new();
    let total_ops: usize = report.partitions.iter().map(|p| p.ops).sum();
    let count = |v: Validity| report.partitions.iter().filter(|p| p.valid == v).count();
    let n = report.partitions.len();
    let parts = if n == 1 { "key" } else { "keys" };
    let headline = match report.valid {
        Validity::Valid => format!("VALID: linearizable as {}", report.model),
        Validity::Invalid => format!("INVALID: not linearizable as {}", report.model),
        Validity::Unknown => format!(
            "UNKNOWN: could not decide linearizability as {}",
            report.model
        ),
    };
    let _ = writeln!(
        out,
        "{headline} ({} valid, {} invalid, {} unknown of {n} {parts}; {total_ops} ops; {})",
        count(Validity::Valid),
        count(Validity::Invalid),
        count(Validity::Unknown),
        format_ms(report.elapsed_ms),
    );

    let invalid = invalid_smallest_first(report);
    for p in invalid.iter().take(MAX_EXPLAINED) {
        out.push('\n');
        render_invalid(&mut out, p);
    }
    if invalid.len() > MAX_EXPLAINED {
        let rest: Vec<String> = invalid[MAX_EXPLAINED..]
            .iter()
            .map(|p| key_name(&p.key))
            .collect();
        let _ = writeln!(out, "\nalso invalid: {}", rest.join(", "));
    }

    let unknown: Vec<&PartitionResult> = report
        .partitions
        .iter()
        .filter(|p| p.valid == Validity::Unknown)
        .collect();
    if !unknown.is_empty() {
        out.push('\n');
        for p in unknown.iter().take(MAX_UNKNOWN_LISTED) {
            let reason = p.reason.as_deref().unwrap_or("not decided");
            let _ = writeln!(
                out,
                "{}: unknown ({} ops): {reason}",
                key_title(&p.key),
                p.ops
            );
        }
        if unknown.len() > MAX_UNKNOWN_LISTED {
            let _ = writeln!(
                out,
                "... and {} more unknown keys",
                unknown.len() - MAX_UNKNOWN_LISTED
            );
        }
    }
    out
}

/// The invalid keys, the one with the smallest counterexample first (ties
/// keep the report's natural key order): it is the quickest to read.
fn invalid_smallest_first(report: &LinearizabilityReport) -> Vec<&PartitionResult> {
    let mut invalid: Vec<&PartitionResult> = report
        .partitions
        .iter()
        .filter(|p| p.valid == Validity::Invalid)
        .collect();
    invalid.sort_by_key(|p| p.counterexample_size());
    invalid
}

/// Explains one invalid partition in about ten lines.
fn render_invalid(out: &mut String, p: &PartitionResult) {
    let _ = writeln!(out, "{}: INVALID ({} ops)", key_title(&p.key), p.ops);
    let Some(cx) = &p.counterexample else {
        let _ = writeln!(out, "  (the checker gave no counterexample)");
        return;
    };
    let ops: HashMap<usize, &OpView> = cx.operations.iter().map(|o| (o.id, o)).collect();
    let describe = |id: usize| match ops.get(&id) {
        Some(op) => (format!("p{} {}", op.process, op_label(op)), events(op)),
        None => (format!("op {id}"), String::new()),
    };

    if let Some(m) = &cx.minimal {
        render_minimal(out, m);
        let _ = writeln!(out, "  the whole key:");
    }
    render_prefix(out, p, cx, &describe);

    if cx.unplaceable.is_empty() {
        let _ = writeln!(out, "  (no operation could be placed next)");
        return;
    }
    let _ = writeln!(out, "  then none of these can go next:");
    let rows: Vec<(String, String)> = cx.unplaceable.iter().map(|u| describe(u.op)).collect();
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    for (u, (label, ev)) in cx.unplaceable.iter().zip(&rows) {
        let _ = writeln!(
            out,
            "    ✗ {label:<width$}  {ev}  state {}: {}",
            truncate(&u.state, MAX_STATE_CHARS),
            u.reason
        );
    }
}

/// The shrunk counterexample: its core, what the rest of the key may have
/// done, the longest order the model accepts, and what cannot go next.
fn render_minimal(out: &mut String, m: &MinimalCounterexample) {
    let n = m.core.len();
    let what = match n {
        1 => "this operation cannot take effect".to_string(),
        n => format!("these {n} operations cannot be ordered"),
    };
    let how = if m.one_minimal {
        "without any one of them the rest can be ordered".to_string()
    } else {
        format!(
            "the time to shrink ran out after {}, so it may not be minimal",
            format_ms(m.elapsed_ms)
        )
    };
    let _ = writeln!(
        out,
        "  smallest counterexample: {what} (shrunk from {} ops; {how})",
        m.from_ops
    );
    let by_id: HashMap<usize, &OpView> = m.operations.iter().map(|o| (o.id, o)).collect();
    let label = |id: usize| match by_id.get(&id) {
        Some(op) => format!("p{} {}", op.process, op_label(op)),
        None => format!("op {id}"),
    };
    let width = m
        .core
        .iter()
        .map(|&id| label(id).chars().count())
        .max()
        .unwrap_or(0);
    for &id in &m.core {
        let ev = by_id.get(&id).map(|o| events(o)).unwrap_or_default();
        let _ = writeln!(out, "    {:<width$}  {ev}", label(id));
    }
    if m.unknown_effect > 0 {
        let _ = writeln!(
            out,
            "    whatever the key's {} other updates did (each may have taken effect any time after its call, or never)",
            m.unknown_effect
        );
    }
    match m.longest_prefixes.first().filter(|p| !p.steps.is_empty()) {
        Some(prefix) => {
            let skip = prefix.steps.len().saturating_sub(PREFIX_TAIL);
            let earlier = if skip > 0 {
                format!("... {skip} earlier, ")
            } else {
                String::new()
            };
            let steps: Vec<String> = prefix
                .steps
                .iter()
                .skip(skip)
                .map(|s| {
                    format!(
                        "{} → {}",
                        label(s.op),
                        truncate(&s.state_after, MAX_STATE_CHARS)
                    )
                })
                .collect();
            let _ = writeln!(out, "    the longest order: {earlier}{}", steps.join(", "));
        }
        None => {
            let _ = writeln!(out, "    no operation can go first");
        }
    }
    for u in &m.unplaceable {
        let _ = writeln!(
            out,
            "    ✗ {}  state {}: {}",
            label(u.op),
            truncate(&u.state, MAX_STATE_CHARS),
            u.reason
        );
    }
}

/// The tail of the longest prefix, numbered from the start of the linearization.
fn render_prefix(
    out: &mut String,
    p: &PartitionResult,
    cx: &Counterexample,
    describe: &dyn Fn(usize) -> (String, String),
) {
    let Some(prefix) = cx.longest_prefixes.first() else {
        let _ = writeln!(out, "  no operation can be linearized first");
        return;
    };
    let len = prefix.len();
    if len == 0 {
        let _ = writeln!(out, "  no operation can be linearized first");
        return;
    }
    // Only the steps inside the counterexample's window are kept, so the
    // count and the numbers come from the whole prefix, not from `steps`.
    let skip = prefix.steps.len().saturating_sub(PREFIX_TAIL);
    let rows: Vec<(usize, String, String, &str)> = prefix
        .steps
        .iter()
        .enumerate()
        .skip(skip)
        .map(|(i, s)| {
            let (label, ev) = describe(s.op);
            (prefix.position(i), label, ev, s.state_after.as_str())
        })
        .collect();
    let _ = writeln!(
        out,
        "  longest linearizable prefix: {len} of {} ops{}",
        p.ops,
        if rows.len() < len {
            format!(" (last {} shown)", rows.len())
        } else {
            String::new()
        }
    );
    let width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    let num_width = len.to_string().len();
    let earlier = rows.first().map_or(0, |r| r.0 - 1);
    if earlier > 0 {
        let _ = writeln!(out, "    {:>num_width$}  ... {earlier} earlier steps", "");
    }
    for (n, label, ev, state) in rows {
        let _ = writeln!(
            out,
            "    {n:>num_width$}. {label:<width$}  {ev}  → {}",
            truncate(state, MAX_STATE_CHARS)
        );
    }
}

/// Where the op is in the source history, so a reader can find its lines.
fn events(op: &OpView) -> String {
    match op.complete_index {
        Some(c) => format!("[events {}–{c}]", op.invoke_index),
        None => format!("[event {}, open]", op.invoke_index),
    }
}

/// `key "k2"` or `history` for unkeyed histories.
fn key_title(key: &Option<String>) -> String {
    match key {
        Some(k) => format!("key {k:?}"),
        None => "history".to_string(),
    }
}

/// The key as listed among others.
fn key_name(key: &Option<String>) -> String {
    match key {
        Some(k) => format!("{k:?}"),
        None => crate::history::key_label(None),
    }
}

/// Milliseconds, or seconds once they read better.
pub(crate) fn format_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.1} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linearizability::LinearizationStep;
    use crate::render::html::tests::sample_report;

    #[test]
    fn invalid_report_names_key_failing_op_state_and_reason() {
        let text = render(&sample_report());
        assert!(
            text.starts_with("INVALID: not linearizable as cas-register"),
            "{text}"
        );
        assert!(text.contains("key \"k2\": INVALID"), "{text}");
        assert!(text.contains("✗ p2 read → 3"), "{text}");
        assert!(text.contains("read 3 but the register holds 0"), "{text}");
        assert!(text.contains("state 0"), "{text}");
        assert!(text.contains("1. p1 write 4"), "{text}");
        assert!(text.contains("2. p3 cas [4,0]"), "{text}");
        assert!(text.lines().count() <= 12, "too long:\n{text}");
    }

    #[test]
    fn long_prefix_shows_only_its_tail() {
        let mut r = sample_report();
        let cx = r.partitions[0].counterexample.as_mut().unwrap();
        // Position 0: numbered by place in `steps`, as reports written
        // before positions were recorded are.
        let step = LinearizationStep {
            position: 0,
            ..cx.longest_prefixes[0].steps[0].clone()
        };
        cx.longest_prefixes[0].steps = vec![step; 30];
        let text = render(&r);
        assert!(text.contains("30 of"), "{text}");
        assert!(text.contains("... 22 earlier steps"), "{text}");
        assert!(text.contains("30. p1 write 4"), "{text}");
        assert!(!text.contains(" 1. p1"), "{text}");
    }

    /// Before, a prefix of 500 operations of which the window kept 30 was
    /// reported as "30 of N ops", numbered from 1.
    #[test]
    fn a_windowed_prefix_counts_and_numbers_the_whole_linearization() {
        let mut r = sample_report();
        let cx = r.partitions[0].counterexample.as_mut().unwrap();
        let step = cx.longest_prefixes[0].steps[0].clone();
        cx.longest_prefixes[0].steps = (0..30)
            .map(|i| LinearizationStep {
                position: 471 + i,
                ..step.clone()
            })
            .collect();
        cx.longest_prefixes[0].length = 500;
        let text = render(&r);
        assert!(text.contains("prefix: 500 of"), "{text}");
        assert!(text.contains("(last 8 shown)"), "{text}");
        assert!(text.contains("... 492 earlier steps"), "{text}");
        assert!(text.contains("500. p1 write 4"), "{text}");
    }

    #[test]
    fn valid_and_unknown_reports_say_so() {
        let mut r = sample_report();
        r.valid = Validity::Unknown;
        r.partitions[0].valid = Validity::Unknown;
        r.partitions[0].counterexample = None;
        r.partitions[0].reason = Some("deadline of 5 s reached".into());
        let text = render(&r);
        assert!(text.starts_with("UNKNOWN"), "{text}");
        assert!(
            text.contains("key \"k2\": unknown (4 ops): deadline of 5 s reached"),
            "{text}"
        );

        r.valid = Validity::Valid;
        r.partitions[0].valid = Validity::Valid;
        r.partitions[0].reason = None;
        let text = render(&r);
        assert!(
            text.starts_with("VALID: linearizable as cas-register (1 valid"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1);
    }
}
