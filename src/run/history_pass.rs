//! One pass over a finished run's history file: the statistics, the
//! nemesis events and where each key's last event is, without holding the
//! history in memory (a long unthrottled run's file is gigabytes).

use super::history_file::EventLines;
use super::key_batches::{KeyIndex, Tail};
use super::stats::{RunStats, StatsBuilder};
use faultline_checkers::{Event, EventType, ProcessId};
use std::collections::HashMap;
use std::path::Path;

/// What one pass over the history found.
#[derive(Debug)]
pub struct HistoryPass {
    /// Counts and latencies.
    pub stats: RunStats,
    /// Client invocations inside the window asked for (the main phase).
    pub window_invokes: u64,
    /// The nemesis events, in order (few: one per fault and heal).
    pub nemesis: Vec<Event>,
    /// Events in the file.
    pub events: u64,
    /// Where each key's events end, for reading the history by keys.
    pub keys: KeyIndex,
    /// Client events without a key.
    pub unkeyed: u64,
}

/// Reads `path` once; counts invocations in `[window.0, window.1)` ns.
/// Events from `tail_ns` on (the final reads, which read every key the run
/// used) are the index's tail: a key ends at its last event before them.
pub fn read(path: &Path, window: (u64, u64), tail_ns: Option<u64>) -> anyhow::Result<HistoryPass> {
    let mut stats = StatsBuilder::default();
    let mut pass = HistoryPass {
        stats: RunStats::default(),
        window_invokes: 0,
        nemesis: Vec::new(),
        events: 0,
        keys: KeyIndex::default(),
        unkeyed: 0,
    };
    let mut key_ends: HashMap<String, u64> = HashMap::new();
    let mut lines = EventLines::open(path)?;
    while let Some(event) = lines.next() {
        let e = event?;
        if pass.keys.tail.is_none() && tail_ns.is_some_and(|t| e.time >= t) {
            pass.keys.tail = Some(Tail {
                position: pass.events,
                offset: lines.line_start,
            });
        }
        stats.push(&e);
        let position = pass.events;
        pass.events += 1;
        match e.process {
            ProcessId::Nemesis => pass.nemesis.push(e),
            ProcessId::Client(_) => {
                if e.kind == EventType::Invoke && (window.0..window.1).contains(&e.time) {
                    pass.window_invokes += 1;
                }
                match e.key {
                    Some(key) if pass.keys.tail.is_none() => {
                        key_ends.insert(key, position);
                    }
                    Some(_) => {}
                    None => pass.unkeyed += 1,
                }
            }
        }
    }
    pass.stats = stats.finish();
    pass.keys.ends = key_ends;
    pass.keys.last_nemesis = pass.nemesis.iter().map(|e| e.time).max();
    Ok(pass)
}

impl HistoryPass {
    /// Invocations per second in the window given to [`read`].
    pub fn window_rate(&self, window: (u64, u64)) -> f64 {
        if window.1 <= window.0 {
            return 0.0;
        }
        self.window_invokes as f64 / ((window.1 - window.0) as f64 / 1e9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_checkers::OpFn;
    use std::io::Write;

    fn ev(i: u64, t: u64, p: ProcessId, kind: EventType, key: Option<&str>) -> Event {
        Event {
            index: i,
            time: t,
            process: p,
            kind,
            f: OpFn::Write,
            key: key.map(str::to_string),
            value: serde_json::Value::Null,
            node: None,
            error: None,
            detail: None,
        }
    }

    #[test]
    fn one_pass_gives_the_stats_of_the_whole_history_and_where_keys_end() {
        use EventType::*;
        let c = ProcessId::Client;
        let h = vec![
            ev(0, 0, c(0), Invoke, Some("k1")),
            ev(1, 100, c(1), Invoke, Some("k2")),
            ev(2, 2_000_000, c(0), Ok, Some("k1")),
            ev(3, 2_500_000, ProcessId::Nemesis, Info, None),
            ev(4, 5_000_000, c(1), Info, Some("k2")),
            ev(5, 6_000_000, c(2), Invoke, Some("k1")),
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let mut f = std::fs::File::create(&path).unwrap();
        for e in &h {
            writeln!(f, "{}", serde_json::to_string(e).unwrap()).unwrap();
        }
        drop(f);
        let window = (0, 1_000_000);
        let pass = read(&path, window, None).unwrap();
        let whole = super::super::stats::compute(&h);
        assert_eq!(
            serde_json::to_value(&pass.stats).unwrap(),
            serde_json::to_value(&whole).unwrap()
        );
        assert_eq!(pass.events, 6);
        assert_eq!(pass.nemesis.len(), 1);
        assert_eq!(pass.keys.ends["k1"], 5);
        assert_eq!(pass.keys.ends["k2"], 4);
        assert!(pass.keys.tail.is_none());
        // From 5 ms on is the tail: k1's last event before it is its first.
        let tailed = read(&path, window, Some(5_000_000)).unwrap();
        assert_eq!(tailed.keys.ends["k1"], 2);
        let tail = tailed.keys.tail.unwrap();
        assert_eq!(tail.position, 4);
        let offset = h[..4]
            .iter()
            .map(|e| serde_json::to_string(e).unwrap().len() as u64 + 1)
            .sum::<u64>();
        assert_eq!(tail.offset, offset);
        // Two invocations in the first millisecond: 2000 ops/s.
        assert_eq!(pass.window_rate(window), 2000.0);
        assert_eq!(pass.window_rate((5, 5)), 0.0);
    }
}
