//! A small inline SVG of one number over a test's runs (ops/s, p99): one
//! point per run in start order, coloured by the run's verdict, each a link
//! to its report with the details in a tooltip. Drawn by hand rather than
//! with plotters: it is a few dozen elements, and points must be links.

use crate::report::html_escape::esc;
use std::fmt::Write;

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 170.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 26.0;
const BOTTOM: f64 = 30.0;

/// One run on the chart.
#[derive(Debug, Clone)]
pub struct Point {
    /// The value; `None` leaves a gap (a run without results.json).
    pub value: Option<f64>,
    /// CSS class of the run's verdict (`valid`, `invalid`, `unknown`, `pending`).
    pub class: &'static str,
    /// Tooltip text.
    pub tip: String,
    /// Where clicking the point goes.
    pub link: String,
}

/// The chart titled `title`, with `first` and `last` labelling the x axis
/// (runs are evenly spaced: a nightly series is read run by run).
pub fn svg(title: &str, points: &[Point], first: &str, last: &str) -> String {
    let max = points
        .iter()
        .filter_map(|p| p.value)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let top_value = if max > 0.0 { max * 1.1 } else { 1.0 };
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| {
        if points.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (points.len() - 1) as f64
        }
    };
    let y = |v: f64| TOP + plot_h * (1.0 - (v / top_value).clamp(0.0, 1.0));
    let mut out = String::with_capacity(4096);
    let _ = write!(
        out,
        "<svg class=\"trend\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         role=\"img\" aria-label=\"{t}\"><text class=\"title\" x=\"{LEFT}\" y=\"16\">{t}</text>",
        t = esc(title)
    );
    for frac in [0.0, 0.5, 1.0] {
        let v = top_value * frac;
        let gy = y(v);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{gy:.1}\" y2=\"{gy:.1}\"/>\
             <text class=\"tick\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            gy + 4.0,
            tick(v, top_value)
        );
    }
    // The line breaks where a run has no value, so a gap is not drawn as a trend.
    let mut segment: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match p.value.filter(|v| v.is_finite()) {
            Some(v) => segment.push(format!("{:.1},{:.1}", x(i), y(v))),
            None => lines.push(std::mem::take(&mut segment)),
        }
    }
    lines.push(segment);
    for l in lines.into_iter().filter(|l| l.len() > 1) {
        let _ = write!(out, "<polyline class=\"line\" points=\"{}\"/>", l.join(" "));
    }
    for (i, p) in points.iter().enumerate() {
        let Some(v) = p.value.filter(|v| v.is_finite()) else {
            continue;
        };
        let _ = write!(
            out,
            "<a href=\"{}\"><circle class=\"pt {}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\">\
             <title>{}</title></circle></a>",
            esc(&p.link),
            p.class,
            x(i),
            y(v),
            esc(&p.tip)
        );
    }
    let _ = write!(
        out,
        "<text class=\"tick\" x=\"{LEFT}\" y=\"{}\">{}</text>\
         <text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text></svg>",
        HEIGHT - 8.0,
        esc(first),
        WIDTH - RIGHT,
        HEIGHT - 8.0,
        esc(last)
    );
    out
}

/// An axis label: whole numbers on an axis that reaches 10, one decimal below.
fn tick(v: f64, top: f64) -> String {
    if top >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(value: Option<f64>) -> Point {
        Point {
            value,
            class: "valid",
            tip: "a <run>".into(),
            link: "/runs/t/1/report.html".into(),
        }
    }

    #[test]
    fn one_point_per_valued_run_and_gaps_break_the_line() {
        let s = svg(
            "ops/s",
            &[pt(Some(10.0)), pt(Some(20.0)), pt(None), pt(Some(5.0))],
            "first",
            "last",
        );
        assert_eq!(s.matches("<circle").count(), 3);
        assert_eq!(
            s.matches("<polyline").count(),
            1,
            "a lone point has no line"
        );
        assert!(s.contains("<title>a &lt;run&gt;</title>"));
        // The highest value sits below the top, at 1/1.1 of the height.
        assert!(s.contains(">22</text>"), "{s}");
        assert!(roxmltree::Document::parse(&s).is_ok());
    }

    #[test]
    fn all_zero_or_empty_series_still_draw() {
        assert!(roxmltree::Document::parse(&svg("p99", &[], "", "")).is_ok());
        let s = svg("p99", &[pt(Some(0.0))], "a", "a");
        assert_eq!(s.matches("<circle").count(), 1);
    }
}
