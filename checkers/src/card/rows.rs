//! The report card: one row per consistency model with its answer and the
//! smallest witness of a violation, built from the checkers' verdicts (so it
//! can be rebuilt from `results.json`).

use super::report::Report;
use crate::linearizability::LinearizabilityReport;
use crate::render::label::op_label;
use crate::session::SessionReport;
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
            let report = Report::from_verdict(v);
            if let Some(Report::Session(r)) = &report {
                for g in &r.guarantees {
                    rows.push(CardRow {
                        model: format!("session: {}", g.guarantee),
                        valid: g.valid,
                        note: g
                            .witness
                            .as_ref()
                            .map(|w| w.text.clone())
                            .unwrap_or_else(|| session_note(r, g.valid)),
                    });
                }
                continue;
            }
            if let Some(Report::Txn(r)) = &report {
                rows.extend(txn_rows(r));
                continue;
            }
            let witness = report
                .filter(|_| v.valid == Validity::Invalid)
                .and_then(|r| witness(&r));
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

/// The smallest witness in a checker's report.
fn witness(r: &Report) -> Option<String> {
    match r {
        Report::Linearizable(r) => linearizable_witness(r),
        Report::Sequential(r) => r.smallest_witness().map(|w| w.text.clone()),
        Report::Session(_) => None,
        Report::Eventual(r) => r.witness(),
        Report::Staleness(r) => r.stalest.as_ref().map(|s| s.text.clone()),
        Report::Lock(r) => r.violations.first().map(|v| v.text.clone()),
        Report::Bank(r) => r.witness(),
        Report::Txn(r) => r.witness(),
        Report::Counter(r) => r.out_of_bounds.first().map(|o| o.text.clone()),
        Report::SetFull(r) => r.witness(),
    }
}

/// The smallest counterexample's operations in one line.
fn linearizable_witness(r: &LinearizabilityReport) -> Option<String> {
    let p = r
        .partitions
        .iter()
        .filter(|p| p.counterexample.is_some())
        .min_by_key(|p| p.counterexample_size())?;
    let cx = p.counterexample.as_ref()?;
    let key = crate::history::key_label(p.key.as_deref());
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
