//! What the transactional checker returns: counts, anomalies with examples
//! in words, and the models table; as text, JSON (serde) and a verdict.

use super::anomaly::{Anomaly, AnomalyKind};
use super::models::{ConsistencyModel, ModelRow};
use super::workload::TxnWorkload;
use crate::verdict::{Validity, Verdict};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// How many transactions of each outcome the history holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TxnCounts {
    /// Committed (`ok`).
    pub committed: usize,
    /// Aborted (`fail`).
    pub aborted: usize,
    /// Unknown outcome (`info` or never completed).
    pub unknown: usize,
    /// Of the unknown ones, those a committed read saw, so committed too.
    pub unknown_seen: usize,
    /// Client operations that are not transactions, left out.
    pub ignored_ops: usize,
}

/// The size of the dependency graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GraphStats {
    /// Transactions in the graph (committed, or seen).
    pub nodes: usize,
    /// Arcs after merging the kinds between each pair.
    pub arcs: usize,
    /// Arcs carrying a ww dependency.
    pub ww: usize,
    /// Arcs carrying a wr dependency.
    pub wr: usize,
    /// Arcs carrying an rw dependency.
    pub rw: usize,
    /// Arcs carrying real-time order (transitively reduced).
    pub realtime: usize,
    /// Arcs carrying process order.
    pub process: usize,
    /// Transactions on some cycle.
    pub cyclic: usize,
}

/// The anomalies of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnomalyGroup {
    /// Which anomaly.
    pub kind: AnomalyKind,
    /// How many were found (one per strongly connected component for cycles).
    pub count: usize,
    /// The first few (shortest first for cycles).
    pub examples: Vec<Anomaly>,
}

/// The result of [`check_txn`](super::check_txn).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnReport {
    /// Invalid if the history rules out [`TxnReport::model`]; unknown if it
    /// is not ruled out but a search that could have ruled it out stopped early.
    pub valid: Validity,
    /// The model the verdict is about.
    pub model: ConsistencyModel,
    /// The workload the history was read as.
    pub workload: TxnWorkload,
    /// Transactions by outcome.
    pub counts: TxnCounts,
    /// The dependency graph's size.
    pub graph: GraphStats,
    /// Anomalies found, by kind in report order.
    pub anomalies: Vec<AnomalyGroup>,
    /// Every model, strongest first, with what rules it out.
    pub models: Vec<ModelRow>,
    /// Anomaly kinds whose cycle search ran out of budget.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<AnomalyKind>,
    /// Why the history could not be judged at all, if it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Examples shown per anomaly kind in the text rendering.
const SHOWN_EXAMPLES: usize = 3;

impl TxnReport {
    /// The kinds found.
    pub fn anomaly_kinds(&self) -> Vec<AnomalyKind> {
        self.anomalies.iter().map(|g| g.kind).collect()
    }

    /// How many anomalies of `kind` were found.
    pub fn count(&self, kind: AnomalyKind) -> usize {
        self.anomalies
            .iter()
            .find(|g| g.kind == kind)
            .map_or(0, |g| g.count)
    }

    /// Whether the history rules out `model`.
    pub fn ruled_out(&self, model: ConsistencyModel) -> bool {
        self.models.iter().any(|r| r.model == model && r.ruled_out)
    }

    /// The first example of the first anomaly the verdict's model forbids:
    /// the smallest witness for a report card.
    pub fn witness(&self) -> Option<String> {
        self.anomalies
            .iter()
            .filter(|g| self.model.forbids(g.kind))
            .find_map(|g| g.examples.first())
            .map(|a| format!("{}: {}", a.kind, a.text))
    }

    /// One-line human summary.
    pub fn summary(&self) -> String {
        let n = self.counts.committed + self.counts.unknown_seen;
        let forbidden: Vec<String> = self
            .anomalies
            .iter()
            .filter(|g| self.model.forbids(g.kind))
            .map(|g| format!("{} ({})", g.kind, g.count))
            .collect();
        let others: Vec<String> = self
            .anomalies
            .iter()
            .filter(|g| !self.model.forbids(g.kind))
            .map(|g| g.kind.to_string())
            .collect();
        match self.valid {
            Validity::Invalid => format!(
                "{} ruled out by {} in {n} committed {} transaction(s)",
                self.model,
                forbidden.join(", "),
                self.workload
            ),
            Validity::Valid if others.is_empty() => format!(
                "{n} committed {} transaction(s), no anomaly: consistent with {}",
                self.workload, self.model
            ),
            Validity::Valid => format!(
                "{n} committed {} transaction(s), no anomaly {} forbids (found {}, which it allows)",
                self.workload,
                self.model,
                others.join(", ")
            ),
            Validity::Unknown if self.reason.is_some() => self.reason.clone().unwrap_or_default(),
            Validity::Unknown => format!(
                "{n} committed {} transaction(s): no anomaly {} forbids found, but the cycle search ran out of budget for {}",
                self.workload,
                self.model,
                self.incomplete
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Multi-line text: summary, counts, anomalies with examples, models table.
    pub fn render_text(&self) -> String {
        let mut s = format!("txn: {}\n", self.summary());
        let c = &self.counts;
        let _ = writeln!(
            s,
            "  transactions: {} committed, {} aborted, {} unknown ({} of them seen committed){}",
            c.committed,
            c.aborted,
            c.unknown,
            c.unknown_seen,
            if c.ignored_ops > 0 {
                format!("; {} other operations left out", c.ignored_ops)
            } else {
                String::new()
            }
        );
        let g = &self.graph;
        let _ = writeln!(
            s,
            "  graph: {} transactions, {} arcs (ww {}, wr {}, rw {}, realtime {}, process {}), {} on cycles",
            g.nodes, g.arcs, g.ww, g.wr, g.rw, g.realtime, g.process, g.cyclic
        );
        for group in &self.anomalies {
            let _ = writeln!(
                s,
                "  {}: {} ({})",
                group.kind,
                group.count,
                group.kind.meaning()
            );
            for (i, a) in group.examples.iter().take(SHOWN_EXAMPLES).enumerate() {
                let _ = writeln!(s, "    #{}", i + 1);
                for txn in &a.txns {
                    let _ = writeln!(
                        s,
                        "      T{} (process {}, index {}, {:?}): {}",
                        txn.id, txn.process, txn.index, txn.status, txn.ops
                    );
                }
                if a.cycle.is_empty() {
                    let _ = writeln!(s, "      {}", a.text);
                } else {
                    for step in &a.cycle {
                        let _ = writeln!(s, "      {}", step.text);
                    }
                }
            }
            if group.count > SHOWN_EXAMPLES.min(group.examples.len()) {
                let _ = writeln!(
                    s,
                    "    ... {} more",
                    group.count - SHOWN_EXAMPLES.min(group.examples.len())
                );
            }
        }
        if !self.incomplete.is_empty() {
            let _ = writeln!(
                s,
                "  cycle search incomplete (budget) for: {}",
                self.incomplete
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        s.push_str("  models:\n");
        let width = self
            .models
            .iter()
            .map(|r| r.model.as_str().len())
            .max()
            .unwrap_or(0);
        for row in &self.models {
            let verdict = if row.ruled_out {
                format!(
                    "ruled out by {}",
                    row.by
                        .iter()
                        .map(|k| k.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                "not ruled out".to_string()
            };
            let _ = writeln!(s, "    {:width$}  {verdict}", row.model.as_str());
        }
        s
    }

    /// This report as a [`Verdict`] (checker `txn`).
    pub fn to_verdict(&self) -> Verdict {
        Verdict {
            checker: "txn".to_string(),
            valid: self.valid,
            summary: self.summary(),
            details: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
        }
    }
}
