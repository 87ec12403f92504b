//! Real-time and process order between the transactions of the graph.
//!
//! Real time is kept as its transitive reduction: at each invocation, edges
//! come only from the transactions completed so far that no other completed
//! transaction is known to follow (the "frontier"). Every real-time pair
//! is still joined by a path, and the edges number about the concurrency
//! times the transactions instead of their square.

use super::edges::{EdgeKind, EdgeList};
use super::history::{TxnHistory, TxnStatus};
use crate::history::ProcessId;
use rustc_hash::FxHashMap;

/// Adds real-time edges: `a` → `b` when `a` committed before `b` was invoked.
pub(crate) fn realtime(h: &TxnHistory, in_graph: &[bool], edges: &mut EdgeList) {
    // (position, transaction, is completion), in history order.
    let mut events: Vec<(usize, usize, bool)> = Vec::new();
    for t in h.txns.iter().filter(|t| in_graph[t.id]) {
        events.push((t.invoke_pos, t.id, false));
        if t.status == TxnStatus::Committed
            && let Some(c) = t.complete_pos
        {
            events.push((c, t.id, true));
        }
    }
    events.sort_unstable();
    let mut frontier: Vec<usize> = Vec::new();
    let mut on_frontier = vec![false; h.txns.len()];
    // Per running transaction: the frontier at its invocation, which its
    // completion makes redundant.
    let mut before: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for (_, id, completion) in events {
        if completion {
            for p in before.remove(&id).unwrap_or_default() {
                on_frontier[p] = false;
            }
            frontier.retain(|&p| on_frontier[p]);
            frontier.push(id);
            on_frontier[id] = true;
        } else {
            for &p in &frontier {
                edges.add(p, id, EdgeKind::Realtime);
            }
            before.insert(id, frontier.clone());
        }
    }
}

/// Adds process edges: each process's transactions, one after the other.
pub(crate) fn process(h: &TxnHistory, in_graph: &[bool], edges: &mut EdgeList) {
    let mut last: FxHashMap<ProcessId, usize> = FxHashMap::default();
    // Transactions are in invocation order, and a process runs one at a time.
    for t in h.txns.iter().filter(|t| in_graph[t.id]) {
        if let Some(prev) = last.insert(t.process, t.id) {
            edges.add(prev, t.id, EdgeKind::Process);
        }
    }
}
