//! The "version a comes before version b" relations a history implies for
//! one key, each with the operations that imply it.

use crate::history::ProcessId;
use crate::model::Val;
use crate::register_view::KeyView;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// How far back a session's writes (for read-your-writes) and reads (for
/// writes-follow-reads) are related to its next operation; bounds the
/// number of relations on long histories.
const LOOKBACK: usize = 32;

/// Why one version must come before another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// The absent initial version precedes every written one.
    Initial,
    /// A successful cas installed its `to` over its `from`.
    CasChain,
    /// A session wrote a version and later read (at least) it.
    ReadYourWrites,
    /// A session read one version and later another.
    MonotonicReads,
    /// A session wrote one version and later another.
    MonotonicWrites,
    /// A session read one version and later wrote another.
    WritesFollowReads,
}

/// `before` must precede `after` in the key's version order.
#[derive(Debug, Clone)]
pub struct Edge {
    /// The earlier version.
    pub before: Val,
    /// The later version.
    pub after: Val,
    /// Why.
    pub kind: EdgeKind,
    /// The session that implies it (none for the history-wide relations).
    pub process: Option<ProcessId>,
    /// The operations that imply it, earlier first.
    pub ops: Vec<usize>,
}

/// Every relation of one key (which must have unique written values), deduplicated
/// per (kind, before, after), keeping the first evidence.
pub fn collect(view: &KeyView) -> Vec<Edge> {
    let mut out: Vec<Edge> = Vec::new();
    let mut seen: FxHashSet<(EdgeKind, Val, Val)> = FxHashSet::default();
    let mut push = |e: Edge| {
        if e.before != e.after && seen.insert((e.kind, e.before.clone(), e.after.clone())) {
            out.push(e);
        }
    };
    let known = |v: &Val| *v == Val::Nil || view.writer.contains_key(v);
    let observed: FxHashSet<&Val> = view
        .accesses
        .iter()
        .filter_map(|a| a.observed.as_ref())
        .collect();

    for a in &view.accesses {
        let Some(v) = &a.written else { continue };
        push(Edge {
            before: Val::Nil,
            after: v.clone(),
            kind: EdgeKind::Initial,
            process: None,
            ops: vec![a.id],
        });
        // A crashed cas only certainly ran if someone saw what it installed.
        if let Some(from) = &a.cas_from
            && (a.acked || observed.contains(v))
        {
            push(Edge {
                before: from.clone(),
                after: v.clone(),
                kind: EdgeKind::CasChain,
                process: Some(a.process),
                ops: vec![a.id],
            });
        }
    }

    let mut sessions: FxHashMap<ProcessId, Vec<usize>> = FxHashMap::default();
    for (i, a) in view.accesses.iter().enumerate() {
        sessions.entry(a.process).or_default().push(i);
    }
    let mut procs: Vec<ProcessId> = sessions.keys().copied().collect();
    procs.sort();
    for p in procs {
        let mut own_writes: VecDeque<(Val, usize)> = VecDeque::new();
        let mut recent_reads: VecDeque<(Val, usize)> = VecDeque::new();
        let mut last_read: Option<(Val, usize)> = None;
        let mut last_write: Option<(Val, usize)> = None;
        for &i in &sessions[&p] {
            let a = &view.accesses[i];
            if let Some(u) = a.observed.as_ref().filter(|u| known(u)) {
                for (w, wid) in &own_writes {
                    push(Edge {
                        before: w.clone(),
                        after: u.clone(),
                        kind: EdgeKind::ReadYourWrites,
                        process: Some(p),
                        ops: vec![*wid, a.id],
                    });
                }
                if let Some((r, rid)) = &last_read {
                    push(Edge {
                        before: r.clone(),
                        after: u.clone(),
                        kind: EdgeKind::MonotonicReads,
                        process: Some(p),
                        ops: vec![*rid, a.id],
                    });
                }
                last_read = Some((u.clone(), a.id));
                recent_reads.retain(|(r, _)| r != u);
                recent_reads.push_back((u.clone(), a.id));
                if recent_reads.len() > LOOKBACK {
                    recent_reads.pop_front();
                }
            }
            if let Some(v) = &a.written {
                if let Some((w, wid)) = &last_write {
                    push(Edge {
                        before: w.clone(),
                        after: v.clone(),
                        kind: EdgeKind::MonotonicWrites,
                        process: Some(p),
                        ops: vec![*wid, a.id],
                    });
                }
                for (r, rid) in &recent_reads {
                    push(Edge {
                        before: r.clone(),
                        after: v.clone(),
                        kind: EdgeKind::WritesFollowReads,
                        process: Some(p),
                        ops: vec![*rid, a.id],
                    });
                }
                last_write = Some((v.clone(), a.id));
                own_writes.push_back((v.clone(), a.id));
                if own_writes.len() > LOOKBACK {
                    own_writes.pop_front();
                }
            }
        }
    }
    out
}
