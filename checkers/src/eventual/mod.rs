//! Eventual consistency after faults end: once the last fault has healed,
//! the last write has finished and a quiet period has passed, the last read
//! of each key on every node returns the same value, and no acknowledged write
//! is lost unless a write that may carry a later timestamp overwrote it.
//!
//! "May carry a later timestamp" is judged by real time: the write whose value
//! survived must not have finished before the lost one began. That assumes
//! the store's timestamps do not run behind real time between nodes (true for
//! hybrid clocks on one host, as in the bundled cluster). Lost writes are only
//! judged on keys whose written values are unique.

mod report;
mod settle;

pub use report::{Disagreement, EventualReport, FinalRead, KeyOutcome, LostWrite};

use crate::history::{Event, key_cmp};
use crate::model::Val;
use crate::register_view::{Access, KeyView, RegisterView, ViewError};
use crate::verdict::Validity;
use settle::Settled;
use std::collections::BTreeMap;
use std::time::Duration;

/// How to run the eventual-consistency check.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventualOptions {
    /// Reads count as final only if they begin this long after the last heal
    /// and the last write (default 0: the run's recovery period is the quiet period).
    pub quiet_period: Duration,
}

/// Checks convergence and durability of acknowledged writes after the last heal.
pub fn check_eventual(
    events: &[Event],
    opts: &EventualOptions,
) -> Result<EventualReport, ViewError> {
    let view = RegisterView::build(events)?;
    let last_heal = view.nemesis_times.iter().copied().max();
    let mut tally = EventualTally::new(last_heal, last_write_of(&view), opts);
    tally.add_view(&view);
    Ok(tally.finish())
}

/// When the last write of `events` finished (began, if it never did).
pub(crate) fn last_write(events: &[Event]) -> Result<Option<u64>, ViewError> {
    Ok(last_write_of(&RegisterView::build(events)?))
}

fn last_write_of(view: &RegisterView) -> Option<u64> {
    view.keys
        .iter()
        .flat_map(|k| &k.accesses)
        .filter(|a| a.written.is_some())
        .map(|a| a.complete_time.unwrap_or(a.invoke_time))
        .max()
}

/// The outcomes so far over histories of disjoint keys (batches of whole
/// keys of one run). Which reads are final depends on the whole run (its
/// last heal and last write), so those are given first.
#[derive(Debug)]
pub(crate) struct EventualTally {
    final_from: u64,
    last_heal: Option<u64>,
    keys: Vec<KeyOutcome>,
}

impl EventualTally {
    /// A tally for a run whose last nemesis event and last write were at
    /// these times (ns).
    pub(crate) fn new(
        last_heal: Option<u64>,
        last_write: Option<u64>,
        opts: &EventualOptions,
    ) -> EventualTally {
        let quiet = u64::try_from(opts.quiet_period.as_nanos()).unwrap_or(u64::MAX);
        EventualTally {
            final_from: last_heal.max(last_write).unwrap_or(0).saturating_add(quiet),
            last_heal,
            keys: Vec::new(),
        }
    }

    /// Judges the keys of `events`, none of which an earlier call saw.
    pub(crate) fn add(&mut self, events: &[Event]) -> Result<(), ViewError> {
        self.add_view(&RegisterView::build(events)?);
        Ok(())
    }

    fn add_view(&mut self, view: &RegisterView) {
        let final_from = self.final_from;
        self.keys
            .extend(view.keys.iter().map(|k| check_key(k, final_from)));
    }

    /// The report over every key added.
    pub(crate) fn finish(mut self) -> EventualReport {
        self.keys.sort_by(|a, b| key_cmp(&a.key, &b.key));
        let keys = self.keys;
        let disagreements = keys.iter().filter(|k| k.disagreement.is_some()).count();
        let lost: usize = keys.iter().map(|k| k.lost_writes.len()).sum();
        let unexplained = keys
            .iter()
            .filter(|k| k.unexplained_final.is_some())
            .count();
        let unobserved = keys
            .iter()
            .filter(|k| k.final_reads.is_empty() || k.unsettled.is_some())
            .count();
        let valid = if disagreements + lost + unexplained > 0 {
            Validity::Invalid
        } else if unobserved > 0 || keys.is_empty() {
            Validity::Unknown
        } else {
            Validity::Valid
        };
        EventualReport {
            valid,
            final_reads_from: self.final_from,
            last_heal: self.last_heal,
            keys,
        }
    }
}

fn check_key(key: &KeyView, final_from: u64) -> KeyOutcome {
    // The last read of the key on each node (or by each process, where the node is unknown).
    let finals: Vec<&Access> = key
        .accesses
        .iter()
        .filter(|a| a.f == crate::history::OpFn::Read && a.acked && a.invoke_time >= final_from)
        .collect();
    let mut last: BTreeMap<String, &Access> = BTreeMap::new();
    for &a in &finals {
        let who = a
            .node
            .clone()
            .unwrap_or_else(|| format!("process {}", a.process));
        last.insert(who, a);
    }
    let final_reads: Vec<FinalRead> = last
        .iter()
        .map(|(who, a)| FinalRead {
            node: who.clone(),
            op: a.id,
            value: a
                .observed
                .as_ref()
                .map_or(serde_json::Value::Null, Val::to_json),
        })
        .collect();
    let mut outcome = KeyOutcome {
        key: key.key.clone(),
        final_reads,
        disagreement: None,
        lost_writes: Vec::new(),
        unexplained_final: None,
        lost_writes_unchecked: None,
        settled_late: None,
        unsettled: None,
    };
    let values: Vec<Val> = {
        let mut v: Vec<Val> = last.values().filter_map(|a| a.observed.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    match values.as_slice() {
        [] => {}
        [agreed] => lost_writes(key, agreed, &mut outcome),
        _ => {
            let reads = outcome
                .final_reads
                .iter()
                .map(|r| format!("{} read {} (event {})", r.node, show(&r.value), r.op))
                .collect::<Vec<_>>()
                .join(", ");
            match settle::settle(key, &finals) {
                Settled::On(v) => {
                    outcome.settled_late = Some(format!(
                        "key {}: final reads differ ({reads}), as a write of unknown effect \
                         taking effect during them explains; the key settled on {v}",
                        key.name()
                    ));
                    lost_writes(key, &v, &mut outcome);
                }
                Settled::Undecided => {
                    outcome.unsettled = Some(format!(
                        "key {}: final reads differ ({reads}); a write of unknown effect may \
                         have taken effect during them, and the last ones ran concurrently, \
                         so which value the key kept is not known",
                        key.name()
                    ));
                }
                Settled::Diverged => {
                    outcome.disagreement = Some(Disagreement {
                        text: format!("key {}: final reads disagree: {reads}", key.name()),
                    });
                }
            }
        }
    }
    outcome
}

/// Acknowledged writes that the agreed final value cannot have overwritten.
fn lost_writes(key: &KeyView, agreed: &Val, out: &mut KeyOutcome) {
    if !key.unique() {
        out.lost_writes_unchecked = Some(
            "values are written more than once, so the surviving write cannot be named".to_string(),
        );
        return;
    }
    // The write whose value survived, and when it finished. An absent final
    // value survives from an acknowledged or crashed `write null` (a delete)
    // when there is one, and otherwise from the initial state (None).
    let survivor: Option<&Access> = match agreed {
        Val::Nil => key.writer.get(&Val::Nil).map(|&i| &key.accesses[i]),
        v => match key.writer.get(v) {
            Some(&i) => Some(&key.accesses[i]),
            None => {
                out.unexplained_final = Some(format!(
                    "key {}: every node reads {v}, which no operation wrote",
                    key.name()
                ));
                return;
            }
        },
    };
    for w in &key.accesses {
        let (Some(v), true) = (&w.written, w.acked) else {
            continue;
        };
        if v == agreed {
            continue;
        }
        let overwritten_by_later = match survivor {
            // Absent and nothing deleted: every acknowledged write is lost.
            None => false,
            Some(s) => s.complete_time.is_none_or(|c| c >= w.invoke_time),
        };
        if !overwritten_by_later {
            let why = match survivor {
                None => "but every node reads the key as absent".to_string(),
                Some(s) => format!(
                    "but every node reads {agreed}, whose write (event {}) finished at {} before this one (event {}) began at {}",
                    s.id,
                    secs(s.complete_time.unwrap_or_default()),
                    w.id,
                    secs(w.invoke_time)
                ),
            };
            out.lost_writes.push(LostWrite {
                op: w.id,
                process: w.process,
                value: v.to_json(),
                survivor: survivor.map(|s| s.id),
                text: format!(
                    "key {}: acknowledged write of {v} (event {}, process {}) is lost: {why}",
                    key.name(),
                    w.id,
                    w.process
                ),
            });
        }
    }
}

fn show(v: &serde_json::Value) -> String {
    if v.is_null() {
        "nil".to_string()
    } else {
        v.to_string()
    }
}

fn secs(ns: u64) -> String {
    format!("{:.3}s", ns as f64 / 1e9)
}
