//! A self-contained HTML page for a linearizability report: a header with the
//! verdict, a summary of all partitions, and for each invalid partition a
//! timeline (one row per process, operations as bars, the longest linearizable
//! prefix numbered and joined at its linearization points, the operations that
//! cannot be placed in red). Inline CSS, JS and SVG only: the file can be
//! mailed or archived and still opens offline.
//!
//! The x axis is the order of events, not wall time: what decides
//! linearizability is which operations overlap, and equal spacing keeps short
//! operations as visible as long ones. Tooltips carry the real times.

use super::label::{op_label, short_value, truncate};
use super::text::format_ms;
use crate::linearizability::{
    Counterexample, LinearizabilityReport, MinimalCounterexample, OpView, PartitionResult,
};
use crate::verdict::Validity;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

/// Invalid partitions drawn as timelines; the rest are listed in the summary.
const MAX_TIMELINES: usize = 20;
/// Partitions listed one by one in the summary table before valid ones are counted instead.
const MAX_SUMMARY_ROWS: usize = 100;
/// Above this many operations only a window around the failure is drawn.
const MAX_DRAWN_OPS: usize = 300;
/// Prefix steps kept in the window before the failure.
const WINDOW_PREFIX_STEPS: usize = 120;
/// Prefix steps listed in the collapsible list under a timeline.
const MAX_LISTED_STEPS: usize = 2000;

/// Pixels per event slot before the page script fits the timeline to the window.
const STEP: f64 = 16.0;
/// Space left of the first slot.
const PAD_L: f64 = 8.0;
/// Space right of the last slot, where open (info) operations fade out.
const PAD_R: f64 = 80.0;
/// Height of the axis band above the rows.
const AXIS_H: f64 = 30.0;
/// Height of one process row.
const ROW_H: f64 = 40.0;
/// Bar top within its row.
const BAR_Y: f64 = 5.0;
/// Bar height.
const BAR_H: f64 = 18.0;
/// Centre of the linearization-number badges within a row (just under the bar).
const LIN_Y: f64 = 28.0;
/// Ticks on the axis every this many slots.
const TICK_EVERY: usize = 10;

/// What the page can show beyond the report itself, from the history it
/// was checked from.
#[derive(Debug, Clone, Default)]
pub struct PageContext {
    /// The history's `time`s are real (nanoseconds since the test started, as
    /// in faultline's JSONL): draw the x axis in milliseconds. Otherwise
    /// (EDN, Porcupine logs) the axis is the order of events.
    pub time_axis: bool,
    /// Fault windows to shade behind the operations (time axis only).
    pub faults: Vec<FaultShade>,
}

/// A fault that was active from `start_ns` to `end_ns` (test time).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultShade {
    /// Its kind, e.g. `partition`, `kill`.
    pub label: String,
    /// Which nodes or halves.
    pub detail: String,
    /// When it began.
    pub start_ns: u64,
    /// When it was healed (or the history ended).
    pub end_ns: u64,
}

/// Renders the whole report as one HTML document; `source` names the checked
/// history. The x axis is the order of events; see [`render_with`].
pub fn render(report: &LinearizabilityReport, source: &str) -> String {
    render_with(report, source, &PageContext::default())
}

/// Renders the whole report with what the history adds: a time axis and
/// shaded fault windows.
pub fn render_with(report: &LinearizabilityReport, source: &str, ctx: &PageContext) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let verdict = verdict_word(report.valid);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — {} — faultline check</title><style>{CSS}</style></head><body>\n",
        verdict,
        esc(source)
    );
    render_header(&mut out, report, source);
    let mut invalid: Vec<(usize, &PartitionResult)> = report
        .partitions
        .iter()
        .enumerate()
        .filter(|(_, p)| p.valid == Validity::Invalid)
        .collect();
    // The smallest counterexample first: it is the quickest to read.
    invalid.sort_by_key(|(_, p)| p.counterexample_size());
    for (i, p) in invalid.iter().take(MAX_TIMELINES) {
        render_partition(&mut out, *i, p, &report.model, ctx);
    }
    if invalid.len() > MAX_TIMELINES {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} more invalid keys are listed below but not drawn.</p>",
            invalid.len() - MAX_TIMELINES
        );
    }
    // Every key's verdict last: the first screen is for the counterexample.
    render_summary(&mut out, report);
    let _ = writeln!(
        out,
        "<div id=\"tip\"></div><script>{JS}</script></body></html>"
    );
    out
}

/// The verdict as the page shows it.
fn verdict_word(v: Validity) -> &'static str {
    match v {
        Validity::Valid => "VALID",
        Validity::Invalid => "INVALID",
        Validity::Unknown => "UNKNOWN",
    }
}

/// CSS class of a verdict badge.
fn verdict_class(v: Validity) -> &'static str {
    match v {
        Validity::Valid => "valid",
        Validity::Invalid => "invalid",
        Validity::Unknown => "unknown",
    }
}

fn render_header(out: &mut String, report: &LinearizabilityReport, source: &str) {
    let total_ops: usize = report.partitions.iter().map(|p| p.ops).sum();
    let meaning = match report.valid {
        Validity::Valid => "the history is linearizable",
        Validity::Invalid => "the history is not linearizable",
        Validity::Unknown => "the checker could not decide every key",
    };
    let _ = writeln!(
        out,
        "<header><h1><span class=\"badge {}\">{}</span> {}</h1>\
         <dl><dt>history</dt><dd>{}</dd><dt>model</dt><dd>{}</dd>\
         <dt>keys</dt><dd>{}</dd><dt>operations</dt><dd>{}</dd>\
         <dt>check time</dt><dd>{}</dd></dl></header>",
        verdict_class(report.valid),
        verdict_word(report.valid),
        meaning,
        esc(source),
        esc(&report.model),
        report.partitions.len(),
        total_ops,
        format_ms(report.elapsed_ms)
    );
}

/// A table of partitions: all of them when few, otherwise the undecided and invalid ones.
fn render_summary(out: &mut String, report: &LinearizabilityReport) {
    out.push_str("<section class=\"summary\"><h2>Keys</h2><table><thead><tr><th>key</th><th>verdict</th><th>ops</th><th>note</th></tr></thead><tbody>\n");
    let many = report.partitions.len() > MAX_SUMMARY_ROWS;
    let mut hidden_valid = 0usize;
    for (i, p) in report.partitions.iter().enumerate() {
        if many && p.valid == Validity::Valid {
            hidden_valid += 1;
            continue;
        }
        let key = match &p.key {
            Some(k) if p.valid == Validity::Invalid => {
                format!("<a href=\"#part-{i}\">{}</a>", esc(k))
            }
            Some(k) => esc(k),
            None if p.valid == Validity::Invalid => {
                format!("<a href=\"#part-{i}\">(whole history)</a>")
            }
            None => "(whole history)".to_string(),
        };
        let note = match (&p.reason, &p.counterexample) {
            (Some(r), _) => esc(r),
            (None, Some(cx)) => format!("{} operation(s) cannot be placed", cx.unplaceable.len()),
            (None, None) => String::new(),
        };
        let _ = writeln!(
            out,
            "<tr><td>{key}</td><td><span class=\"badge small {}\">{}</span></td><td>{}</td><td>{note}</td></tr>",
            verdict_class(p.valid),
            verdict_word(p.valid),
            p.ops
        );
    }
    if hidden_valid > 0 {
        let _ = writeln!(
            out,
            "<tr><td colspan=\"4\">… and {hidden_valid} valid keys</td></tr>"
        );
    }
    out.push_str("</tbody></table></section>\n");
}

/// One invalid partition: explanation, timeline, the unplaceable ops and the prefix.
fn render_partition(
    out: &mut String,
    index: usize,
    p: &PartitionResult,
    model: &str,
    ctx: &PageContext,
) {
    let title = match &p.key {
        Some(k) => format!("Key <code>{}</code>", esc(k)),
        None => "Whole history".to_string(),
    };
    let _ = writeln!(
        out,
        "<section class=\"partition\" id=\"part-{index}\"><h2>{title} <span class=\"badge small invalid\">INVALID</span></h2>"
    );
    let Some(cx) = &p.counterexample else {
        out.push_str("<p>The checker gave no counterexample for this key.</p></section>\n");
        return;
    };
    if let Some(m) = &cx.minimal {
        render_minimal(out, m, model, ctx);
        out.push_str("<h3>The whole key</h3>\n");
    }
    let prefix_len = cx.longest_prefixes.first().map_or(0, |l| l.steps.len());
    let _ = writeln!(
        out,
        "<p class=\"explain\">As a <b>{}</b>, at most <b>{prefix_len}</b> of the {} operations can be put in an order \
         that respects real time (numbered in that order, joined by the line through their linearization points). \
         After them, <b class=\"bad\">{} operation(s) in red</b> would have to come next, but none fits the state there.</p>",
        esc(model),
        p.ops,
        cx.unplaceable.len()
    );
    let timeline = Timeline::build(cx, ctx);
    timeline.write(out, cx, ctx);
    render_unplaceable_table(out, cx, &timeline.ops_by_id);
    render_prefix_list(out, cx, &timeline.ops_by_id);
    out.push_str("</section>\n");
}

/// The shrunk counterexample, drawn like a key: its few operations on their
/// timeline, what cannot go next, and the order of the rest with states.
fn render_minimal(out: &mut String, m: &MinimalCounterexample, model: &str, ctx: &PageContext) {
    let what = match m.core.len() {
        1 => "this operation cannot take effect".to_string(),
        n => format!("these {n} operations cannot be ordered"),
    };
    let others = if m.unknown_effect > 0 {
        format!(
            ", whatever the key's {} other updates did (each may have taken effect any time after its call, or never; \
             those an order below uses are drawn open-ended)",
            m.unknown_effect
        )
    } else {
        String::new()
    };
    let how = if m.one_minimal {
        "Without any one of them the rest can be ordered.".to_string()
    } else {
        format!(
            "The time to shrink ran out after {}, so it may not be minimal.",
            format_ms(m.elapsed_ms)
        )
    };
    let _ = writeln!(
        out,
        "<div class=\"minimal\"><h3>Smallest counterexample: {what}</h3>\
         <p class=\"explain\">Shrunk from the key's {} operations: as a <b>{}</b>, {what}{others}. {how}</p>",
        m.from_ops,
        esc(model)
    );
    let cx = Counterexample {
        key: None,
        operations: m.operations.clone(),
        longest_prefixes: m.longest_prefixes.clone(),
        unplaceable: m.unplaceable.clone(),
        minimal: None,
    };
    let timeline = Timeline::build(&cx, ctx);
    timeline.write(out, &cx, ctx);
    render_unplaceable_table(out, &cx, &timeline.ops_by_id);
    render_prefix_list(out, &cx, &timeline.ops_by_id);
    out.push_str("</div>\n");
}

fn render_unplaceable_table(out: &mut String, cx: &Counterexample, ops: &HashMap<usize, &OpView>) {
    out.push_str("<table class=\"unplaceable\"><thead><tr><th>cannot be placed</th><th>process</th><th>history events</th><th>state there</th><th>why</th></tr></thead><tbody>\n");
    for u in &cx.unplaceable {
        let (label, process, events) = match ops.get(&u.op) {
            Some(op) => (op_label(op), format!("p{}", op.process), event_span(op)),
            None => (format!("op {}", u.op), String::new(), String::new()),
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"bad\">✗ {}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            esc(&label),
            esc(&process),
            esc(&events),
            esc(&truncate(&u.state, 200)),
            esc(&u.reason)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn render_prefix_list(out: &mut String, cx: &Counterexample, ops: &HashMap<usize, &OpView>) {
    let Some(prefix) = cx.longest_prefixes.first() else {
        return;
    };
    let _ = write!(
        out,
        "<details><summary>Longest linearizable prefix ({} steps, with the state after each)</summary><ol>",
        prefix.steps.len()
    );
    for s in prefix.steps.iter().take(MAX_LISTED_STEPS) {
        let label = match ops.get(&s.op) {
            Some(op) => format!("p{} {}", op.process, op_label(op)),
            None => format!("op {}", s.op),
        };
        let _ = write!(
            out,
            "<li><span class=\"op\">{}</span> → <code>{}</code></li>",
            esc(&label),
            esc(&truncate(&s.state_after, 200))
        );
    }
    out.push_str("</ol></details>\n");
}

/// Where an op is in the source history.
fn event_span(op: &OpView) -> String {
    match op.complete_index {
        Some(c) => format!("{}–{c}", op.invoke_index),
        None => format!("{} (never completed)", op.invoke_index),
    }
}

/// How an operation is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Part of the longest linearizable prefix.
    Linearized,
    /// One of the operations that cannot be placed next.
    Unplaceable,
    /// Neither: after the failure point, or not reached.
    Other,
}

impl Status {
    fn class(self) -> &'static str {
        match self {
            Status::Linearized => "lin",
            Status::Unplaceable => "bad",
            Status::Other => "other",
        }
    }
}

/// The geometry of one timeline, in event slots (the page script turns slots into pixels).
struct Timeline<'a> {
    /// Operations drawn, in invocation order.
    drawn: Vec<&'a OpView>,
    /// All operations of the counterexample by id (drawn or not).
    ops_by_id: HashMap<usize, &'a OpView>,
    /// Rows, one per process, in process order.
    rows: Vec<crate::history::ProcessId>,
    /// Position (in slots) of each drawn op's invocation and completion.
    slots: HashMap<usize, (f64, Option<f64>)>,
    /// How positions map to the history's time, when the axis is time.
    time: Option<TimeScale>,
    /// History event index at each slot, for axis labels.
    slot_events: Vec<u64>,
    /// Linearization number (1-based) of prefix ops.
    lin_number: HashMap<usize, usize>,
    /// Linearization points (slot coordinate, row) of drawn prefix ops, in order, with their number.
    lin_points: Vec<(f64, usize, usize)>,
    /// Total ops in the counterexample.
    total: usize,
}

impl<'a> Timeline<'a> {
    fn build(cx: &'a Counterexample, ctx: &PageContext) -> Timeline<'a> {
        let ops_by_id: HashMap<usize, &OpView> = cx.operations.iter().map(|o| (o.id, o)).collect();
        let prefix = cx
            .longest_prefixes
            .first()
            .map(|l| l.steps.as_slice())
            .unwrap_or(&[]);
        let lin_number: HashMap<usize, usize> = prefix
            .iter()
            .enumerate()
            .map(|(i, s)| (s.op, if s.position > 0 { s.position } else { i + 1 }))
            .collect();
        let drawn = window(cx, prefix);

        // Every invoke and completion gets its own slot, ordered by (time, event
        // index), so the drawing keeps the history's real-time order.
        let mut events: BTreeMap<(u64, u64), ()> = BTreeMap::new();
        for op in &drawn {
            events.insert((op.invoke_time, op.invoke_index), ());
            if let (Some(t), Some(i)) = (op.complete_time, op.complete_index) {
                events.insert((t, i), ());
            }
        }
        let slot_of: HashMap<(u64, u64), usize> =
            events.keys().enumerate().map(|(s, k)| (*k, s)).collect();
        let slot_events: Vec<u64> = events.keys().map(|(_, i)| *i).collect();
        let time = ctx
            .time_axis
            .then(|| TimeScale::new(events.keys().map(|(t, _)| *t), slot_events.len()))
            .flatten();
        let mut slots = HashMap::new();
        for op in &drawn {
            let at = |t: u64, i: u64| match &time {
                Some(scale) => scale.pos(t),
                None => slot_of[&(t, i)] as f64,
            };
            let s0 = at(op.invoke_time, op.invoke_index);
            let s1 = match (op.complete_time, op.complete_index) {
                (Some(t), Some(i)) => Some(at(t, i)),
                _ => None,
            };
            slots.insert(op.id, (s0, s1));
        }
        let rows: Vec<_> = drawn
            .iter()
            .map(|o| o.process)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let row_of: HashMap<_, usize> = rows.iter().enumerate().map(|(i, p)| (*p, i)).collect();

        // A point inside each op's interval, never earlier than the previous
        // one: the latest invocation so far is such a point in any valid
        // linearization, because every earlier op was invoked before this one completed.
        let mut lin_points = Vec::new();
        let mut last = f64::NEG_INFINITY;
        for (i, step) in prefix.iter().enumerate() {
            let (Some(op), Some((s0, s1))) = (ops_by_id.get(&step.op), slots.get(&step.op)) else {
                continue;
            };
            // Inside the bar, after the previous point: half a slot in, or
            // half the bar when it is shorter than a slot.
            let into = s1.map_or(0.5, |s1| ((s1 - s0) / 2.0).min(0.5));
            let mut x = (s0 + into).max(last + 0.01);
            if let Some(s1) = s1 {
                x = x.min(s1 - (s1 - s0).min(0.4) / 4.0);
            }
            last = x;
            lin_points.push((x, row_of[&op.process], i + 1));
        }
        Timeline {
            drawn,
            ops_by_id,
            rows,
            slots,
            time,
            slot_events,
            lin_number,
            lin_points,
            total: cx.operations.len(),
        }
    }

    fn status(&self, cx: &Counterexample, id: usize) -> Status {
        if cx.unplaceable.iter().any(|u| u.op == id) {
            Status::Unplaceable
        } else if self.lin_number.contains_key(&id) {
            Status::Linearized
        } else {
            Status::Other
        }
    }

    fn write(&self, out: &mut String, cx: &Counterexample, ctx: &PageContext) {
        let nslots = self.slot_events.len();
        let width = PAD_L + nslots as f64 * STEP + PAD_R;
        let height = AXIS_H + self.rows.len() as f64 * ROW_H + 4.0;
        let x = |s: f64| PAD_L + (s + 0.5) * STEP;
        let row_of: HashMap<_, usize> =
            self.rows.iter().enumerate().map(|(i, p)| (*p, i)).collect();
        let row_y = |r: usize| AXIS_H + r as f64 * ROW_H;

        if self.drawn.len() < self.total {
            let _ = writeln!(
                out,
                "<p class=\"note\">Showing the {} operations around the failure, of {} of this key.</p>",
                self.drawn.len(),
                self.total
            );
        }
        out.push_str(LEGEND);
        let faults = self.faults(ctx);
        if !faults.is_empty() {
            out.push_str(FAULT_LEGEND);
        }
        let hint = if self.time.is_some() {
            "x axis: time since the test started; hover a bar for its events, node and times"
        } else {
            "x axis: order of events in the history (numbers are event indices); hover a bar for details"
        };
        let _ = write!(
            out,
            "<div class=\"timeline\"><div class=\"controls\"><button class=\"zout\" title=\"zoom out\">−</button><button class=\"zin\" title=\"zoom in\">+</button><button class=\"zfit\">fit</button><span class=\"hint\">{hint}</span></div><div class=\"tlbody\">"
        );

        // Process labels stay put while the timeline scrolls sideways.
        let _ = write!(
            out,
            "<svg class=\"labels\" width=\"56\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">"
        );
        for (r, p) in self.rows.iter().enumerate() {
            let _ = write!(
                out,
                "<text x=\"50\" y=\"{:.1}\" text-anchor=\"end\" class=\"proc\">p{}</text>",
                row_y(r) + BAR_Y + BAR_H - 5.0,
                esc(&p.to_string())
            );
        }
        out.push_str("</svg><div class=\"scroll\">");
        let tick_slots = self
            .time
            .as_ref()
            .map_or(TICK_EVERY as f64, |t| t.tick_slots());
        let _ = write!(
            out,
            "<svg class=\"tl\" width=\"{width:.0}\" height=\"{height}\" data-slots=\"{nslots}\" data-step=\"{STEP}\" data-padl=\"{PAD_L}\" data-padr=\"{PAD_R}\" data-tickslots=\"{tick_slots:.3}\" xmlns=\"http://www.w3.org/2000/svg\">"
        );
        out.push_str(GRADIENTS);
        for r in 0..self.rows.len() {
            let _ = write!(
                out,
                "<rect class=\"rowbg{}\" x=\"0\" y=\"{:.1}\" width=\"{width:.0}\" height=\"{ROW_H}\"/>",
                if r % 2 == 0 { "" } else { " odd" },
                row_y(r)
            );
        }
        for (start, end, f) in &faults {
            let _ = write!(
                out,
                "<g data-tip=\"{tip}\"><rect class=\"fault\" data-s0=\"{start:.3}\" data-s1=\"{end:.3}\" x=\"{x0:.1}\" y=\"{AXIS_H}\" width=\"{w:.1}\" height=\"{rows_h:.1}\"/><text class=\"faultlbl\" data-s=\"{start:.3}\" x=\"{x0:.1}\" y=\"28\">{label}</text></g>",
                tip = esc(&format!(
                    "{} {}\nfrom {} to {}",
                    f.label,
                    f.detail,
                    format_ms(f.start_ns as f64 / 1e6),
                    format_ms(f.end_ns as f64 / 1e6)
                )),
                x0 = x(*start),
                w = (x(*end) - x(*start)).max(2.0),
                rows_h = self.rows.len() as f64 * ROW_H,
                label = esc(&f.label),
            );
        }
        let ticks: Vec<(f64, String)> = match &self.time {
            Some(scale) => scale.ticks(),
            None => (0..nslots)
                .step_by(TICK_EVERY)
                .map(|s| (s as f64, self.slot_events[s].to_string()))
                .collect(),
        };
        for (i, (s, label)) in ticks.iter().enumerate() {
            let _ = write!(
                out,
                "<line class=\"tick\" data-s=\"{s:.3}\" x1=\"{xs:.1}\" x2=\"{xs:.1}\" y1=\"{AXIS_H}\" y2=\"{height}\"/><text class=\"ticklbl\" data-s=\"{s:.3}\" data-i=\"{i}\" x=\"{xs:.1}\" y=\"18\">{label}</text>",
                xs = x(*s),
                label = esc(label)
            );
        }
        if let Some((s, _, n)) = self.lin_points.last() {
            let _ = write!(
                out,
                "<line class=\"cut\" data-s=\"{0:.2}\" x1=\"{1:.1}\" x2=\"{1:.1}\" y1=\"22\" y2=\"{height}\"/><text class=\"cutlbl\" data-s=\"{0:.2}\" x=\"{1:.1}\" y=\"29\">prefix ends (#{n})</text>",
                s + 0.3,
                x(s + 0.3)
            );
        }

        // Next op start in the same row: how far a label may run past its bar.
        let mut next_start: HashMap<usize, f64> = HashMap::new();
        let mut by_row: BTreeMap<usize, Vec<(f64, usize)>> = BTreeMap::new();
        for op in &self.drawn {
            by_row
                .entry(row_of[&op.process])
                .or_default()
                .push((self.slots[&op.id].0, op.id));
        }
        for list in by_row.values_mut() {
            list.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for w in list.windows(2) {
                next_start.insert(w[0].1, w[1].0);
            }
        }

        for op in &self.drawn {
            let (s0, s1) = self.slots[&op.id];
            let status = self.status(cx, op.id);
            let y = row_y(row_of[&op.process]);
            let x0 = x(s0);
            let x1 = s1.map_or(width, x);
            let fill = if s1.is_none() {
                format!(" fill=\"url(#fade-{})\"", status.class())
            } else {
                String::new()
            };
            let s1_attr = s1.map_or(String::new(), |s| format!(" data-s1=\"{s:.3}\""));
            let lbl_end = next_start
                .get(&op.id)
                .map_or(String::new(), |s| format!(" data-s1=\"{s:.3}\""));
            let mark = if status == Status::Unplaceable {
                "✗ "
            } else {
                ""
            };
            let _ = write!(
                out,
                "<g class=\"op {}{}\" data-tip=\"{}\"><rect class=\"bar\" data-s0=\"{s0:.3}\"{s1_attr} x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{BAR_H}\" rx=\"3\"{fill}/><text class=\"lbl\" data-s0=\"{s0:.3}\"{lbl_end} x=\"{:.1}\" y=\"{:.1}\">{mark}{}</text></g>",
                status.class(),
                if s1.is_none() { " open" } else { "" },
                esc(&self.tooltip(cx, op)),
                y + BAR_Y,
                (x1 - x0).max(4.0),
                x0 + 4.0,
                y + BAR_Y + BAR_H - 5.0,
                esc(&op_label(op))
            );
            if let Some(u) = cx.unplaceable.iter().find(|u| u.op == op.id) {
                // Said right under the red bar, where the eye already is.
                let _ = write!(
                    out,
                    "<text class=\"why\" data-s=\"{s0:.3}\" x=\"{x0:.1}\" y=\"{:.1}\">{}</text>",
                    y + LIN_Y + 5.0,
                    esc(&truncate(&format!("state {}: {}", u.state, u.reason), 90))
                );
            }
        }

        if self.lin_points.len() > 1 {
            let mut pts = String::new();
            let mut data = String::new();
            for (s, r, _) in &self.lin_points {
                let ly = row_y(*r) + LIN_Y;
                let _ = write!(pts, "{:.1},{ly:.1} ", x(*s));
                let _ = write!(data, "{s:.2},{ly:.1} ");
            }
            let _ = write!(
                out,
                "<polyline class=\"linpath\" points=\"{}\" data-pts=\"{}\"/>",
                pts.trim_end(),
                data.trim_end()
            );
        }
        for (s, r, n) in &self.lin_points {
            let ly = row_y(*r) + LIN_Y;
            let _ = write!(
                out,
                "<circle class=\"linpt\" data-s=\"{s:.2}\" cx=\"{:.1}\" cy=\"{ly:.1}\" r=\"7\"/><text class=\"linnum\" data-s=\"{s:.2}\" x=\"{:.1}\" y=\"{:.1}\">{n}</text>",
                x(*s),
                x(*s),
                ly + 3.5
            );
        }
        out.push_str("</svg></div></div></div>\n");
    }

    /// The fault windows that overlap the drawn span, as (start, end) positions.
    fn faults<'c>(&self, ctx: &'c PageContext) -> Vec<(f64, f64, &'c FaultShade)> {
        let Some(scale) = &self.time else {
            return Vec::new();
        };
        ctx.faults
            .iter()
            .filter(|f| f.end_ns >= scale.t0 && f.start_ns <= scale.t1)
            .map(|f| {
                (
                    scale.pos(f.start_ns.max(scale.t0)),
                    scale.pos(f.end_ns.min(scale.t1)),
                    f,
                )
            })
            .collect()
    }

    /// Hover text: what the op did, where it is in the history, and its role in the counterexample.
    fn tooltip(&self, cx: &Counterexample, op: &OpView) -> String {
        let mut t = format!("p{} {}\n", op.process, op_label(op));
        if !op.value.is_null() {
            let _ = writeln!(t, "argument: {}", short_value(&op.value));
        }
        if op.complete_time.is_some() {
            let _ = writeln!(t, "result: {}", short_value(&op.result));
        }
        if let Some(node) = &op.node {
            let _ = writeln!(t, "node: {node}");
        }
        let when = |time: u64| match self.time {
            Some(_) => format_ms(time as f64 / 1e6),
            None => format!("time {time}"),
        };
        let _ = writeln!(
            t,
            "invoked: event {}, {}",
            op.invoke_index,
            when(op.invoke_time)
        );
        match (op.complete_index, op.complete_time) {
            (Some(i), Some(time)) => {
                let _ = writeln!(t, "completed: event {i}, {}", when(time));
            }
            _ => {
                let _ = writeln!(
                    t,
                    "never completed (info): may take effect any time later, or never"
                );
            }
        }
        if let Some(u) = cx.unplaceable.iter().find(|u| u.op == op.id) {
            let _ = write!(
                t,
                "CANNOT BE PLACED\nstate there: {}\nwhy: {}",
                truncate(&u.state, 200),
                u.reason
            );
        } else if let Some(n) = self.lin_number.get(&op.id) {
            let state = cx
                .longest_prefixes
                .first()
                .and_then(|l| l.steps.get(n - 1))
                .map_or("", |s| s.state_after.as_str());
            let _ = write!(
                t,
                "linearized as #{n}; state after: {}",
                truncate(state, 200)
            );
        } else {
            t.push_str("not in the longest linearizable prefix");
        }
        t
    }
}

/// A time axis: history times to positions in slots, keeping the width the
/// event axis would have (one slot per event on average).
struct TimeScale {
    /// First and last time drawn (ns since the test started).
    t0: u64,
    t1: u64,
    /// Nanoseconds per slot.
    per_slot: f64,
}

impl TimeScale {
    fn new(times: impl Iterator<Item = u64>, slots: usize) -> Option<TimeScale> {
        let (mut t0, mut t1) = (u64::MAX, 0u64);
        for t in times {
            t0 = t0.min(t);
            t1 = t1.max(t);
        }
        (t0 <= t1 && slots > 0).then(|| TimeScale {
            t0,
            t1,
            per_slot: ((t1 - t0).max(1) as f64) / slots as f64,
        })
    }

    /// Where time `t` is drawn, in slots (the page puts slot `s` at `(s + 0.5) * step`).
    fn pos(&self, t: u64) -> f64 {
        (t.saturating_sub(self.t0)) as f64 / self.per_slot - 0.5
    }

    /// A round tick interval (1, 2 or 5 times a power of ten, in ns) giving
    /// about ten ticks over the span.
    fn interval(&self) -> u64 {
        let raw = ((self.t1 - self.t0).max(10) / 10).max(1);
        let mut unit = 1u64;
        // Bounded: unit grows tenfold each round and stops past `raw`.
        while unit.saturating_mul(10) <= raw {
            unit *= 10;
        }
        [1, 2, 5, 10]
            .into_iter()
            .map(|m| unit.saturating_mul(m))
            .find(|&i| i >= raw)
            .unwrap_or(unit)
    }

    fn tick_slots(&self) -> f64 {
        self.interval() as f64 / self.per_slot
    }

    /// Ticks at round times, labelled in milliseconds since the test started.
    fn ticks(&self) -> Vec<(f64, String)> {
        let step = self.interval();
        let first = self.t0.div_ceil(step) * step;
        (0..)
            .map(|k| first + k * step)
            .take_while(|&t| t <= self.t1)
            .take(200)
            .map(|t| (self.pos(t), format_ms(t as f64 / 1e6)))
            .collect()
    }
}

/// The operations to draw: all of them when few, else those around the failure.
fn window<'a>(
    cx: &'a Counterexample,
    prefix: &[crate::linearizability::LinearizationStep],
) -> Vec<&'a OpView> {
    let mut ops: Vec<&OpView> = cx.operations.iter().collect();
    ops.sort_by_key(|o| (o.invoke_time, o.invoke_index));
    if ops.len() <= MAX_DRAWN_OPS {
        return ops;
    }
    let by_id: HashMap<usize, &OpView> = cx.operations.iter().map(|o| (o.id, o)).collect();
    let start = prefix
        .iter()
        .rev()
        .take(WINDOW_PREFIX_STEPS)
        .filter_map(|s| by_id.get(&s.op))
        .map(|o| o.invoke_time)
        .min()
        .unwrap_or(0);
    let end = cx
        .unplaceable
        .iter()
        .filter_map(|u| by_id.get(&u.op))
        .map(|o| o.complete_time.unwrap_or(o.invoke_time))
        .chain(
            prefix
                .last()
                .and_then(|s| by_id.get(&s.op))
                .map(|o| o.complete_time.unwrap_or(o.invoke_time)),
        )
        .max()
        .unwrap_or(u64::MAX);
    let unplaceable: BTreeSet<usize> = cx.unplaceable.iter().map(|u| u.op).collect();
    ops.retain(|o| {
        unplaceable.contains(&o.id)
            || (o.invoke_time <= end && o.complete_time.is_none_or(|c| c >= start))
    });
    ops
}

/// Escapes text for HTML element content and attribute values (also used by
/// the run reports, so every page faultline writes escapes the same way).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
    out
}

// The page's fixed parts are asset files, so they are read and edited as the
// HTML, SVG, CSS and JavaScript they are. They are pasted in byte for byte:
// the CSS and JS begin with the newline the page has after `<style>` and
// `<script>`, and `gradients.svg` has no final newline.
const LEGEND: &str = include_str!("assets/legend.html");

const FAULT_LEGEND: &str = include_str!("assets/fault-legend.html");

const GRADIENTS: &str = include_str!("assets/gradients.svg");

const CSS: &str = include_str!("assets/timeline.css");

const JS: &str = include_str!("assets/timeline.js");

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::history::{OpFn, ProcessId};
    use crate::linearizability::{Linearization, LinearizationStep, Unplaceable};
    use serde_json::{Value, json};

    fn op(
        id: usize,
        p: u64,
        f: OpFn,
        value: Value,
        result: Value,
        inv: u64,
        comp: Option<u64>,
    ) -> OpView {
        OpView {
            id,
            process: ProcessId::Client(p),
            f,
            value,
            result,
            invoke_time: inv,
            complete_time: comp,
            invoke_index: inv,
            complete_index: comp,
            node: None,
        }
    }

    /// A cas-register history on key k2 where p2 reads 3 after the register became 0.
    pub(crate) fn sample_report() -> LinearizabilityReport {
        let operations = vec![
            op(0, 1, OpFn::Write, json!(4), json!(4), 0, Some(1)),
            op(1, 3, OpFn::Cas, json!([4, 0]), json!([4, 0]), 2, Some(4)),
            op(2, 2, OpFn::Read, Value::Null, json!(3), 5, Some(6)),
            op(3, 4, OpFn::Write, json!(1), Value::Null, 3, None),
        ];
        let cx = Counterexample {
            key: Some("k2".into()),
            operations,
            longest_prefixes: vec![Linearization {
                steps: vec![
                    LinearizationStep {
                        op: 0,
                        position: 1,
                        state_after: "4".into(),
                    },
                    LinearizationStep {
                        op: 1,
                        position: 2,
                        state_after: "0".into(),
                    },
                ],
                length: 2,
            }],
            unplaceable: vec![Unplaceable {
                op: 2,
                state: "0".into(),
                reason: "read 3 but the register holds 0".into(),
            }],
            minimal: None,
        };
        LinearizabilityReport {
            model: "cas-register".into(),
            valid: Validity::Invalid,
            partitions: vec![PartitionResult {
                key: Some("k2".into()),
                valid: Validity::Invalid,
                ops: 4,
                reason: None,
                counterexample: Some(cx),
            }],
            elapsed_ms: 0.42,
        }
    }

    #[test]
    fn html_is_self_contained() {
        let html = render(&sample_report(), "history.jsonl");
        // The SVG namespace is an identifier, not a fetch; nothing else may point outside.
        let stripped = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(!stripped.contains("http://"), "external reference");
        assert!(!stripped.contains("https://"), "external reference");
        assert!(!html.contains("<link"), "external stylesheet");
        assert!(!html.contains("src="), "external script or image");
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.trim_end().ends_with("</html>"));
    }

    /// With real times the axis is in milliseconds, a fault active over the
    /// drawn span is shaded and named, and a bar says which node served it.
    #[test]
    fn a_time_axis_shades_fault_windows_and_names_nodes() {
        let mut r = sample_report();
        let cx = r.partitions[0].counterexample.as_mut().unwrap();
        for op in &mut cx.operations {
            // Test time in ns: event k at k × 250 ms.
            op.invoke_time *= 250_000_000;
            op.complete_time = op.complete_time.map(|t| t * 250_000_000);
            op.node = Some(format!("n{}", op.id + 1));
        }
        let ctx = PageContext {
            time_axis: true,
            faults: vec![
                FaultShade {
                    label: "partition".into(),
                    detail: "n1 | n2 n3".into(),
                    start_ns: 500_000_000,
                    end_ns: 1_000_000_000,
                },
                // Long after everything drawn: left out.
                FaultShade {
                    label: "kill".into(),
                    detail: "n3".into(),
                    start_ns: 60_000_000_000,
                    end_ns: 61_000_000_000,
                },
            ],
        };
        let html = render_with(&r, "history.jsonl", &ctx);
        assert_eq!(html.matches("<rect class=\"fault\"").count(), 1, "{html}");
        assert!(html.contains(">partition</text>"));
        assert!(html.contains("from 500.0 ms to 1.00 s"), "{html}");
        assert!(html.contains("x axis: time since the test started"));
        assert!(html.contains(">1.00 s</text>"), "ticks in time: {html}");
        assert!(html.contains("node: n3"), "{html}");
        assert!(html.contains("invoked: event 5, 1.25 s"), "{html}");
        // Without a time axis there is nothing to place a window on.
        let plain = render(&r, "history.jsonl");
        assert!(!plain.contains("<rect class=\"fault\""));
    }

    #[test]
    fn html_has_a_row_per_process_and_marks_the_failing_op() {
        let html = render(&sample_report(), "history.jsonl");
        for p in ["p1", "p2", "p3", "p4"] {
            assert!(
                html.contains(&format!("class=\"proc\">{p}</text>")),
                "no row for {p}"
            );
        }
        assert_eq!(
            html.matches("class=\"op bad\"").count(),
            1,
            "one unplaceable op"
        );
        assert!(html.contains("✗ read → 3"));
        assert!(html.contains("read 3 but the register holds 0"));
        assert!(
            html.contains("class=\"op other open\""),
            "the info write is drawn open"
        );
        assert!(html.contains("<code>k2</code>"));
        assert!(html.contains("cas-register"));
        // Two prefix ops: two numbered points joined by one line.
        assert_eq!(html.matches("class=\"linpt\" data-s").count(), 2);
        assert!(html.contains("class=\"linpath\""));
    }

    #[test]
    fn linearization_points_stay_inside_their_ops_and_in_order() {
        let r = sample_report();
        let cx = r.partitions[0].counterexample.as_ref().unwrap();
        let t = Timeline::build(cx, &PageContext::default());
        let mut last = f64::NEG_INFINITY;
        for (s, _, n) in &t.lin_points {
            let id = cx.longest_prefixes[0].steps[n - 1].op;
            let (s0, s1) = t.slots[&id];
            assert!(
                *s > s0 && s1.is_none_or(|e| *s < e),
                "point {s} outside op {id}"
            );
            assert!(*s > last);
            last = *s;
        }
    }

    #[test]
    fn large_counterexamples_are_windowed_around_the_failure() {
        let mut r = sample_report();
        let cx = r.partitions[0].counterexample.as_mut().unwrap();
        let mut ops = Vec::new();
        let mut steps = Vec::new();
        for i in 0..1000u64 {
            ops.push(op(
                i as usize,
                i % 5,
                OpFn::Write,
                json!(i),
                json!(i),
                2 * i,
                Some(2 * i + 1),
            ));
            steps.push(LinearizationStep {
                op: i as usize,
                position: i as usize + 1,
                state_after: i.to_string(),
            });
        }
        ops.push(op(
            1000,
            9,
            OpFn::Read,
            Value::Null,
            json!(-1),
            2000,
            Some(2001),
        ));
        cx.operations = ops;
        cx.longest_prefixes[0].steps = steps;
        cx.unplaceable = vec![Unplaceable {
            op: 1000,
            state: "999".into(),
            reason: "never written".into(),
        }];
        let html = render(&r, "big");
        assert!(
            html.contains("Showing the 121 operations around the failure, of 1001"),
            "window"
        );
        assert_eq!(html.matches("class=\"op bad\"").count(), 1);
        assert!(
            html.contains("<li><span class=\"op\">p0 write 0</span>"),
            "full prefix listed"
        );
    }

    #[test]
    fn escapes_markup_in_values() {
        let mut r = sample_report();
        r.partitions[0].counterexample.as_mut().unwrap().unplaceable[0].reason =
            "<script>x</script>".into();
        let html = render(&r, "a&b");
        assert!(!html.contains("<script>x"));
        assert!(html.contains("&lt;script&gt;x"));
        assert!(html.contains("a&amp;b"));
    }
}
