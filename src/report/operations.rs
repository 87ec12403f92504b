//! Completed operations recovered from a history by pairing each client
//! invocation with the next completion of the same process: the input of the
//! plots and of everything else the report draws over time.

use faultline_checkers::{Event, EventType, ProcessId};
use std::collections::HashMap;

/// How an operation completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Took effect.
    Ok,
    /// Definitely did not take effect.
    Fail,
    /// Unknown (timeout, broken connection).
    Info,
}

impl Outcome {
    /// All outcomes, in legend order.
    pub const ALL: [Outcome; 3] = [Outcome::Ok, Outcome::Fail, Outcome::Info];

    /// The name used in histories.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Fail => "fail",
            Outcome::Info => "info",
        }
    }
}

/// One client operation with a completion.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletedOp {
    /// Operation function, e.g. `read`.
    pub f: String,
    /// How it completed.
    pub outcome: Outcome,
    /// Invocation time, seconds since the test started.
    pub start_s: f64,
    /// Completion time minus invocation time, milliseconds.
    pub latency_ms: f64,
}

/// Pairs invocations with completions; invocations that never completed are left out
/// (they have no latency to draw).
pub fn completed_ops(events: &[Event]) -> Vec<CompletedOp> {
    let mut open: HashMap<u64, &Event> = HashMap::new();
    let mut ops = Vec::new();
    for e in events {
        let ProcessId::Client(p) = e.process else {
            continue;
        };
        let outcome = match e.kind {
            EventType::Invoke => {
                open.insert(p, e);
                continue;
            }
            EventType::Ok => Outcome::Ok,
            EventType::Fail => Outcome::Fail,
            EventType::Info => Outcome::Info,
        };
        if let Some(inv) = open.remove(&p) {
            ops.push(CompletedOp {
                f: inv.f.as_str().to_string(),
                outcome,
                start_s: inv.time as f64 / 1e9,
                latency_ms: e.time.saturating_sub(inv.time) as f64 / 1e6,
            });
        }
    }
    ops
}

/// Time of the last event, seconds since the test started (0 for an empty history).
pub fn end_s(events: &[Event]) -> f64 {
    events.iter().map(|e| e.time).max().unwrap_or(0) as f64 / 1e9
}

/// Operation functions present, sorted, each once.
pub fn functions(ops: &[CompletedOp]) -> Vec<String> {
    let mut fs: Vec<String> = ops.iter().map(|o| o.f.clone()).collect();
    fs.sort();
    fs.dedup();
    fs
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_checkers::OpFn;

    fn ev(t: u64, p: ProcessId, kind: EventType, f: &str) -> Event {
        Event {
            index: 0,
            time: t,
            process: p,
            kind,
            f: OpFn::parse(f),
            key: None,
            value: serde_json::Value::Null,
            node: None,
            error: None,
            detail: None,
        }
    }

    #[test]
    fn pairs_per_process_and_skips_nemesis_and_open_invocations() {
        use EventType::*;
        let c = ProcessId::Client;
        let h = vec![
            ev(0, c(0), Invoke, "read"),
            ev(1_000_000, c(1), Invoke, "write"),
            ev(2_000_000, ProcessId::Nemesis, Info, "start-partition"),
            ev(3_000_000, c(1), Fail, "write"),
            ev(5_000_000, c(0), Ok, "read"),
            ev(6_000_000, c(2), Invoke, "cas"),
        ];
        let ops = completed_ops(&h);
        assert_eq!(ops.len(), 2);
        assert_eq!(
            (ops[0].f.as_str(), ops[0].outcome),
            ("write", Outcome::Fail)
        );
        assert!((ops[0].latency_ms - 2.0).abs() < 1e-9);
        assert_eq!((ops[1].f.as_str(), ops[1].outcome), ("read", Outcome::Ok));
        assert!((ops[1].latency_ms - 5.0).abs() < 1e-9);
        assert_eq!(functions(&ops), vec!["read", "write"]);
        assert!((end_s(&h) - 0.006).abs() < 1e-12);
    }
}
