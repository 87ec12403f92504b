//! Fault windows: the intervals during which a fault was active, recovered
//! from the nemesis events of a history (`start-partition` … `stop-partition`,
//! `kill` … `start`, `pause` … `resume`, `start-latency` … `stop-latency`, and
//! any other `start-X` … `stop-X` pair).

use faultline_checkers::{Event, ProcessId};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;

/// What kind of fault a window shows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    /// Network partition through the proxy mesh or nftables.
    Partition,
    /// Nodes killed (SIGKILL) until restarted.
    Kill,
    /// Nodes paused (SIGSTOP) until resumed.
    Pause,
    /// Added latency or loss on links.
    Latency,
    /// Any other `start-X`/`stop-X` pair (user commands, future nemeses).
    Other(String),
}

impl FaultKind {
    /// Short name shown in legends and tables.
    pub fn label(&self) -> &str {
        match self {
            FaultKind::Partition => "partition",
            FaultKind::Kill => "kill",
            FaultKind::Pause => "pause",
            FaultKind::Latency => "latency",
            FaultKind::Other(s) => s,
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One interval during which a fault was active.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultWindow {
    /// The fault.
    pub kind: FaultKind,
    /// When it began, seconds since the test started.
    pub start_s: f64,
    /// When it was healed (or the history's end if it never was).
    pub end_s: f64,
    /// False when no heal event closed it before the history ended.
    pub healed: bool,
    /// Which nodes or halves, for tables and tooltips.
    pub detail: String,
}

/// One nemesis event as listed in the report's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct NemesisEvent {
    /// Seconds since the test started.
    pub time_s: f64,
    /// The event's function, e.g. `start-partition`.
    pub f: String,
    /// The event's value as compact JSON.
    pub value: String,
}

/// Whether a nemesis function begins or ends a fault.
enum Edge {
    Begin(FaultKind),
    End(FaultKind),
}

fn classify(f: &str) -> Option<Edge> {
    Some(match f {
        "kill" => Edge::Begin(FaultKind::Kill),
        "start" => Edge::End(FaultKind::Kill),
        "pause" => Edge::Begin(FaultKind::Pause),
        "resume" => Edge::End(FaultKind::Pause),
        "start-partition" => Edge::Begin(FaultKind::Partition),
        "stop-partition" => Edge::End(FaultKind::Partition),
        "start-latency" => Edge::Begin(FaultKind::Latency),
        "stop-latency" => Edge::End(FaultKind::Latency),
        _ => {
            if let Some(x) = f.strip_prefix("start-") {
                Edge::Begin(FaultKind::Other(x.to_string()))
            } else if let Some(x) = f.strip_prefix("stop-") {
                Edge::End(FaultKind::Other(x.to_string()))
            } else {
                return None;
            }
        }
    })
}

/// The nodes an event names (`value.nodes`), if it names any.
fn nodes_of(value: &Value) -> Option<BTreeSet<String>> {
    let list = value.get("nodes")?.as_array()?;
    Some(
        list.iter()
            .map(|n| n.as_str().map_or_else(|| n.to_string(), str::to_string))
            .collect(),
    )
}

/// Node names in a JSON list, space-separated.
fn node_list(v: &Value) -> String {
    match v.as_array() {
        Some(ns) => ns
            .iter()
            .map(|n| n.as_str().map_or_else(|| n.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(" "),
        None => v.to_string(),
    }
}

/// Groups of nodes that can talk to each other, as `a b | c`.
fn groups(v: &Value) -> Option<String> {
    let gs = v.as_array()?;
    Some(gs.iter().map(node_list).collect::<Vec<_>>().join(" | "))
}

/// A human description of a fault event's value: which nodes, which
/// partition shape, how much latency. Values of unknown shape are shown as
/// compact JSON, so nothing the nemesis recorded is hidden.
fn describe(kind: &FaultKind, value: &Value) -> String {
    if let Some(nodes) = nodes_of(value) {
        let list = nodes.into_iter().collect::<Vec<_>>().join(", ");
        // A leader target without a leader (leaderless modes) hit a random
        // node: saying "(leader)" would mislead whoever reads the report.
        let fallback = value.get("fallback").and_then(Value::as_str);
        return match (value.get("target").and_then(Value::as_str), fallback) {
            (Some(t), Some(f)) if !t.is_empty() => format!("{list} ({t} target, no leader: {f})"),
            (Some(t), None) if !t.is_empty() => format!("{list} ({t})"),
            _ => list,
        };
    }
    match kind {
        FaultKind::Partition => {
            let mut rest: Vec<String> = Vec::new();
            if let Some(g) = value
                .get("groups")
                .or_else(|| value.get("halves"))
                .and_then(groups)
            {
                rest.push(g);
            } else if let Some(ring) = value.get("ring") {
                rest.push(format!("ring {}", node_list(ring)));
            }
            if let Some(b) = value.get("bridge").and_then(Value::as_str) {
                rest.push(format!("bridge {b}"));
            }
            if let Some(l) = value.get("leader").and_then(Value::as_str) {
                rest.push(format!("leader {l}"));
            }
            let rest = rest.join(", ");
            match value.get("kind").and_then(Value::as_str) {
                Some(shape) if rest.is_empty() => return shape.to_string(),
                Some(shape) => return format!("{shape}: {rest}"),
                None if !rest.is_empty() => return rest,
                None => {}
            }
        }
        FaultKind::Latency => {
            if let Some(d) = value.get("delay_ms").and_then(Value::as_u64) {
                let jitter = value.get("jitter_ms").and_then(Value::as_u64).unwrap_or(0);
                let loss = value.get("loss").and_then(Value::as_f64).unwrap_or(0.0);
                let links = value
                    .get("links")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                let mut s = format!("{d} ms");
                if jitter > 0 {
                    s.push_str(&format!(" ± {jitter} ms"));
                }
                if loss > 0.0 {
                    s.push_str(&format!(", {:.0}% loss", loss * 100.0));
                }
                if links > 0 {
                    s.push_str(&format!(" on {links} links"));
                }
                return s;
            }
        }
        _ => {}
    }
    match value {
        Value::Null => String::new(),
        Value::Object(m) if m.is_empty() => String::new(),
        v => v.to_string(),
    }
}

/// The nemesis events of a history, in order.
pub fn nemesis_events(events: &[Event]) -> Vec<NemesisEvent> {
    events
        .iter()
        .filter(|e| e.process == ProcessId::Nemesis)
        .map(|e| NemesisEvent {
            time_s: e.time as f64 / 1e9,
            f: e.f.as_str().to_string(),
            value: e.value.to_string(),
        })
        .collect()
}

/// Fault windows in order of their start; `end_s` closes windows never healed.
pub fn fault_windows(events: &[Event], end_s: f64) -> Vec<FaultWindow> {
    // Open windows with the nodes still faulted; a window closes when all its
    // nodes are healed (kill/pause heal node by node) or when a heal names no nodes.
    let mut open: Vec<(FaultWindow, Option<BTreeSet<String>>)> = Vec::new();
    let mut done = Vec::new();
    for e in events.iter().filter(|e| e.process == ProcessId::Nemesis) {
        let t = e.time as f64 / 1e9;
        match classify(e.f.as_str()) {
            Some(Edge::Begin(kind)) => {
                let detail = describe(&kind, &e.value);
                open.push((
                    FaultWindow {
                        kind,
                        start_s: t,
                        end_s: t,
                        healed: false,
                        detail,
                    },
                    nodes_of(&e.value),
                ));
            }
            Some(Edge::End(kind)) => {
                let healed_nodes = nodes_of(&e.value);
                let mut i = 0;
                while i < open.len() {
                    let (w, remaining) = &mut open[i];
                    if w.kind != kind {
                        i += 1;
                        continue;
                    }
                    let closes = match (remaining.as_mut(), &healed_nodes) {
                        (Some(rem), Some(h)) => {
                            rem.retain(|n| !h.contains(n));
                            rem.is_empty()
                        }
                        _ => true,
                    };
                    if closes {
                        let (mut w, _) = open.remove(i);
                        w.end_s = t;
                        w.healed = true;
                        done.push(w);
                    } else {
                        i += 1;
                    }
                }
            }
            None => {}
        }
    }
    for (mut w, _) in open {
        w.end_s = end_s.max(w.start_s);
        done.push(w);
    }
    done.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    done
}

/// Distinct fault kinds present, in a stable order (for legends).
pub fn kinds(windows: &[FaultWindow]) -> Vec<FaultKind> {
    let set: BTreeSet<FaultKind> = windows.iter().map(|w| w.kind.clone()).collect();
    set.into_iter().collect()
}

/// What the counterexample page draws from a faultline history: a time axis
/// and the fault windows shaded behind the operations.
pub fn page_context(events: &[Event]) -> faultline_checkers::PageContext {
    use faultline_checkers::{FaultShade, PageContext};
    let end_s = events.iter().map(|e| e.time).max().unwrap_or(0) as f64 / 1e9;
    let ns = |s: f64| (s.max(0.0) * 1e9).round() as u64;
    PageContext {
        time_axis: true,
        faults: fault_windows(events, end_s)
            .into_iter()
            .map(|w| FaultShade {
                label: w.kind.label().to_string(),
                detail: w.detail,
                start_ns: ns(w.start_s),
                end_ns: ns(w.end_s),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_checkers::{EventType, OpFn};
    use serde_json::json;

    fn nem(t_ms: u64, f: &str, value: Value) -> Event {
        Event {
            index: 0,
            time: t_ms * 1_000_000,
            process: ProcessId::Nemesis,
            kind: EventType::Info,
            f: OpFn::parse(f),
            key: None,
            value,
            node: None,
            error: None,
            detail: None,
        }
    }

    #[test]
    fn pairs_faults_with_heals_and_closes_open_ones_at_the_end() {
        let h = vec![
            nem(
                1000,
                "start-partition",
                json!({"halves": [["n1","n2"],["n3"]]}),
            ),
            nem(2000, "kill", json!({"nodes": ["n1", "n2"]})),
            nem(2500, "start", json!({"nodes": ["n1"]})),
            nem(3000, "stop-partition", json!({})),
            nem(3500, "start", json!({"nodes": ["n2"]})),
            nem(4000, "pause", json!({"nodes": ["n3"]})),
            nem(4200, "nemesis-error", json!({"error": "x"})),
            nem(
                5000,
                "start-partition",
                json!({"backend": "proxy-mesh", "groups": [["n2"], ["n1", "n3"]],
                       "kind": "isolate-leader", "leader": "n2"}),
            ),
            nem(5500, "stop-partition", json!({"backend": "proxy-mesh"})),
            nem(
                6000,
                "start-latency",
                json!({"delay_ms": 100, "jitter_ms": 50, "loss": 0.0,
                       "links": [["n1", "n2"], ["n2", "n1"]]}),
            ),
            nem(7000, "stop-latency", json!({})),
            nem(7500, "kill", json!({"nodes": ["n1"], "target": "leader"})),
            nem(8000, "start", json!({"nodes": ["n1"]})),
            nem(
                8500,
                "kill",
                json!({"nodes": ["n2"], "target": "leader", "leader": null, "fallback": "random"}),
            ),
            nem(8800, "start", json!({"nodes": ["n2"]})),
        ];
        let w = fault_windows(&h, 9.0);
        assert_eq!(w.len(), 7);
        assert_eq!(w[6].detail, "n2 (leader target, no leader: random)");
        assert_eq!(w[3].detail, "isolate-leader: n2 | n1 n3, leader n2");
        assert_eq!(w[4].detail, "100 ms ± 50 ms on 2 links");
        assert_eq!(w[5].detail, "n1 (leader)");
        assert_eq!(w[0].kind, FaultKind::Partition);
        assert_eq!((w[0].start_s, w[0].end_s, w[0].healed), (1.0, 3.0, true));
        assert_eq!(w[0].detail, "n1 n2 | n3");
        assert_eq!(w[1].kind, FaultKind::Kill);
        assert_eq!(
            (w[1].start_s, w[1].end_s),
            (2.0, 3.5),
            "closes when both nodes are back"
        );
        assert_eq!(w[1].detail, "n1, n2");
        assert_eq!(w[2].kind, FaultKind::Pause);
        assert_eq!((w[2].end_s, w[2].healed), (9.0, false));
        assert_eq!(nemesis_events(&h).len(), 15);
        assert_eq!(
            kinds(&w),
            vec![
                FaultKind::Partition,
                FaultKind::Kill,
                FaultKind::Pause,
                FaultKind::Latency
            ]
        );
    }
}
