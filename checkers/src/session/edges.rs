//! The "version a comes before version b" relations a history implies for
//! one key, each with the operations that imply it.

use crate::history::ProcessId;
use crate::model::Val;
use crate::register_view::{KeyView, Version};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

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

impl EdgeKind {
    /// Relations that hold between every earlier and every later operation
    /// of a session, kept as a [`Chain`]: listing them pairwise would be
    /// quadratic in the session's length, and cutting them off at some
    /// depth misses violations that reach further back.
    pub fn is_chained(self) -> bool {
        matches!(self, EdgeKind::ReadYourWrites | EdgeKind::WritesFollowReads)
    }
}

/// `before` must precede `after` in the key's version order.
#[derive(Debug, Clone)]
pub struct Edge {
    /// The earlier version.
    pub before: Version,
    /// The later version.
    pub after: Version,
    /// Why.
    pub kind: EdgeKind,
    /// The session that implies it (none for the history-wide relations).
    pub process: Option<ProcessId>,
    /// The operations that imply it, earlier first.
    pub ops: Vec<usize>,
}

/// One step of a [`Chain`]: a version and the operation that wrote or read it.
#[derive(Debug, Clone)]
pub enum Link {
    /// Must precede every later `Sink` of the chain.
    Source(Version, usize),
    /// Must follow every earlier `Source` of the chain.
    Sink(Version, usize),
}

/// One session's read-your-writes (sources are its writes, sinks its reads)
/// or writes-follow-reads (sources its reads, sinks its writes) relations,
/// in session order: every source precedes every later sink.
#[derive(Debug, Clone)]
pub struct Chain {
    /// [`EdgeKind::ReadYourWrites`] or [`EdgeKind::WritesFollowReads`].
    pub kind: EdgeKind,
    /// The session.
    pub process: ProcessId,
    /// Its sources and sinks in session order.
    pub links: Vec<Link>,
}

/// Every relation of one key.
#[derive(Debug, Clone, Default)]
pub struct Relations {
    /// Pairwise relations, deduplicated per (kind, before, after), keeping the first evidence.
    pub edges: Vec<Edge>,
    /// The chained relations, one chain per session and kind.
    pub chains: Vec<Chain>,
}

/// Every relation of one key (which must have unique written values).
///
/// A read of null on a key that has a delete could have seen the initial
/// state or the delete. It is taken as the initial state until its session
/// has written or seen a written version, and as the delete afterwards:
/// before that point the initial state contradicts nothing in the session,
/// after it the initial state would break the session's own order, which
/// the delete need not.
pub fn collect(view: &KeyView) -> Relations {
    let mut rel = Relations::default();
    let mut seen: FxHashSet<(EdgeKind, Version, Version)> = FxHashSet::default();
    let mut push = |out: &mut Vec<Edge>, e: Edge| {
        if e.before != e.after && seen.insert((e.kind, e.before.clone(), e.after.clone())) {
            out.push(e);
        }
    };
    let deletes = view.delete().is_some();
    let observed: FxHashSet<&Val> = view
        .accesses
        .iter()
        .filter_map(|a| a.observed.as_ref())
        .collect();

    for a in &view.accesses {
        let Some(v) = &a.written else { continue };
        push(
            &mut rel.edges,
            Edge {
                before: Version::Initial,
                after: Version::Written(v.clone()),
                kind: EdgeKind::Initial,
                process: None,
                ops: vec![a.id],
            },
        );
        // A crashed cas only certainly ran if someone saw what it installed.
        // A cas from null is taken to have run on the initial state, which
        // every version follows anyway: it then adds no constraint, so an
        // ambiguous null can never make a false cycle here.
        if let Some(from) = &a.cas_from
            && (a.acked || observed.contains(v))
        {
            push(
                &mut rel.edges,
                Edge {
                    before: match from {
                        Val::Nil => Version::Initial,
                        f => Version::Written(f.clone()),
                    },
                    after: Version::Written(v.clone()),
                    kind: EdgeKind::CasChain,
                    process: Some(a.process),
                    ops: vec![a.id],
                },
            );
        }
    }

    let mut sessions: FxHashMap<ProcessId, Vec<usize>> = FxHashMap::default();
    for (i, a) in view.accesses.iter().enumerate() {
        sessions.entry(a.process).or_default().push(i);
    }
    let mut procs: Vec<ProcessId> = sessions.keys().copied().collect();
    procs.sort();
    for p in procs {
        let mut ryw = Chain {
            kind: EdgeKind::ReadYourWrites,
            process: p,
            links: Vec::new(),
        };
        let mut wfr = Chain {
            kind: EdgeKind::WritesFollowReads,
            process: p,
            links: Vec::new(),
        };
        let mut last_read: Option<(Version, usize)> = None;
        let mut last_write: Option<(Version, usize)> = None;
        // The session has written, or read a written version.
        let mut past_initial = false;
        for &i in &sessions[&p] {
            let a = &view.accesses[i];
            let read = a.observed.as_ref().and_then(|u| match u {
                Val::Nil if deletes && past_initial => Some(Version::Written(Val::Nil)),
                Val::Nil => Some(Version::Initial),
                // A value nobody wrote is for the other checkers to judge.
                u if view.writer.contains_key(u) => Some(Version::Written(u.clone())),
                _ => None,
            });
            if let Some(u) = read {
                ryw.links.push(Link::Sink(u.clone(), a.id));
                wfr.links.push(Link::Source(u.clone(), a.id));
                if let Some((r, rid)) = &last_read {
                    push(
                        &mut rel.edges,
                        Edge {
                            before: r.clone(),
                            after: u.clone(),
                            kind: EdgeKind::MonotonicReads,
                            process: Some(p),
                            ops: vec![*rid, a.id],
                        },
                    );
                }
                past_initial |= u != Version::Initial;
                last_read = Some((u, a.id));
            }
            if let Some(v) = &a.written {
                let v = Version::Written(v.clone());
                wfr.links.push(Link::Sink(v.clone(), a.id));
                ryw.links.push(Link::Source(v.clone(), a.id));
                if let Some((w, wid)) = &last_write {
                    push(
                        &mut rel.edges,
                        Edge {
                            before: w.clone(),
                            after: v.clone(),
                            kind: EdgeKind::MonotonicWrites,
                            process: Some(p),
                            ops: vec![*wid, a.id],
                        },
                    );
                }
                past_initial = true;
                last_write = Some((v, a.id));
            }
        }
        rel.chains.push(ryw);
        rel.chains.push(wfr);
    }
    rel
}
