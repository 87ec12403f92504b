//! The whole run on one timeline, as report.html draws it: a lane per
//! worker (a process that crashed continues under a new id in the same
//! lane) and a lane for the faults, every operation a bar from its call to
//! its completion coloured by outcome. Drawn on a canvas from compact inline
//! arrays, so that 200,000 operations stay responsive: each lane's bars are
//! sorted, so a redraw only visits what is in view (binary search), and bars
//! of one colour are drawn in one pass.

use super::fault_windows::FaultWindow;
use faultline_checkers::{Event, EventType, FailReason, ProcessId};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// Time unit of the inline arrays: a tenth of a millisecond.
const UNITS_PER_MS: f64 = 10.0;

/// Outcome codes, in the order of [`OUTCOME_NAMES`].
const OK: u8 = 0;
const FAIL_EXPECTED: u8 = 1;
const FAIL_UNAVAILABLE: u8 = 2;
const INFO: u8 = 3;
const OUTCOME_NAMES: [&str; 4] = [
    "ok",
    "fail (an expected answer)",
    "fail (not served)",
    "info (unknown)",
];

/// One operation as drawn.
struct Bar {
    lane: usize,
    start: u64,
    end: u64,
    outcome: u8,
    f: usize,
    node: usize,
    invoke_index: u64,
    complete_index: Option<u64>,
}

/// The timeline section of report.html; `workers` (the run's concurrency,
/// when known) folds a crashed process's successors into its lane.
pub fn section(events: &[Event], windows: &[FaultWindow], workers: Option<usize>) -> String {
    let mut fs: Vec<String> = Vec::new();
    let mut nodes: Vec<String> = vec![String::new()];
    let index_of = |list: &mut Vec<String>, s: &str| -> usize {
        match list.iter().position(|x| x == s) {
            Some(i) => i,
            None => {
                list.push(s.to_string());
                list.len() - 1
            }
        }
    };
    let end_time = events.iter().map(|e| e.time).max().unwrap_or(0);
    let units = |ns: u64| (ns as f64 / 1e6 * UNITS_PER_MS).round() as u64;
    let mut pending: HashMap<u64, &Event> = HashMap::new();
    let mut bars: Vec<Bar> = Vec::new();
    let lane_of = |p: u64| {
        workers
            .filter(|w| *w > 0)
            .map_or(p as usize, |w| (p as usize) % w)
    };
    for e in events {
        let ProcessId::Client(p) = e.process else {
            continue;
        };
        if e.kind == EventType::Invoke {
            pending.insert(p, e);
            continue;
        }
        let Some(inv) = pending.remove(&p) else {
            continue;
        };
        let outcome = match e.kind {
            EventType::Ok => OK,
            EventType::Fail if e.fail_reason().is_some_and(FailReason::is_expected) => {
                FAIL_EXPECTED
            }
            EventType::Fail => FAIL_UNAVAILABLE,
            _ => INFO,
        };
        let node = e.node.as_deref().map_or(0, |n| index_of(&mut nodes, n));
        let f = index_of(&mut fs, e.f.as_str());
        bars.push(Bar {
            lane: lane_of(p),
            start: units(inv.time),
            end: units(e.time),
            outcome,
            f,
            node,
            invoke_index: inv.index,
            complete_index: Some(e.index),
        });
    }
    // Calls never completed stay open to the end of the history.
    for (p, inv) in pending {
        let f = index_of(&mut fs, inv.f.as_str());
        bars.push(Bar {
            lane: lane_of(p),
            start: units(inv.time),
            end: units(end_time),
            outcome: INFO,
            f,
            node: 0,
            invoke_index: inv.index,
            complete_index: None,
        });
    }
    // Lanes in worker order, renumbered densely.
    let lanes: BTreeMap<usize, usize> = bars
        .iter()
        .map(|b| b.lane)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, l)| (l, i))
        .collect();
    bars.sort_by_key(|b| (b.start, b.invoke_index));

    let mut data = String::with_capacity(bars.len() * 32 + 1024);
    let _ = write!(
        data,
        "{{\"lanes\":{},\"end\":{},",
        lanes.len(),
        units(end_time)
    );
    let list = |data: &mut String, name: &str, it: &mut dyn Iterator<Item = String>| {
        let _ = write!(data, "\"{name}\":[");
        let mut first = true;
        for v in it {
            if !first {
                data.push(',');
            }
            first = false;
            data.push_str(&v);
        }
        data.push_str("],");
    };
    list(
        &mut data,
        "s",
        &mut bars.iter().map(|b| b.start.to_string()),
    );
    list(
        &mut data,
        "d",
        &mut bars
            .iter()
            .map(|b| (b.end.saturating_sub(b.start)).to_string()),
    );
    list(
        &mut data,
        "l",
        &mut bars.iter().map(|b| lanes[&b.lane].to_string()),
    );
    list(
        &mut data,
        "o",
        &mut bars.iter().map(|b| b.outcome.to_string()),
    );
    list(&mut data, "f", &mut bars.iter().map(|b| b.f.to_string()));
    list(&mut data, "n", &mut bars.iter().map(|b| b.node.to_string()));
    list(
        &mut data,
        "i",
        &mut bars.iter().map(|b| b.invoke_index.to_string()),
    );
    list(
        &mut data,
        "c",
        &mut bars
            .iter()
            .map(|b| b.complete_index.map_or("-1".to_string(), |c| c.to_string())),
    );
    let json_str = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"?\"".into());
    list(&mut data, "fs", &mut fs.iter().map(|s| json_str(s)));
    list(&mut data, "nodes", &mut nodes.iter().map(|s| json_str(s)));
    list(
        &mut data,
        "outcomes",
        &mut OUTCOME_NAMES.iter().map(|s| json_str(s)),
    );
    list(
        &mut data,
        "faults",
        &mut windows.iter().map(|w| {
            format!(
                "[{},{},{},{}]",
                (w.start_s * 1000.0 * UNITS_PER_MS).round() as u64,
                (w.end_s * 1000.0 * UNITS_PER_MS).round() as u64,
                json_str(w.kind.label()),
                json_str(&w.detail)
            )
        }),
    );
    let lane_names: Vec<String> = lanes
        .keys()
        .map(|l| match workers {
            Some(_) => format!("w{l}"),
            None => format!("p{l}"),
        })
        .collect();
    list(
        &mut data,
        "names",
        &mut lane_names.iter().map(|s| json_str(s)),
    );
    data.pop();
    data.push('}');
    // `</` cannot end the script early: JSON strings escape it.
    let data = data.replace("</", "<\\/");

    let mut out = String::with_capacity(data.len() + 8 * 1024);
    let _ = writeln!(
        out,
        "<section id=\"timeline\"><h2>The whole run</h2>\
         <p class=\"note\">Every operation, one lane per worker ({} operations), the faults on top. \
         Scroll to zoom, drag to pan; hover a bar for the operation, its node, latency and events.</p>\
         <div class=\"tl-controls\"><button data-z=\"out\">−</button><button data-z=\"in\">+</button>\
         <button data-z=\"fit\">whole run</button><span class=\"tl-legend\">\
         <i style=\"background:#2e8540\"></i>ok <i style=\"background:#e3a008\"></i>fail (expected answer) \
         <i style=\"background:#c0392b\"></i>fail (not served) <i style=\"background:#9aa5b1\"></i>info (unknown) \
         <i style=\"background:rgba(245,197,66,.45)\"></i>fault</span></div>\
         <div class=\"tl-wrap\"><canvas id=\"run-timeline\"></canvas><div id=\"tl-tip\"></div></div>\
         <script id=\"tl-data\" type=\"application/json\">{data}</script><script>{JS}</script></section>",
        bars.len()
    );
    out
}

// The section's CSS and JavaScript are asset files, so they are read and
// edited as what they are; pasted in byte for byte.
/// CSS of the section (added to the page's).
pub const CSS: &str = include_str!("assets/run-timeline.css");

const JS: &str = include_str!("assets/run-timeline.js");

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_checkers::OpFn;
    use serde_json::json;

    fn ev(index: u64, ms: u64, p: u64, kind: EventType, f: OpFn) -> Event {
        Event {
            index,
            time: ms * 1_000_000,
            process: ProcessId::Client(p),
            kind,
            f,
            key: Some("k0".into()),
            value: json!(1),
            node: Some("n2".into()),
            error: (kind == EventType::Fail).then(|| "cas-mismatch".to_string()),
            detail: None,
        }
    }

    #[test]
    fn bars_carry_lane_outcome_node_and_events_and_the_data_cannot_end_the_script() {
        let events = vec![
            ev(0, 1, 0, EventType::Invoke, OpFn::Write),
            ev(1, 2, 7, EventType::Invoke, OpFn::Cas),
            ev(2, 3, 0, EventType::Ok, OpFn::Write),
            ev(3, 5, 7, EventType::Fail, OpFn::Cas),
            ev(4, 6, 1, EventType::Invoke, OpFn::Other("</script>".into())),
        ];
        let html = section(&events, &[], Some(6));
        let data = html
            .split("<script id=\"tl-data\" type=\"application/json\">")
            .nth(1)
            .and_then(|s| s.split("</script>").next())
            .expect("inline data");
        let d: serde_json::Value = serde_json::from_str(data).expect("valid JSON");
        // p7 is worker 1's successor: lane of worker 1, with p1.
        assert_eq!(d["lanes"], 2);
        assert_eq!(d["l"], json!([0, 1, 1]));
        assert_eq!(d["o"], json!([OK, FAIL_EXPECTED, INFO]));
        assert_eq!(d["s"], json!([10, 20, 60]));
        assert_eq!(d["d"], json!([20, 30, 0]));
        assert_eq!(d["c"], json!([2, 3, -1]));
        assert_eq!(d["nodes"][d["n"][0].as_u64().unwrap() as usize], "n2");
        assert!(html.contains("3 operations"));
    }
}
