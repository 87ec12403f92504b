//! Cycles in words: every arc with its reason and its conclusion, e.g.
//! "T1 read x = [1 2] without 3, which T2 appended next, so T1 < T2 (rw)".

use super::anomaly::{Anomaly, CycleStep};
use super::cycles::FoundCycle;
use super::describe::{self, t};
use super::edges::EdgeKind;
use super::history::TxnHistory;
use super::infer::Explain;

/// The anomaly a found cycle is, every step explained.
pub(crate) fn cycle_anomaly(h: &TxnHistory, ex: &dyn Explain, c: &FoundCycle) -> Anomaly {
    let cycle: Vec<CycleStep> = c
        .steps
        .iter()
        .map(|&(a, b, kind)| step(h, ex, a, b, kind))
        .collect();
    let txns = c
        .steps
        .iter()
        .filter_map(|&(a, _, _)| h.txns.get(a))
        .map(|txn| describe::txn_ref(h, txn))
        .collect();
    let mut text: Vec<String> = cycle.iter().map(|s| s.text.clone()).collect();
    if let Some(&(first, _, _)) = c.steps.first() {
        text.push(format!("a cycle back to {}", t(first)));
    }
    Anomaly {
        kind: c.kind,
        txns,
        cycle,
        text: text.join("; "),
    }
}

fn step(h: &TxnHistory, ex: &dyn Explain, a: usize, b: usize, kind: EdgeKind) -> CycleStep {
    let (key, reason) = match kind {
        EdgeKind::Realtime => (None, realtime(h, a, b)),
        EdgeKind::Process => (
            None,
            format!(
                "process {} ran {} and then {}",
                h.txns
                    .get(a)
                    .map_or_else(String::new, |x| x.process.to_string()),
                t(a),
                t(b)
            ),
        ),
        _ => match ex.why(a, b, kind) {
            Some((k, s)) => (Some(describe::key(h, k)), s),
            // Every data edge was inferred from some micro-op pair, so this
            // is only a fallback that keeps the report whole.
            None => (None, format!("{} depends on {}", t(b), t(a))),
        },
    };
    CycleStep {
        from: a,
        to: b,
        kind,
        key,
        text: format!("{reason}, so {} < {} ({kind})", t(a), t(b)),
    }
}

fn realtime(h: &TxnHistory, a: usize, b: usize) -> String {
    let done = h.txns.get(a).and_then(|x| x.complete_index);
    let start = h.txns.get(b).map(|x| x.invoke_index);
    match (done, start) {
        (Some(d), Some(s)) => format!(
            "{} completed (index {d}) before {} was invoked (index {s})",
            t(a),
            t(b)
        ),
        _ => format!("{} completed before {} was invoked", t(a), t(b)),
    }
}
