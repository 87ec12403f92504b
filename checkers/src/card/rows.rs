//! The report card: one row per consistency model with its answer and the
//! smallest witness of a violation, built from the checkers' verdicts (so it
//! can be rebuilt from `results.json`).

use crate::bank::BankReport;
use crate::eventual::EventualReport;
use crate::linearizability::LinearizabilityReport;
use crate::render::label::op_label;
use crate::sequential::SequentialReport;
use crate::session::SessionReport;
use crate::staleness::StalenessReport;
use crate::txn::TxnReport;
use crate::verdict::{Validity, Verdict};
use serde::{Deserialize, Serialize};

/// One row: a model and how the history fares against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardRow {
    /// The model, e.g. `linearizable` or `session: monotonic-reads`.
    pub model: String,
    /// The answer.
    pub valid: Validity,
    /// The smallest witness of a violation, or the checker's summary otherwise.
    pub note: String,
}

/// Rows for a list of verdicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportCard {
    /// In the verdicts' order; a session verdict becomes one row per guarantee.
    pub rows: Vec<CardRow>,
}

impl ReportCard {
    /// Builds the card; details a checker did not produce fall back to its summary.
    pub fn from_verdicts(verdicts: &[Verdict]) -> ReportCard {
        let mut rows = Vec::new();
        for v in verdicts {
            if v.checker == "session"
                && let Ok(r) = serde_json::from_value::<SessionReport>(v.details.clone())
            {
                for g in &r.guarantees {
                    rows.push(CardRow {
                        model: format!("session: {}", g.guarantee),
                        valid: g.valid,
                        note: g
                            .witness
                            .as_ref()
                            .map(|w| w.text.clone())
                            .unwrap_or_else(|| session_note(&r, g.valid)),
                    });
                }
                continue;
            }
            if v.checker == "txn"
                && let Ok(r) = serde_json::from_value::<TxnReport>(v.details.clone())
            {
                rows.extend(txn_rows(&r));
                continue;
            }
            let witness = (v.valid == Validity::Invalid).then(|| witness(v)).flatten();
            rows.push(CardRow {
                model: v.checker.clone(),
                valid: v.valid,
                note: witness.unwrap_or_else(|| v.summary.clone()),
            });
        }
        ReportCard { rows }
    }
}

/// One row per transactional model, strongest first: ruled out with the
/// first example of an anomaly it forbids, unknown where a search that
/// could have ruled it out stopped early.
fn txn_rows(r: &TxnReport) -> Vec<CardRow> {
    // The example is spelt out once, on the first row it rules out; the
    // weaker models it also rules out just name it.
    let mut told: Vec<crate::txn::AnomalyKind> = Vec::new();
    r.models
        .iter()
        .map(|row| {
            let undecided = r.incomplete.iter().any(|k| row.model.forbids(*k));
            let (valid, note) = if row.ruled_out {
                let example = r
                    .anomalies
                    .iter()
                    .filter(|g| row.by.contains(&g.kind))
                    .find_map(|g| g.examples.first());
                let note = match example {
                    Some(a) if !told.contains(&a.kind) => {
                        told.push(a.kind);
                        format!("{}: {}", a.kind, a.text)
                    }
                    _ => format!(
                        "ruled out by {}",
                        row.by
                            .iter()
                            .map(|k| k.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                (Validity::Invalid, note)
            } else if undecided {
                (
                    Validity::Unknown,
                    "the cycle search ran out of budget".to_string(),
                )
            } else {
                (Validity::Valid, "not ruled out".to_string())
            };
            CardRow {
                model: format!("txn: {}", row.model),
                valid,
                note,
            }
        })
        .collect()
}

fn session_note(r: &SessionReport, valid: Validity) -> String {
    match valid {
        Validity::Unknown => r
            .keys_skipped
            .first()
            .map(|s| s.reason.clone())
            .unwrap_or_else(|| "no key to check".to_string()),
        _ => format!("{} key(s) checked", r.keys_checked),
    }
}

/// The smallest witness in a verdict's details, per checker.
fn witness(v: &Verdict) -> Option<String> {
    let d = v.details.clone();
    match v.checker.as_str() {
        "linearizable" => {
            let r: LinearizabilityReport = serde_json::from_value(d).ok()?;
            let p = r
                .partitions
                .iter()
                .filter(|p| p.counterexample.is_some())
                .min_by_key(|p| p.counterexample_size())?;
            let cx = p.counterexample.as_ref()?;
            let key = p.key.clone().unwrap_or_else(|| "(unkeyed)".into());
            // Operations are named as everywhere else: process, what it
            // did, and the history events it spans.
            let named = |o: &crate::linearizability::OpView| {
                let at = match o.complete_index {
                    Some(c) => format!("events {}–{c}", o.invoke_index),
                    None => format!("event {}", o.invoke_index),
                };
                format!("p{} {} [{at}]", o.process, op_label(o))
            };
            if let Some(m) = &cx.minimal {
                let ops: Vec<String> = m
                    .core
                    .iter()
                    .filter_map(|id| m.operations.iter().find(|o| o.id == *id))
                    .map(named)
                    .collect();
                let why = m
                    .unplaceable
                    .first()
                    .map(|u| format!(" ({})", u.reason))
                    .unwrap_or_default();
                let verb = if ops.len() == 1 {
                    "cannot take effect"
                } else {
                    "cannot be ordered"
                };
                return Some(format!("key {key}: {} {verb}{why}", ops.join(", ")));
            }
            let u = cx.unplaceable.first()?;
            let what = cx
                .operations
                .iter()
                .find(|o| o.id == u.op)
                .map(named)
                .unwrap_or_else(|| format!("op {}", u.op));
            Some(format!(
                "key {key}: {what} cannot be placed in state {}: {}",
                u.state, u.reason
            ))
        }
        "sequential" => {
            let r: SequentialReport = serde_json::from_value(d).ok()?;
            r.smallest_witness().map(|w| w.text.clone())
        }
        "eventual" => {
            let r: EventualReport = serde_json::from_value(d).ok()?;
            r.witness()
        }
        "staleness" => {
            let r: StalenessReport = serde_json::from_value(d).ok()?;
            r.stalest.map(|s| s.text)
        }
        "lock" => {
            let r: crate::lock::LockReport = serde_json::from_value(d).ok()?;
            r.violations.first().map(|v| v.text.clone())
        }
        "bank" => {
            let r: BankReport = serde_json::from_value(d).ok()?;
            r.witness()
        }
        "txn" => {
            let r: TxnReport = serde_json::from_value(d).ok()?;
            r.witness()
        }
        "counter" => {
            let r: crate::counter_bounds::CounterReport = serde_json::from_value(d).ok()?;
            r.out_of_bounds.first().map(|o| o.text.clone())
        }
        "set-full" => {
            let r: crate::set_full::SetFullReport = serde_json::from_value(d).ok()?;
            r.witness()
        }
        _ => None,
    }
}
