//! Jepsen's counter checker: a counter starts at 0, `add n` increases it by
//! `n`, and every `ok` read must lie between two bounds — at least the sum
//! of the adds acknowledged before the read was invoked, at most the sum of
//! the adds invoked before it completed (acknowledged or unknown; a failed
//! add did nothing). Reads are judged one by one against these bounds, not
//! against each other, so this is weaker than linearizability with the
//! `counter` model (`--model counter`), which also orders the reads.
//!
//! Jepsen refuses negative adds; here a negative add lowers the lower bound
//! when invoked and the upper bound when acknowledged, the mirror image.
//! Keyed histories (Jepsen's independent `[k v]` tuples) are judged key by key.

use crate::history::{Event, HistoryError, OpFn, OpStatus, ProcessId, pair_operations};
use crate::verdict::{Validity, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Out-of-bounds reads listed in the report; all are counted.
const LISTED: usize = 20;

/// Why a history cannot be judged as a counter.
#[derive(Debug, thiserror::Error)]
pub enum CounterError {
    /// Invocations and completions do not pair up.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// An add or a read whose value is not an integer.
    #[error("{f} at index {index}: expected an integer, found {value}")]
    NotAnInteger {
        /// `add` or `read`.
        f: OpFn,
        /// `index` of the event holding the value.
        index: u64,
        /// The value found.
        value: serde_json::Value,
    },
}

/// A read outside its bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutOfBounds {
    /// The key, for keyed histories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `index` of the read's `ok` event.
    pub index: u64,
    /// The reading process.
    pub process: ProcessId,
    /// Sum of the adds acknowledged before the read was invoked.
    pub lower: i64,
    /// What the read returned.
    pub value: i64,
    /// Sum of the adds invoked (and not failed) before the read completed.
    pub upper: i64,
    /// In words.
    pub text: String,
}

/// Result of the counter check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterReport {
    /// Invalid if a read is out of bounds; unknown when no read was checked.
    pub valid: Validity,
    /// Counters (keys) checked.
    pub keys: usize,
    /// `ok` reads checked.
    pub reads: usize,
    /// Adds acknowledged `ok`.
    pub adds_ok: usize,
    /// Adds with unknown outcome (`info` or never completed).
    pub adds_unknown: usize,
    /// Reads out of bounds, counted.
    pub out_of_bounds_count: usize,
    /// The first of them, in history order.
    pub out_of_bounds: Vec<OutOfBounds>,
}

impl CounterReport {
    /// One-line summary.
    pub fn summary(&self) -> String {
        match self.valid {
            Validity::Valid => format!(
                "{} read(s) of {} counter(s) within bounds ({} add(s) acknowledged, {} unknown)",
                self.reads, self.keys, self.adds_ok, self.adds_unknown
            ),
            Validity::Invalid => format!(
                "{} of {} read(s) out of bounds; first: {}",
                self.out_of_bounds_count,
                self.reads,
                self.out_of_bounds
                    .first()
                    .map(|o| o.text.as_str())
                    .unwrap_or("")
            ),
            Validity::Unknown => "no ok read of a counter to check".to_string(),
        }
    }

    /// The summary and every listed read out of bounds.
    pub fn render_text(&self) -> String {
        let mut s = format!("counter: {}\n", self.summary());
        for o in self.out_of_bounds.iter().skip(1) {
            s.push_str(&format!("  {}\n", o.text));
        }
        if self.out_of_bounds_count > self.out_of_bounds.len() {
            s.push_str(&format!(
                "  ... and {} more (all counted in the JSON report)\n",
                self.out_of_bounds_count - self.out_of_bounds.len()
            ));
        }
        s
    }

    /// This report as a [`Verdict`] (checker `counter`).
    pub fn to_verdict(&self) -> Verdict {
        Verdict {
            checker: "counter".to_string(),
            valid: self.valid,
            summary: self.summary(),
            details: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// True for a history of Jepsen's counter workload: `add`s, and `ok` reads
/// that return numbers (a set's reads return collections).
pub fn is_counter_history(events: &[Event]) -> bool {
    let client = |e: &&Event| e.process != ProcessId::Nemesis;
    let mut reads = events
        .iter()
        .filter(client)
        .filter(|e| e.f == OpFn::Read && e.kind == crate::history::EventType::Ok)
        .filter(|e| !e.value.is_null())
        .peekable();
    events.iter().filter(client).any(|e| e.f == OpFn::Add)
        && reads.peek().is_some()
        && reads.all(|e| e.value.is_number())
}

/// One change of a bound, at a history position.
enum Step {
    /// The lower bound moves by this much.
    Lower(i128),
    /// The upper bound moves by this much.
    Upper(i128),
    /// A read is invoked: remember the lower bound.
    ReadInvoked(usize),
    /// A read completed: judge it.
    ReadDone(usize),
}

/// Checks every `ok` read of `events` against its bounds (see the module
/// documentation). `add` and `incr` both add their value.
pub fn check_counter(events: &[Event]) -> Result<CounterReport, CounterError> {
    let ops = pair_operations(events, None, "history")?;
    let int = |f: &OpFn, pos: usize, v: &serde_json::Value| {
        v.as_i64().ok_or_else(|| CounterError::NotAnInteger {
            f: f.clone(),
            index: events.get(pos).map_or(pos as u64, |e| e.index),
            value: v.clone(),
        })
    };
    let mut per_key: BTreeMap<Option<&str>, Vec<(usize, Step)>> = BTreeMap::new();
    let mut report = CounterReport {
        valid: Validity::Unknown,
        keys: 0,
        reads: 0,
        adds_ok: 0,
        adds_unknown: 0,
        out_of_bounds_count: 0,
        out_of_bounds: Vec::new(),
    };
    // Reads' values, by operation id.
    let mut read_values: BTreeMap<usize, i64> = BTreeMap::new();
    for op in &ops {
        let steps = per_key.entry(op.key.as_deref()).or_default();
        match op.f {
            OpFn::Add | OpFn::Incr => {
                let n = i128::from(int(&op.f, op.invoke_pos, &op.value)?);
                // Positive adds raise the ceiling when sent and the floor when
                // acknowledged; negative ones the other way round.
                let (when_sent, when_acked) = if n >= 0 {
                    (Step::Upper(n), Step::Lower(n))
                } else {
                    (Step::Lower(n), Step::Upper(n))
                };
                steps.push((op.invoke_pos, when_sent));
                match (op.status, op.complete_pos) {
                    (OpStatus::Ok, Some(done)) => {
                        report.adds_ok += 1;
                        steps.push((done, when_acked));
                    }
                    _ => report.adds_unknown += 1,
                }
            }
            OpFn::Read if op.status == OpStatus::Ok => {
                let Some(done) = op.complete_pos else {
                    continue;
                };
                read_values.insert(op.id, int(&op.f, done, &op.output)?);
                steps.push((op.invoke_pos, Step::ReadInvoked(op.id)));
                steps.push((done, Step::ReadDone(op.id)));
            }
            _ => {}
        }
    }
    let clamp = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
    for (key, mut steps) in per_key {
        report.keys += 1;
        steps.sort_by_key(|(pos, _)| *pos);
        let (mut lower, mut upper) = (0i128, 0i128);
        let mut floor_at_invoke: BTreeMap<usize, i128> = BTreeMap::new();
        for (pos, step) in steps {
            match step {
                Step::Lower(n) => lower += n,
                Step::Upper(n) => upper += n,
                Step::ReadInvoked(id) => {
                    floor_at_invoke.insert(id, lower);
                }
                Step::ReadDone(id) => {
                    report.reads += 1;
                    let floor = floor_at_invoke.remove(&id).unwrap_or(lower);
                    let value = read_values.get(&id).copied().unwrap_or_default();
                    if (floor..=upper).contains(&i128::from(value)) {
                        continue;
                    }
                    report.out_of_bounds_count += 1;
                    if report.out_of_bounds.len() >= LISTED {
                        continue;
                    }
                    let e = &events[pos];
                    let at = match key {
                        Some(k) => format!("read of {k} at index {}", e.index),
                        None => format!("read at index {}", e.index),
                    };
                    let why = if i128::from(value) < floor {
                        format!("below {floor}, the sum of the adds acknowledged before it began")
                    } else {
                        format!("above {upper}, the sum of every add begun before it ended")
                    };
                    report.out_of_bounds.push(OutOfBounds {
                        key: key.map(str::to_string),
                        index: e.index,
                        process: e.process,
                        lower: clamp(floor),
                        value,
                        upper: clamp(upper),
                        text: format!("{at} (process {}) returned {value}, {why}", e.process),
                    });
                }
            }
        }
    }
    report.valid = if report.out_of_bounds_count > 0 {
        Validity::Invalid
    } else if report.reads == 0 {
        Validity::Unknown
    } else {
        Validity::Valid
    };
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::EventType;
    use serde_json::{Value, json};

    /// Events from `(process, type, f, key, value)` rows, in order.
    fn history(rows: &[(u64, EventType, OpFn, Option<&str>, Value)]) -> Vec<Event> {
        rows.iter()
            .enumerate()
            .map(|(i, (p, kind, f, key, value))| Event {
                index: i as u64,
                time: i as u64,
                process: ProcessId::Client(*p),
                kind: *kind,
                f: f.clone(),
                key: key.map(str::to_string),
                value: value.clone(),
                node: None,
                error: None,
                detail: None,
            })
            .collect()
    }

    use EventType::{Info, Invoke, Ok};

    #[test]
    fn bounds_follow_acknowledged_and_begun_adds_per_key() {
        let h = history(&[
            (0, Invoke, OpFn::Add, Some("a"), json!(3)),
            (1, Invoke, OpFn::Read, Some("a"), Value::Null),
            // Concurrent with the add: anything from 0 to 3.
            (1, Ok, OpFn::Read, Some("a"), json!(3)),
            (0, Ok, OpFn::Add, Some("a"), json!(3)),
            // Another key counts apart.
            (2, Invoke, OpFn::Add, Some("b"), json!(7)),
            (2, Info, OpFn::Add, Some("b"), json!(7)),
            (1, Invoke, OpFn::Read, Some("a"), Value::Null),
            (1, Ok, OpFn::Read, Some("a"), json!(3)),
            (3, Invoke, OpFn::Read, Some("b"), Value::Null),
            (3, Ok, OpFn::Read, Some("b"), json!(0)),
        ]);
        let r = check_counter(&h).unwrap();
        assert_eq!(r.valid, Validity::Valid, "{}", r.render_text());
        assert_eq!((r.keys, r.reads, r.adds_ok, r.adds_unknown), (2, 3, 1, 1));
    }

    #[test]
    fn negative_adds_mirror_the_bounds_and_reads_outside_are_named() {
        let h = history(&[
            (0, Invoke, OpFn::Add, None, json!(5)),
            (0, Ok, OpFn::Add, None, json!(5)),
            (1, Invoke, OpFn::Add, None, json!(-2)),
            (2, Invoke, OpFn::Read, None, Value::Null),
            // The decrement may or may not have happened: 3 to 5.
            (2, Ok, OpFn::Read, None, json!(3)),
            (1, Ok, OpFn::Add, None, json!(-2)),
            (2, Invoke, OpFn::Read, None, Value::Null),
            (2, Ok, OpFn::Read, None, json!(5)),
        ]);
        let r = check_counter(&h).unwrap();
        assert_eq!(r.valid, Validity::Invalid);
        assert_eq!(r.out_of_bounds_count, 1);
        let o = &r.out_of_bounds[0];
        assert_eq!((o.lower, o.value, o.upper, o.index), (3, 5, 3, 7));
        assert!(o.text.contains("above 3"), "{}", o.text);
    }

    #[test]
    fn no_read_is_unknown_and_values_must_be_integers() {
        let h = history(&[
            (0, Invoke, OpFn::Add, None, json!(1)),
            (0, Ok, OpFn::Add, None, json!(1)),
        ]);
        assert_eq!(check_counter(&h).unwrap().valid, Validity::Unknown);
        let h = history(&[
            (0, Invoke, OpFn::Add, None, json!("x")),
            (0, Ok, OpFn::Add, None, json!("x")),
        ]);
        let e = check_counter(&h).unwrap_err();
        assert!(e.to_string().contains("index 0"), "{e}");
        assert!(!is_counter_history(&h));
    }
}
