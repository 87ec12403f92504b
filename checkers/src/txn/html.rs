//! The report as one self-contained HTML page: the verdict, the models
//! table, and every anomaly example with, for a cycle, the cycle drawn as a
//! small graph (inline SVG) beside its steps in words. No external
//! references, so the file opens offline.

use super::anomaly::{Anomaly, CycleStep};
use super::edges::EdgeKind;
use super::report::TxnReport;
use crate::render::html::esc;
use crate::verdict::Validity;
use std::f64::consts::PI;
use std::fmt::Write;

/// Radius of a transaction's node.
const NODE_R: f64 = 22.0;
/// Margin around the drawn cycle.
const MARGIN: f64 = 46.0;

impl TxnReport {
    /// The report as a self-contained HTML page, each cycle drawn.
    pub fn render_html(&self, source: &str) -> String {
        render_html(self, source)
    }
}

/// Renders the report as a whole HTML document; `source` names the history.
fn render_html(report: &TxnReport, source: &str) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let (word, class) = match report.valid {
        Validity::Valid => ("VALID", "valid"),
        Validity::Invalid => ("INVALID", "invalid"),
        Validity::Unknown => ("UNKNOWN", "unknown"),
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{word} — {} — faultline txn</title><style>{CSS}</style></head><body>\n\
         <header><h1><span class=\"badge {class}\">{word}</span> {}</h1>\
         <dl><dt>history</dt><dd>{}</dd><dt>workload</dt><dd>{}</dd>\
         <dt>committed</dt><dd>{}</dd><dt>aborted</dt><dd>{}</dd><dt>unknown</dt><dd>{}</dd>\
         <dt>graph</dt><dd>{} txns, {} arcs</dd></dl></header>\n",
        esc(source),
        esc(&report.summary()),
        esc(source),
        report.workload,
        report.counts.committed,
        report.counts.aborted,
        report.counts.unknown,
        report.graph.nodes,
        report.graph.arcs
    );
    out.push_str("<section><h2>Consistency models</h2><table><thead><tr><th>model</th><th>verdict</th><th>ruled out by</th></tr></thead><tbody>\n");
    for row in &report.models {
        let by: Vec<String> = row.by.iter().map(|k| k.to_string()).collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
            row.model,
            if row.ruled_out { "bad" } else { "" },
            if row.ruled_out {
                "ruled out"
            } else {
                "not ruled out"
            },
            esc(&by.join(", "))
        );
    }
    out.push_str("</tbody></table></section>\n");
    if !report.incomplete.is_empty() {
        let kinds: Vec<String> = report.incomplete.iter().map(|k| k.to_string()).collect();
        let _ = writeln!(
            out,
            "<p class=\"note\">The cycle search ran out of budget for {}: more such cycles may exist.</p>",
            esc(&kinds.join(", "))
        );
    }
    for group in &report.anomalies {
        let _ = writeln!(
            out,
            "<section><h2>{} <span class=\"note\">× {} — {}</span></h2>",
            group.kind,
            group.count,
            esc(group.kind.meaning())
        );
        for a in &group.examples {
            render_example(&mut out, a);
        }
        if group.count > group.examples.len() {
            let _ = writeln!(
                out,
                "<p class=\"note\">{} more not shown.</p>",
                group.count - group.examples.len()
            );
        }
        out.push_str("</section>\n");
    }
    out.push_str(LEGEND);
    out.push_str("</body></html>\n");
    out
}

fn render_example(out: &mut String, a: &Anomaly) {
    out.push_str("<div class=\"example\">");
    if !a.cycle.is_empty() {
        draw_cycle(out, &a.cycle);
    }
    out.push_str("<div class=\"words\"><table><tbody>");
    for txn in &a.txns {
        let _ = write!(
            out,
            "<tr><td><b>T{}</b></td><td>process {}, index {}, {}</td><td><code>{}</code></td></tr>",
            txn.id,
            txn.process,
            txn.index,
            txn.status.as_str(),
            esc(&txn.ops)
        );
    }
    out.push_str("</tbody></table>");
    if a.cycle.is_empty() {
        let _ = write!(out, "<p>{}</p>", esc(&a.text));
    } else {
        out.push_str("<ol>");
        for step in &a.cycle {
            let _ = write!(
                out,
                "<li><span class=\"k {}\">{}</span> {}</li>",
                kind_class(step.kind),
                step.kind,
                esc(&step.text)
            );
        }
        out.push_str("</ol>");
    }
    out.push_str("</div></div>\n");
}

fn kind_class(k: EdgeKind) -> &'static str {
    match k {
        EdgeKind::Ww => "ww",
        EdgeKind::Wr => "wr",
        EdgeKind::Rw => "rw",
        EdgeKind::Realtime => "rt",
        EdgeKind::Process => "pr",
    }
}

/// The cycle's transactions on a circle, each step a curved arrow labelled
/// with its kind (curved, so that the two arcs of a 2-cycle stay apart).
fn draw_cycle(out: &mut String, steps: &[CycleStep]) {
    let n = steps.len().max(1);
    let ring = (28.0 * n as f64).max(62.0);
    let size = 2.0 * (ring + MARGIN);
    let c = size / 2.0;
    let at = |i: usize| {
        let a = -PI / 2.0 + 2.0 * PI * i as f64 / n as f64;
        (c + ring * a.cos(), c + ring * a.sin())
    };
    let _ = write!(
        out,
        "<svg class=\"cycle\" width=\"{size:.0}\" height=\"{size:.0}\" viewBox=\"0 0 {size:.0} {size:.0}\" xmlns=\"http://www.w3.org/2000/svg\"><defs>"
    );
    for k in EdgeKind::ALL {
        let _ = write!(
            out,
            "<marker id=\"arrow-{0}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"head {0}\"/></marker>",
            kind_class(k)
        );
    }
    out.push_str("</defs>");
    for (i, step) in steps.iter().enumerate() {
        let (x1, y1) = at(i);
        let (x2, y2) = at((i + 1) % n);
        let (dx, dy) = (x2 - x1, y2 - y1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        // Nodes go clockwise, so bending to the right of the direction of
        // travel bends away from the centre, where labels would collide.
        let bend = 0.22 * len;
        let (mx, my) = ((x1 + x2) / 2.0 + uy * bend, (y1 + y2) / 2.0 - ux * bend);
        // Leave and enter the node circles along the line to the control point.
        let toward = |fx: f64, fy: f64, tx: f64, ty: f64| {
            let (ddx, ddy) = (tx - fx, ty - fy);
            let l = (ddx * ddx + ddy * ddy).sqrt().max(1.0);
            (fx + ddx / l * NODE_R, fy + ddy / l * NODE_R)
        };
        let (sx, sy) = toward(x1, y1, mx, my);
        let (ex, ey) = toward(x2, y2, mx, my);
        let class = kind_class(step.kind);
        let _ = write!(
            out,
            "<path d=\"M{sx:.1},{sy:.1} Q{mx:.1},{my:.1} {ex:.1},{ey:.1}\" class=\"arc {class}\" marker-end=\"url(#arrow-{class})\"><title>{}</title></path>",
            esc(&step.text)
        );
        // The label sits at the curve's middle (half-way to the control point).
        let (lx, ly) = (
            (sx + ex) / 4.0 + mx / 2.0 + uy * 12.0,
            (sy + ey) / 4.0 + my / 2.0 - ux * 12.0 + 4.0,
        );
        let label = match &step.key {
            Some(k) => format!("{} {}", step.kind, k),
            None => step.kind.to_string(),
        };
        let _ = write!(
            out,
            "<text x=\"{lx:.1}\" y=\"{ly:.1}\" class=\"lbl {class}\">{}</text>",
            esc(&label)
        );
    }
    for (i, step) in steps.iter().enumerate() {
        let (x, y) = at(i);
        let _ = write!(
            out,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{NODE_R}\" class=\"node\"/><text x=\"{x:.1}\" y=\"{:.1}\" class=\"name\">T{}</text>",
            y + 4.0,
            step.from
        );
    }
    out.push_str("</svg>");
}

// The page's fixed parts are asset files, so they are read and edited as the
// HTML and CSS they are; pasted in byte for byte (the CSS begins with the
// newline the page has after `<style>`).
const LEGEND: &str = include_str!("assets/legend.html");

const CSS: &str = include_str!("assets/txn.css");
