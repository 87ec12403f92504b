//! Per-operation counts and latency quantiles, computed from the history.

use faultline_checkers::{Event, EventType, FailReason, ProcessId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Counts and latencies of one operation function.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OpStats {
    /// Operation function, e.g. `read`.
    pub f: String,
    /// Completed `ok`.
    pub ok: u64,
    /// Completed `fail`.
    pub fail: u64,
    /// Completed `info`, or never completed.
    pub info: u64,
    /// Latency quantiles of completed operations, milliseconds.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Maximum, ms.
    pub max_ms: f64,
}

/// Statistics of a whole run (also read back from results.json, so a
/// report shows the numbers summary.txt showed).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RunStats {
    /// One row per operation function, in name order, then a `total` row.
    pub ops: Vec<OpStats>,
    /// Client operations invoked.
    pub invoked: u64,
    /// Nemesis events.
    pub nemesis_events: u64,
    /// Client operations per second over the time the history spans.
    pub ops_per_sec: f64,
    /// Client operations per second invoked during the main phase (what
    /// `rate` asks for; 0 until the controller fills it in).
    pub main_ops_per_sec: f64,
    /// `fail` completions by typed reason.
    pub fail_reasons: BTreeMap<FailReason, u64>,
    /// `fail` completions whose `error` is free text (histories from before
    /// the reasons, or other tools).
    pub fail_untyped: u64,
}

/// What the `(expected)` of [`RunStats::fail_reasons_line`] means, wherever it is shown.
pub const FAIL_REASONS_NOTE: &str = "expected = the store answered no (a cas-mismatch is checked \
     as an observation); the others could not be served";

impl RunStats {
    /// `fail reasons: cas-mismatch 374 (expected) · not-leader 83`, or
    /// `None` when nothing failed.
    pub fn fail_reasons_line(&self) -> Option<String> {
        let mut parts: Vec<String> = self
            .fail_reasons
            .iter()
            .map(|(r, n)| {
                if r.is_expected() {
                    format!("{r} {n} (expected)")
                } else {
                    format!("{r} {n}")
                }
            })
            .collect();
        if self.fail_untyped > 0 {
            parts.push(format!("untyped {}", self.fail_untyped));
        }
        (!parts.is_empty()).then(|| format!("fail reasons: {}", parts.join(" · ")))
    }
}

/// Computes statistics from recorded events.
pub fn compute(events: &[Event]) -> RunStats {
    let mut b = StatsBuilder::default();
    events.iter().for_each(|e| b.push(e));
    b.finish()
}

/// [`compute`] an event at a time, for a history read from its file: only
/// the open operations and one latency per operation are kept.
#[derive(Debug)]
pub struct StatsBuilder {
    /// Invocations awaiting their completion: time and function, by process.
    open: HashMap<u64, (u64, String)>,
    lat: BTreeMap<String, (OpStats, Vec<u64>)>,
    stats: RunStats,
    first: u64,
    last: u64,
}

impl Default for StatsBuilder {
    fn default() -> Self {
        StatsBuilder {
            open: HashMap::new(),
            lat: BTreeMap::new(),
            stats: RunStats::default(),
            first: u64::MAX,
            last: 0,
        }
    }
}

impl StatsBuilder {
    /// Takes the next event of the history.
    pub fn push(&mut self, e: &Event) {
        let stats = &mut self.stats;
        let p = match e.process {
            ProcessId::Client(p) => p,
            ProcessId::Nemesis => {
                stats.nemesis_events += 1;
                return;
            }
        };
        self.first = self.first.min(e.time);
        self.last = self.last.max(e.time);
        match e.kind {
            EventType::Invoke => {
                stats.invoked += 1;
                self.open.insert(p, (e.time, e.f.as_str().to_string()));
            }
            kind => {
                let Some((t0, _)) = self.open.remove(&p) else {
                    return;
                };
                let f = e.f.as_str();
                let (s, l) = match self.lat.get_mut(f) {
                    Some(entry) => entry,
                    None => self.lat.entry(f.to_string()).or_default(),
                };
                match kind {
                    EventType::Ok => s.ok += 1,
                    EventType::Fail => {
                        s.fail += 1;
                        match e.fail_reason() {
                            Some(r) => *stats.fail_reasons.entry(r).or_default() += 1,
                            None => stats.fail_untyped += 1,
                        }
                    }
                    _ => s.info += 1,
                }
                l.push(e.time.saturating_sub(t0));
            }
        }
    }

    /// The statistics of every event pushed.
    pub fn finish(self) -> RunStats {
        let StatsBuilder {
            open,
            mut lat,
            mut stats,
            first,
            last,
        } = self;
        // Invocations that never completed (crash, Ctrl-C) count as info.
        for (_, f) in open.into_values() {
            lat.entry(f).or_default().0.info += 1;
        }
        let mut total = OpStats {
            f: "total".into(),
            ..OpStats::default()
        };
        let mut all = Vec::new();
        for (f, (mut s, mut l)) in lat {
            s.f = f;
            fill_quantiles(&mut s, &mut l);
            total.ok += s.ok;
            total.fail += s.fail;
            total.info += s.info;
            all.extend(l);
            stats.ops.push(s);
        }
        fill_quantiles(&mut total, &mut all);
        stats.ops.push(total);
        if last > first {
            stats.ops_per_sec = stats.invoked as f64 / ((last - first) as f64 / 1e9);
        }
        stats
    }
}

fn fill_quantiles(s: &mut OpStats, lat: &mut [u64]) {
    if lat.is_empty() {
        return;
    }
    lat.sort_unstable();
    let q = |p: f64| {
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[i] as f64 / 1e6
    };
    s.p50_ms = q(0.50);
    s.p95_ms = q(0.95);
    s.p99_ms = q(0.99);
    s.max_ms = lat[lat.len() - 1] as f64 / 1e6;
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_checkers::OpFn;

    fn ev(i: u64, t: u64, p: u64, kind: EventType, f: OpFn) -> Event {
        Event {
            index: i,
            time: t,
            process: ProcessId::Client(p),
            kind,
            f,
            key: Some("k".into()),
            value: serde_json::Value::Null,
            node: None,
            error: None,
            detail: None,
        }
    }

    #[test]
    fn counts_and_latencies() {
        use EventType::*;
        let h = vec![
            ev(0, 0, 0, Invoke, OpFn::Read),
            ev(1, 0, 1, Invoke, OpFn::Write),
            ev(2, 2_000_000, 0, Ok, OpFn::Read),
            ev(3, 5_000_000, 1, Info, OpFn::Write),
            ev(4, 6_000_000, 2, Invoke, OpFn::Write),
        ];
        let s = compute(&h);
        let read = &s.ops[0];
        assert_eq!((read.f.as_str(), read.ok), ("read", 1));
        assert_eq!(read.max_ms, 2.0);
        let write = &s.ops[1];
        assert_eq!(write.info, 2, "one info plus one never completed");
        let total = s.ops.last().unwrap();
        assert_eq!((total.ok, total.fail, total.info), (1, 0, 2));
        assert_eq!(s.invoked, 3);
    }
}
