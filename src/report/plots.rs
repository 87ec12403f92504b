//! `latency.svg` and `rate.svg`: every completed operation's latency over
//! time, and throughput per operation type and outcome, with fault windows
//! shaded. Colour always means outcome and marker shape always means operation
//! type, in both plots, so one legend reading carries over.

use super::fault_windows::{FaultKind, FaultWindow, kinds};
use super::operations::{CompletedOp, Outcome, functions};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// Width of the plotting area in pixels.
const PLOT_W: u32 = 980;
/// Width of the legend column right of the plot.
const LEGEND_W: u32 = 200;
/// Height of each plot.
const PLOT_H: u32 = 460;
/// Most points drawn in the latency plot; beyond it `ok` and `fail` points are
/// thinned alike (every k-th kept) so the SVG stays small enough for a
/// browser, while every `info` point is kept: those are the rare ones people
/// look for (a failed CAS is routine, a timeout is not).
const MAX_POINTS: usize = 20_000;
/// Most buckets in the rate plot; longer runs get wider buckets, so an
/// hour-long run still shows a trend and not a solid band of noise.
const MAX_BUCKETS: f64 = 240.0;
/// Bucket widths the rate plot chooses from, seconds.
const BUCKET_WIDTHS: [u32; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

/// Width of the rate plot's buckets for a run of `end_s` seconds.
fn bucket_width(end_s: f64) -> u32 {
    BUCKET_WIDTHS
        .into_iter()
        .find(|w| end_s / f64::from(*w) <= MAX_BUCKETS)
        .unwrap_or(3600)
}

/// Every how many `ok`/`fail` points the latency plot keeps one.
fn keep_every(ops: &[CompletedOp]) -> usize {
    if ops.len() <= MAX_POINTS {
        return 1;
    }
    let info = ops.iter().filter(|o| o.outcome == Outcome::Info).count();
    let budget = MAX_POINTS.saturating_sub(info).max(MAX_POINTS / 4);
    (ops.len() - info).div_ceil(budget).max(1)
}

/// The power of ten at or below `v` (v > 0).
fn decade_floor(v: f64) -> f64 {
    10f64.powf(v.log10().floor())
}

/// Seconds on a time axis: decimals only where the axis is short.
fn time_label(x_max: f64) -> impl Fn(&f64) -> String {
    move |v| {
        if x_max >= 20.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    }
}

/// Failure while drawing a plot.
#[derive(Debug, thiserror::Error)]
#[error("drawing {plot}: {message}")]
pub struct PlotError {
    plot: &'static str,
    message: String,
}

fn err(plot: &'static str) -> impl Fn(String) -> PlotError {
    move |message| PlotError { plot, message }
}

/// Colour of an outcome.
fn outcome_color(o: Outcome) -> RGBColor {
    match o {
        Outcome::Ok => RGBColor(0x1f, 0x77, 0xb4),
        Outcome::Fail => RGBColor(0xd6, 0x27, 0x28),
        Outcome::Info => RGBColor(0xff, 0x7f, 0x0e),
    }
}

/// Colour of a fault window.
pub fn fault_color(k: &FaultKind) -> RGBColor {
    match k {
        FaultKind::Partition => RGBColor(0x94, 0x67, 0xbd),
        FaultKind::Kill => RGBColor(0x8c, 0x56, 0x4b),
        FaultKind::Pause => RGBColor(0x7f, 0x7f, 0x7f),
        FaultKind::Latency => RGBColor(0xbc, 0xbd, 0x22),
        FaultKind::Other(_) => RGBColor(0x17, 0xbe, 0xcf),
    }
}

/// Marker shape of an operation type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Circle,
    Triangle,
    Cross,
    Square,
}

impl Shape {
    fn nth(i: usize) -> Shape {
        [Shape::Circle, Shape::Triangle, Shape::Square, Shape::Cross][i % 4]
    }
}

/// One legend line.
enum LegendItem {
    Heading(&'static str),
    Marker(Shape, RGBColor, String),
    Swatch(RGBColor, String),
    /// A short line in the outcome's style (solid, dashed, dotted).
    Line(Outcome, String),
}

/// Draws a marker at pixel position `c` on the legend area.
fn legend_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    shape: Shape,
    c: (i32, i32),
    color: RGBColor,
) -> Result<(), String> {
    let style = color.filled();
    let r = match shape {
        Shape::Circle => area.draw(&Circle::new(c, 5, style)),
        Shape::Triangle => area.draw(&TriangleMarker::new(c, 6, style)),
        Shape::Cross => area.draw(&Cross::new(c, 5, color.stroke_width(2))),
        Shape::Square => area.draw(&Rectangle::new(
            [(c.0 - 4, c.1 - 4), (c.0 + 4, c.1 + 4)],
            style,
        )),
    };
    r.map_err(|e| e.to_string())
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
) -> Result<(), String> {
    let font = ("sans-serif", 17).into_font();
    let bold = ("sans-serif", 17).into_font().style(FontStyle::Bold);
    let mut y = 40;
    for item in items {
        match item {
            LegendItem::Heading(t) => {
                y += 6;
                area.draw(&Text::new(t.to_string(), (10, y - 7), bold.clone()))
                    .map_err(|e| e.to_string())?;
            }
            LegendItem::Marker(shape, color, label) => {
                legend_marker(area, *shape, (20, y), *color)?;
                area.draw(&Text::new(label.clone(), (34, y - 7), font.clone()))
                    .map_err(|e| e.to_string())?;
            }
            LegendItem::Swatch(color, label) => {
                area.draw(&Rectangle::new(
                    [(12, y - 7), (28, y + 7)],
                    color.mix(0.35).filled(),
                ))
                .map_err(|e| e.to_string())?;
                area.draw(&Text::new(label.clone(), (34, y - 7), font.clone()))
                    .map_err(|e| e.to_string())?;
            }
            LegendItem::Line(outcome, label) => {
                let (dash, gap, width) = line_style(*outcome);
                let grey = RGBColor(0x44, 0x44, 0x44).stroke_width(width);
                area.draw(&DashedPathElement::new(
                    vec![(8, y), (30, y)],
                    dash,
                    gap,
                    grey,
                ))
                .map_err(|e| e.to_string())?;
                area.draw(&Text::new(label.clone(), (34, y - 7), font.clone()))
                    .map_err(|e| e.to_string())?;
            }
        }
        y += 24;
    }
    Ok(())
}

/// Legend lines shared by both plots.
fn legend_items(fs: &[String], windows: &[FaultWindow], outcomes: &[Outcome]) -> Vec<LegendItem> {
    let mut items = vec![LegendItem::Heading("outcome (colour)")];
    for o in outcomes {
        items.push(LegendItem::Marker(
            Shape::Circle,
            outcome_color(*o),
            o.as_str().to_string(),
        ));
    }
    items.push(LegendItem::Heading("operation (shape)"));
    for (i, f) in fs.iter().enumerate() {
        items.push(LegendItem::Marker(
            Shape::nth(i),
            RGBColor(0x44, 0x44, 0x44),
            f.clone(),
        ));
    }
    let ks = kinds(windows);
    if !ks.is_empty() {
        items.push(LegendItem::Heading("faults (shaded)"));
        for k in ks {
            items.push(LegendItem::Swatch(fault_color(&k), k.label().to_string()));
        }
    }
    items
}

/// Colours of the operation types in the throughput plot, in order.
const OP_COLORS: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0xe3, 0x77, 0xc2),
];

/// How an outcome's line is drawn: (dash, gap, width) in pixels; ok is
/// solid and strongest, fail dashed, info dotted.
fn line_style(o: Outcome) -> (u32, u32, u32) {
    match o {
        Outcome::Ok => (1000, 0, 2),
        Outcome::Fail => (8, 5, 2),
        Outcome::Info => (2, 4, 2),
    }
}

/// The throughput plot's legend: colour is the operation, line the outcome.
fn rate_legend_items(
    fs: &[String],
    windows: &[FaultWindow],
    outcomes: &[Outcome],
) -> Vec<LegendItem> {
    let mut items = vec![LegendItem::Heading("operation (colour)")];
    for (i, f) in fs.iter().enumerate() {
        items.push(LegendItem::Swatch(
            OP_COLORS[i % OP_COLORS.len()],
            f.clone(),
        ));
    }
    items.push(LegendItem::Heading("outcome (line)"));
    for o in outcomes {
        items.push(LegendItem::Line(*o, o.as_str().to_string()));
    }
    let ks = kinds(windows);
    if !ks.is_empty() {
        items.push(LegendItem::Heading("faults (shaded)"));
        for k in ks {
            items.push(LegendItem::Swatch(fault_color(&k), k.label().to_string()));
        }
    }
    items
}

fn outcomes_present(ops: &[CompletedOp]) -> Vec<Outcome> {
    Outcome::ALL
        .into_iter()
        .filter(|o| ops.iter().any(|op| op.outcome == *o))
        .collect()
}

/// Renders `latency.svg`: one point per completed operation, log-scale latency.
pub fn latency_svg(
    ops: &[CompletedOp],
    windows: &[FaultWindow],
    end_s: f64,
) -> Result<String, PlotError> {
    let e = err("latency.svg");
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (PLOT_W + LEGEND_W, PLOT_H)).into_drawing_area();
        root.fill(&WHITE).map_err(|x| e(x.to_string()))?;
        let (plot, legend) = root.split_horizontally(PLOT_W);
        let fs = functions(ops);
        let keep_every = keep_every(ops);
        let x_max = end_s.max(1.0);
        let (mut lo, mut hi) = (f64::MAX, 0f64);
        for o in ops {
            lo = lo.min(o.latency_ms);
            hi = hi.max(o.latency_ms);
        }
        // The floor is a whole decade (a hair below, so rounding cannot drop
        // its label) so the axis is labelled below the fastest points. Log
        // axes cannot show 0; sub-10µs latencies sit on the floor.
        let lo = if lo == f64::MAX {
            0.1
        } else {
            decade_floor(lo.max(0.01)) * 0.999
        };
        let hi = (hi * 1.5).max(lo * 10.0);
        let caption = if keep_every > 1 {
            format!("Latency of completed operations (1 in {keep_every} ok/fail shown, every info)")
        } else {
            "Latency of completed operations".to_string()
        };
        let mut chart = ChartBuilder::on(&plot)
            .caption(caption, ("sans-serif", 24))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..x_max, (lo..hi).log_scale())
            .map_err(|x| e(x.to_string()))?;
        chart
            .configure_mesh()
            .x_desc("time since start (s)")
            .x_label_formatter(&time_label(x_max))
            .y_desc("latency (ms)")
            .y_label_formatter(&|v| format_ms(*v))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .draw()
            .map_err(|x| e(x.to_string()))?;
        chart
            .draw_series(windows.iter().map(|w| {
                Rectangle::new(
                    [
                        (w.start_s, lo),
                        (w.end_s.max(w.start_s + x_max * 0.002), hi),
                    ],
                    fault_color(&w.kind).mix(0.18).filled(),
                )
            }))
            .map_err(|x| e(x.to_string()))?;
        // Draw ok first so the rarer fail/info points stay on top.
        for outcome in Outcome::ALL {
            for (i, f) in fs.iter().enumerate() {
                let mut n = 0usize;
                let pts: Vec<(f64, f64)> = ops
                    .iter()
                    .filter(|o| o.outcome == outcome && &o.f == f)
                    .filter(|_| {
                        n += 1;
                        outcome == Outcome::Info || (n - 1).is_multiple_of(keep_every)
                    })
                    .map(|o| (o.start_s, o.latency_ms.max(lo)))
                    .collect();
                let color = outcome_color(outcome);
                let alpha = if outcome == Outcome::Ok { 0.55 } else { 0.9 };
                let style = color.mix(alpha).filled();
                let r = match Shape::nth(i) {
                    Shape::Circle => chart
                        .draw_series(pts.iter().map(|&c| Circle::new(c, 3, style)))
                        .map(|_| ()),
                    Shape::Triangle => chart
                        .draw_series(pts.iter().map(|&c| TriangleMarker::new(c, 4, style)))
                        .map(|_| ()),
                    Shape::Cross => chart
                        .draw_series(
                            pts.iter()
                                .map(|&c| Cross::new(c, 3, color.mix(alpha).stroke_width(1))),
                        )
                        .map(|_| ()),
                    Shape::Square => chart
                        .draw_series(pts.iter().map(|&c| {
                            EmptyElement::at(c) + Rectangle::new([(-3, -3), (3, 3)], style)
                        }))
                        .map(|_| ()),
                };
                r.map_err(|x| e(x.to_string()))?;
            }
        }
        draw_legend(&legend, &legend_items(&fs, windows, &outcomes_present(ops))).map_err(&e)?;
        root.present().map_err(|x| e(x.to_string()))?;
    }
    Ok(svg)
}

/// Renders `rate.svg`: completions per second in buckets of 1 s (wider for
/// long runs), one line per operation type and outcome.
pub fn rate_svg(
    ops: &[CompletedOp],
    windows: &[FaultWindow],
    end_s: f64,
    final_reads: Option<(f64, f64)>,
) -> Result<String, PlotError> {
    let e = err("rate.svg");
    let width = bucket_width(end_s);
    let bw = f64::from(width);
    let buckets = ((end_s / bw).ceil() as usize).max(1);
    let fs = functions(ops);
    let mut series: BTreeMap<(usize, Outcome), Vec<u32>> = BTreeMap::new();
    for o in ops {
        let fi = fs.iter().position(|f| *f == o.f).unwrap_or(0);
        let b = (((o.start_s + o.latency_ms / 1e3) / bw).floor() as usize).min(buckets - 1);
        series
            .entry((fi, o.outcome))
            .or_insert_with(|| vec![0; buckets])[b] += 1;
    }
    let y_max = series
        .values()
        .flat_map(|v| v.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64
        / bw
        * 1.1;
    let x_max = end_s.max(1.0);
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (PLOT_W + LEGEND_W, PLOT_H)).into_drawing_area();
        root.fill(&WHITE).map_err(|x| e(x.to_string()))?;
        let (plot, legend) = root.split_horizontally(PLOT_W);
        let mut chart = ChartBuilder::on(&plot)
            .caption(
                format!("Throughput (completions per second, {width} s buckets): colour = operation, line = outcome"),
                ("sans-serif", 24),
            )
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..x_max, 0f64..y_max)
            .map_err(|x| e(x.to_string()))?;
        chart
            .configure_mesh()
            .x_desc("time since start (s)")
            .x_label_formatter(&time_label(x_max))
            .y_desc("ops/s")
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .draw()
            .map_err(|x| e(x.to_string()))?;
        chart
            .draw_series(windows.iter().map(|w| {
                Rectangle::new(
                    [
                        (w.start_s, 0.0),
                        (w.end_s.max(w.start_s + x_max * 0.002), y_max),
                    ],
                    fault_color(&w.kind).mix(0.18).filled(),
                )
            }))
            .map_err(|x| e(x.to_string()))?;
        // The final reads are a burst of their own after the recovery, not
        // the store's throughput: marked so the spike is read as such.
        if let Some((from, to)) = final_reads {
            let to = to.max(from + x_max * 0.004);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(from, 0.0), (to, y_max)],
                    RGBColor(0x99, 0x99, 0x99).mix(0.25).filled(),
                )))
                .map_err(|x| e(x.to_string()))?;
            chart
                .draw_series(std::iter::once(Text::new(
                    "final reads",
                    (from, y_max * 0.97),
                    ("sans-serif", 14).into_font(),
                )))
                .map_err(|x| e(x.to_string()))?;
        }
        for ((fi, outcome), counts) in &series {
            let color = OP_COLORS[fi % OP_COLORS.len()];
            // Each count is drawn at its bucket's middle.
            let pts: Vec<(f64, f64)> = counts
                .iter()
                .enumerate()
                .map(|(b, c)| ((b as f64 + 0.5) * bw, f64::from(*c) / bw))
                .collect();
            let (dash, gap, width) = line_style(*outcome);
            chart
                .draw_series(DashedLineSeries::new(
                    pts,
                    dash,
                    gap,
                    color.stroke_width(width),
                ))
                .map_err(|x| e(x.to_string()))?;
        }
        draw_legend(
            &legend,
            &rate_legend_items(&fs, windows, &outcomes_present(ops)),
        )
        .map_err(&e)?;
        root.present().map_err(|x| e(x.to_string()))?;
    }
    Ok(svg)
}

/// Milliseconds for an axis label: no trailing zeros, no more digits than needed.
fn format_ms(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0}")
    } else if v >= 0.1 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(outcome: Outcome) -> CompletedOp {
        CompletedOp {
            f: "read".into(),
            outcome,
            start_s: 0.0,
            latency_ms: 1.0,
        }
    }

    #[test]
    fn long_runs_get_wider_buckets_and_thinned_points() {
        assert_eq!(bucket_width(8.0), 1);
        assert_eq!(bucket_width(240.0), 1);
        assert_eq!(bucket_width(600.0), 5);
        assert_eq!(bucket_width(3600.0), 15);
        assert_eq!(bucket_width(1e7), 3600);
        assert!((decade_floor(0.23) - 0.1).abs() < 1e-12);
        assert!((decade_floor(3.0) - 1.0).abs() < 1e-12);
        let mut ops = vec![op(Outcome::Ok); 30_000];
        ops.extend(vec![op(Outcome::Fail); 10_000]);
        ops.extend(vec![op(Outcome::Info); 100]);
        let k = keep_every(&ops);
        let kept = 40_000usize.div_ceil(k) + 100;
        assert!(kept <= MAX_POINTS + 1, "{k}: {kept} points");
        assert_eq!(keep_every(&ops[..MAX_POINTS]), 1);
    }

    #[test]
    fn plots_of_an_empty_history_still_render() {
        let latency = latency_svg(&[], &[], 0.0).unwrap();
        let rate = rate_svg(&[], &[], 0.0, None).unwrap();
        assert!(latency.contains("<svg") && rate.contains("<svg"));
    }
}
