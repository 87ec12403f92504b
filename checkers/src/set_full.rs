//! Jepsen's set-full checker: `add e` puts one element in a set and an `ok`
//! read returns the whole set. Each element gets a timeline from the reads
//! that completed after its add was invoked:
//!
//! - it is *known* from the earlier of its add's `ok` and the completion of
//!   the first read that shows it;
//! - *stable* when the last read (by invocation) to show it began after the
//!   last read to miss it: from some point on every read sees it;
//! - *lost* when it was known, a read that began after it was known missed
//!   it, and no read that began later shows it again;
//! - *never read* otherwise (no read began after it was known, or the reads
//!   that missed it overlapped the add).
//!
//! A stable element that some read begun after it was known still missed
//! is *stale*: allowed (the set need not be linearizable), but counted.
//! The history is invalid with a lost element, or with an element a read
//! shows more than once; unknown when no element is stable (nothing was
//! confirmed). Elements a read shows that no add could have put there
//! (never added, or added by an add that failed or began after the read
//! ended) are *unexpected*, also invalid — Jepsen's set-full passes over
//! them, its older `set` checker does not.
//!
//! Keyed histories (Jepsen's independent `[k v]` tuples) are judged key by key.

use crate::history::{Event, HistoryError, OpFn, OpStatus, ProcessId, pair_operations};
use crate::verdict::{Validity, Verdict};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Elements listed per outcome in the report; all are counted.
const LISTED: usize = 20;

/// Why a history cannot be judged as a set.
#[derive(Debug, thiserror::Error)]
pub enum SetFullError {
    /// Invocations and completions do not pair up.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// A read that did not return a collection.
    #[error("read at index {index}: expected a set or list of elements, found {value}")]
    NotACollection {
        /// `index` of the read's `ok` event.
        index: u64,
        /// The value found.
        value: Value,
    },
}

/// An element with something to say about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetElement {
    /// The key, for keyed histories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The element.
    pub element: Value,
    /// In words.
    pub text: String,
}

/// A count and the first few elements with an outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// How many elements.
    pub count: usize,
    /// The first of them, in key and add order.
    pub elements: Vec<SetElement>,
}

impl Outcome {
    fn push(&mut self, e: SetElement) {
        self.count += 1;
        if self.elements.len() < LISTED {
            self.elements.push(e);
        }
    }
}

/// Result of the set-full check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetFullReport {
    /// See the module documentation.
    pub valid: Validity,
    /// Sets (keys) checked.
    pub keys: usize,
    /// Adds that may have taken effect (`ok`, `info` or never completed).
    pub attempts: usize,
    /// `ok` reads.
    pub reads: usize,
    /// Elements every read sees from some point on.
    pub stable: usize,
    /// Elements no read begun after them shows again.
    pub lost: Outcome,
    /// Elements no read can vouch for either way.
    pub never_read: usize,
    /// Stable elements that a read begun after they were known missed.
    pub stale: Outcome,
    /// Elements no add could have put there.
    pub unexpected: Outcome,
    /// Elements a single read shows more than once.
    pub duplicated: Outcome,
}

impl SetFullReport {
    /// One-line summary.
    pub fn summary(&self) -> String {
        let counts = format!(
            "{} stable, {} lost, {} never read, {} stale of {} added; {} unexpected, {} duplicated; {} read(s)",
            self.stable,
            self.lost.count,
            self.never_read,
            self.stale.count,
            self.attempts,
            self.unexpected.count,
            self.duplicated.count,
            self.reads
        );
        match self.valid {
            Validity::Invalid => {
                let first = [&self.lost, &self.unexpected, &self.duplicated]
                    .into_iter()
                    .find_map(|o| o.elements.first())
                    .map(|e| e.text.clone())
                    .unwrap_or_default();
                format!("{counts}: {first}")
            }
            Validity::Unknown => format!("{counts}: no element is stable, nothing was confirmed"),
            Validity::Valid => counts,
        }
    }

    /// The first violation, for the report card.
    pub fn witness(&self) -> Option<String> {
        [&self.lost, &self.unexpected, &self.duplicated]
            .into_iter()
            .find_map(|o| o.elements.first())
            .map(|e| e.text.clone())
    }

    /// The summary and the listed elements of every outcome that has any.
    pub fn render_text(&self) -> String {
        let mut s = format!("set-full: {}\n", self.summary());
        for (name, o) in [
            ("lost", &self.lost),
            ("unexpected", &self.unexpected),
            ("duplicated", &self.duplicated),
            ("stale", &self.stale),
        ] {
            if o.count == 0 {
                continue;
            }
            s.push_str(&format!("  {name}: {}\n", o.count));
            for e in &o.elements {
                s.push_str(&format!("    {}\n", e.text));
            }
            if o.count > o.elements.len() {
                s.push_str(&format!(
                    "    ... and {} more\n",
                    o.count - o.elements.len()
                ));
            }
        }
        s
    }

    /// This report as a [`Verdict`] (checker `set-full`).
    pub fn to_verdict(&self) -> Verdict {
        Verdict {
            checker: "set-full".to_string(),
            valid: self.valid,
            summary: self.summary(),
            details: serde_json::to_value(self).unwrap_or(Value::Null),
        }
    }
}

/// True for a set history: `add`s, and `ok` reads that return collections.
pub fn is_set_history(events: &[Event]) -> bool {
    let client = |e: &&Event| e.process != ProcessId::Nemesis;
    let mut reads = events
        .iter()
        .filter(client)
        .filter(|e| e.f == OpFn::Read && e.kind == crate::history::EventType::Ok)
        .filter(|e| !e.value.is_null())
        .peekable();
    events.iter().filter(client).any(|e| e.f == OpFn::Add)
        && reads.peek().is_some()
        && reads.all(|e| e.value.is_array())
}

/// One element's timeline (history positions).
struct Timeline {
    element: Value,
    add_invoked: usize,
    /// Where it became known: its add's `ok`, or a read's completion.
    known: Option<usize>,
    /// Invocation of the latest-begun read that showed it.
    last_present: Option<usize>,
    /// Invocation of the latest-begun read that missed it.
    last_absent: Option<usize>,
}

/// An `ok` read: its positions and what it returned.
struct ReadOp<'a> {
    invoked: usize,
    done: usize,
    elements: &'a [Value],
}

/// Checks a set history (see the module documentation).
pub fn check_set_full(events: &[Event]) -> Result<SetFullReport, SetFullError> {
    let ops = pair_operations(events, None, "history")?;
    let mut report = SetFullReport {
        valid: Validity::Unknown,
        keys: 0,
        attempts: 0,
        reads: 0,
        stable: 0,
        lost: Outcome::default(),
        never_read: 0,
        stale: Outcome::default(),
        unexpected: Outcome::default(),
        duplicated: Outcome::default(),
    };
    type PerKey<'a> = (Vec<Timeline>, Vec<ReadOp<'a>>);
    let mut per_key: BTreeMap<Option<&str>, PerKey<'_>> = BTreeMap::new();
    for op in &ops {
        let (adds, reads) = per_key.entry(op.key.as_deref()).or_default();
        match op.f {
            OpFn::Add => {
                report.attempts += 1;
                adds.push(Timeline {
                    element: op.value.clone(),
                    add_invoked: op.invoke_pos,
                    known: match op.status {
                        OpStatus::Ok => op.complete_pos,
                        _ => None,
                    },
                    last_present: None,
                    last_absent: None,
                });
            }
            OpFn::Read if op.status == OpStatus::Ok => {
                let Some(done) = op.complete_pos else {
                    continue;
                };
                let elements =
                    op.output
                        .as_array()
                        .ok_or_else(|| SetFullError::NotACollection {
                            index: events.get(done).map_or(done as u64, |e| e.index),
                            value: op.output.clone(),
                        })?;
                reads.push(ReadOp {
                    invoked: op.invoke_pos,
                    done,
                    elements,
                });
            }
            _ => {}
        }
    }
    let index = |pos: usize| events.get(pos).map_or(pos as u64, |e| e.index);
    for (key, (mut adds, mut reads)) in per_key {
        report.keys += 1;
        report.reads += reads.len();
        let name = |e: &Value| match key {
            Some(k) => format!("element {e} of {k}"),
            None => format!("element {e}"),
        };
        let element = |e: &Value, text: String| SetElement {
            key: key.map(str::to_string),
            element: e.clone(),
            text,
        };
        // Elements by their JSON text; an element added twice keeps its first add.
        let mut by_text: FxHashMap<String, usize> = FxHashMap::default();
        for (i, a) in adds.iter().enumerate() {
            by_text.entry(a.element.to_string()).or_insert(i);
        }
        // A read's effect applies when it completes, to the elements whose
        // adds had begun by then; the timeline records its invocation.
        reads.sort_by_key(|r| r.done);
        for r in &reads {
            let mut seen: FxHashMap<String, usize> = FxHashMap::default();
            for e in r.elements {
                *seen.entry(e.to_string()).or_default() += 1;
            }
            for (text, n) in &seen {
                let tracked = by_text.get(text).filter(|&&i| adds[i].add_invoked < r.done);
                if *n > 1 {
                    let e: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                    report.duplicated.push(element(
                        &e,
                        format!(
                            "{} appears {n} times in the read at index {}",
                            name(&e),
                            index(r.done)
                        ),
                    ));
                }
                if tracked.is_none() {
                    let e: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                    report.unexpected.push(element(
                        &e,
                        format!(
                            "{} is in the read at index {}, but no add that may have taken effect began before that read ended",
                            name(&e),
                            index(r.done)
                        ),
                    ));
                }
            }
            for a in adds.iter_mut().filter(|a| a.add_invoked < r.done) {
                if seen.contains_key(&a.element.to_string()) {
                    a.known = Some(a.known.map_or(r.done, |k| k.min(r.done)));
                    a.last_present = a.last_present.max(Some(r.invoked));
                } else {
                    a.last_absent = a.last_absent.max(Some(r.invoked));
                }
            }
        }
        // Outcomes in add order (operations come in invocation order); an
        // element added twice is judged by its first add.
        for (i, a) in adds.iter().enumerate() {
            if by_text.get(&a.element.to_string()) != Some(&i) {
                continue;
            }
            let stable = match (a.last_present, a.last_absent) {
                (Some(p), Some(q)) => q < p,
                (Some(_), None) => true,
                _ => false,
            };
            let lost = !stable
                && match (a.known, a.last_absent) {
                    (Some(k), Some(q)) => k < q && a.last_present.is_none_or(|p| p < q),
                    _ => false,
                };
            if stable {
                report.stable += 1;
                if let (Some(k), Some(q)) = (a.known, a.last_absent)
                    && k < q
                {
                    report.stale.push(element(
                        &a.element,
                        format!(
                            "{} was missed by a read invoked at index {}, after it was known (index {}), though later reads show it",
                            name(&a.element),
                            index(q),
                            index(k)
                        ),
                    ));
                }
            } else if lost {
                let (k, q) = (
                    a.known.unwrap_or_default(),
                    a.last_absent.unwrap_or_default(),
                );
                report.lost.push(element(
                    &a.element,
                    format!(
                        "{} was known from index {}, but the read invoked at index {} misses it and no read begun later shows it",
                        name(&a.element),
                        index(k),
                        index(q)
                    ),
                ));
            } else {
                report.never_read += 1;
            }
        }
    }
    report.valid = if report.lost.count + report.unexpected.count + report.duplicated.count > 0 {
        Validity::Invalid
    } else if report.stable == 0 {
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
    use serde_json::json;

    fn history(rows: &[(u64, EventType, OpFn, Value)]) -> Vec<Event> {
        rows.iter()
            .enumerate()
            .map(|(i, (p, kind, f, value))| Event {
                index: i as u64,
                time: i as u64 * 1_000_000,
                process: ProcessId::Client(*p),
                kind: *kind,
                f: f.clone(),
                key: None,
                value: value.clone(),
                node: None,
                error: None,
                detail: None,
            })
            .collect()
    }

    use EventType::{Fail, Invoke, Ok};

    #[test]
    fn a_concurrent_read_that_misses_an_element_is_not_a_loss() {
        let h = history(&[
            (0, Invoke, OpFn::Add, json!(1)),
            (1, Invoke, OpFn::Read, Value::Null),
            (0, Ok, OpFn::Add, json!(1)),
            // Began before the add was acknowledged: may precede it.
            (1, Ok, OpFn::Read, json!([])),
            (1, Invoke, OpFn::Read, Value::Null),
            (1, Ok, OpFn::Read, json!([1])),
        ]);
        let r = check_set_full(&h).unwrap();
        assert_eq!(r.valid, Validity::Valid, "{}", r.render_text());
        assert_eq!((r.stable, r.stale.count, r.lost.count), (1, 0, 0));
    }

    #[test]
    fn unexpected_and_duplicated_elements_are_invalid() {
        let h = history(&[
            (0, Invoke, OpFn::Add, json!(1)),
            (0, Ok, OpFn::Add, json!(1)),
            (2, Invoke, OpFn::Add, json!(2)),
            (2, Fail, OpFn::Add, json!(2)),
            (1, Invoke, OpFn::Read, Value::Null),
            // 2's add failed; 1 appears twice.
            (1, Ok, OpFn::Read, json!([1, 1, 2])),
        ]);
        let r = check_set_full(&h).unwrap();
        assert_eq!(r.valid, Validity::Invalid, "{}", r.render_text());
        assert_eq!((r.unexpected.count, r.duplicated.count), (1, 1));
        assert!(r.unexpected.elements[0].text.contains("element 2"));
        assert!(r.duplicated.elements[0].text.contains("2 times"));
    }

    #[test]
    fn reads_must_be_collections() {
        let h = history(&[
            (0, Invoke, OpFn::Add, json!(1)),
            (0, Ok, OpFn::Add, json!(1)),
            (1, Invoke, OpFn::Read, Value::Null),
            (1, Ok, OpFn::Read, json!(1)),
        ]);
        assert!(check_set_full(&h).is_err());
        assert!(!is_set_history(&h));
    }
}
