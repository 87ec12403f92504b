//! Inference for list-append histories.
//!
//! Every read returns a key's whole list, and a list only grows, so the
//! longest list read is the version order of the key's elements and every
//! other read must be a prefix of it. From that order: the writer of an
//! element precedes the writer of the next one (ww), the writer of a read
//! list's last element precedes the reader (wr), and a reader precedes the
//! writer of the first element its list lacks (rw). A committed append no
//! read ever saw still comes after every element read (the version holding
//! it would hold them all), so it follows the last one (ww) and every read
//! of the whole list (rw).
//!
//! A transaction's own appends at the end of a list it read are its own
//! doing, not what it observed: dependencies come from the list without them.

use super::anomaly::{Anomaly, AnomalyKind};
use super::describe::{self, t};
use super::edges::{EdgeKind, EdgeList};
use super::error::TxnError;
use super::findings::Findings;
use super::history::{MicroOp, Seen, TxnHistory, TxnStatus};
use super::infer::{Explain, Inferred};
use super::values::{Elem, Key};
use super::writers::writers;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::hash_map::Entry;

/// A read: (transaction, micro-op position).
type ReadAt = (u32, u32);

/// The inference's tables, kept to explain the edges afterwards.
pub(crate) struct ListAppend<'h> {
    h: &'h TxnHistory,
    /// Who appended each element: (transaction, micro-op position).
    writer: FxHashMap<(Key, Elem), (u32, u32)>,
    /// Each key's version order: its longest list read.
    order: FxHashMap<Key, Vec<Elem>>,
    /// Position of each ordered element.
    pos: FxHashMap<(Key, Elem), u32>,
    /// Per key, transactions in the graph whose append to it no read saw.
    unobserved: FxHashMap<Key, Vec<u32>>,
    /// Reads left out of the inference: holding an element twice.
    duplicated: FxHashSet<ReadAt>,
    /// Reads that are no prefix of their key's order.
    incompatible: FxHashSet<ReadAt>,
}

impl<'h> ListAppend<'h> {
    fn list(&self, at: ReadAt) -> Option<(Key, &'h [Elem])> {
        let h: &'h TxnHistory = self.h;
        match h.txns.get(at.0 as usize)?.ops.get(at.1 as usize)? {
            MicroOp::Read {
                key,
                seen: Seen::List(l),
            } => Some((*key, l.as_slice())),
            _ => None,
        }
    }

    fn writer_of(&self, k: Key, e: Elem) -> Option<usize> {
        self.writer.get(&(k, e)).map(|&(w, _)| w as usize)
    }

    /// How much of `l`, read by `reader`, was there before the reader's own appends.
    fn external_len(&self, k: Key, l: &[Elem], reader: usize) -> usize {
        let own = l
            .iter()
            .rev()
            .take_while(|e| self.writer_of(k, **e) == Some(reader))
            .count();
        l.len() - own
    }

    /// Committed reads of lists, in history order, that the inference uses.
    fn reads(&self) -> impl Iterator<Item = (ReadAt, Key, &'h [Elem])> + '_ {
        let h: &'h TxnHistory = self.h;
        h.txns
            .iter()
            .filter(|t| t.status == TxnStatus::Committed)
            .flat_map(|t| {
                t.ops
                    .iter()
                    .enumerate()
                    .filter_map(move |(i, op)| match op {
                        MicroOp::Read {
                            key,
                            seen: Seen::List(l),
                        } => Some(((t.id as u32, i as u32), *key, l.as_slice())),
                        _ => None,
                    })
            })
            .filter(|(at, _, _)| !self.duplicated.contains(at))
    }
}

/// Infers the dependencies of a list-append history, recording the
/// anomalies that need no cycle.
pub(crate) fn infer<'h>(
    h: &'h TxnHistory,
    source: &str,
    f: &mut Findings,
) -> Result<(ListAppend<'h>, Inferred), TxnError> {
    let mut la = ListAppend {
        h,
        writer: FxHashMap::default(),
        order: FxHashMap::default(),
        pos: FxHashMap::default(),
        unobserved: FxHashMap::default(),
        duplicated: FxHashSet::default(),
        incompatible: FxHashSet::default(),
    };
    la.writer = writers(h, source, |op| match op {
        MicroOp::Append { key, elem } => Some((*key, *elem)),
        _ => None,
    })?;
    let mut in_graph: Vec<bool> = h
        .txns
        .iter()
        .map(|t| t.status == TxnStatus::Committed)
        .collect();
    observe(&mut la, &mut in_graph, f);
    order(&mut la, f);
    let mut edges = EdgeList::default();
    dependencies(&mut la, &in_graph, &mut edges);
    intermediate_reads(&la, f);
    internal(&la, f);
    lost_updates(&la, f);
    Ok((la, Inferred { in_graph, edges }))
}

/// Checks every element read: written by someone, not by an aborted
/// transaction, not by the reader later on; unknown writers seen committed.
fn observe(la: &mut ListAppend<'_>, in_graph: &mut [bool], f: &mut Findings) {
    let h = la.h;
    for txn in h.txns.iter().filter(|t| t.status == TxnStatus::Committed) {
        for (i, op) in txn.ops.iter().enumerate() {
            let MicroOp::Read {
                key,
                seen: Seen::List(l),
            } = op
            else {
                continue;
            };
            let mut seen: FxHashSet<Elem> = FxHashSet::default();
            seen.reserve(l.len());
            if let Some(dup) = l.iter().find(|e| !seen.insert(**e)) {
                la.duplicated.insert((txn.id as u32, i as u32));
                f.add(AnomalyKind::DuplicateElements, || Anomaly {
                    kind: AnomalyKind::DuplicateElements,
                    txns: vec![describe::txn_ref(h, txn)],
                    cycle: Vec::new(),
                    text: format!(
                        "{} read {} = {}, which holds {} more than once",
                        t(txn.id),
                        describe::key(h, *key),
                        describe::list(h, l),
                        describe::val(h, *dup)
                    ),
                });
                continue;
            }
            let mut garbage_told = false;
            for e in l {
                let Some(&(w, wi)) = la.writer.get(&(*key, *e)) else {
                    if !garbage_told {
                        garbage_told = true;
                        f.add(AnomalyKind::GarbageRead, || Anomaly {
                            kind: AnomalyKind::GarbageRead,
                            txns: vec![describe::txn_ref(h, txn)],
                            cycle: Vec::new(),
                            text: format!(
                                "{} read {} = {}, but no transaction appended {} to {}",
                                t(txn.id),
                                describe::key(h, *key),
                                describe::list(h, l),
                                describe::val(h, *e),
                                describe::key(h, *key)
                            ),
                        });
                    }
                    continue;
                };
                let writer = &h.txns[w as usize];
                match writer.status {
                    TxnStatus::Aborted => f.add(AnomalyKind::G1a, || Anomaly {
                        kind: AnomalyKind::G1a,
                        txns: vec![describe::txn_ref(h, txn), describe::txn_ref(h, writer)],
                        cycle: Vec::new(),
                        text: format!(
                            "{} read {} = {}, with {} appended by {}, which aborted",
                            t(txn.id),
                            describe::key(h, *key),
                            describe::list(h, l),
                            describe::val(h, *e),
                            t(writer.id)
                        ),
                    }),
                    TxnStatus::Unknown => in_graph[w as usize] = true,
                    TxnStatus::Committed => {}
                }
                if writer.id == txn.id && wi as usize > i {
                    f.add(AnomalyKind::Internal, || Anomaly {
                        kind: AnomalyKind::Internal,
                        txns: vec![describe::txn_ref(h, txn)],
                        cycle: Vec::new(),
                        text: format!(
                            "{} read {} = {}, holding {}, which it appends only afterwards",
                            t(txn.id),
                            describe::key(h, *key),
                            describe::list(h, l),
                            describe::val(h, *e)
                        ),
                    });
                }
            }
        }
    }
}

/// Each key's order is its longest read; reads that are not a prefix of it
/// disagree with it.
fn order(la: &mut ListAppend<'_>, f: &mut Findings) {
    let h = la.h;
    let mut longest: FxHashMap<Key, ReadAt> = FxHashMap::default();
    for (at, k, l) in la.reads() {
        match longest.entry(k) {
            Entry::Occupied(mut o) => {
                let cur = la.list(*o.get()).map_or(0, |(_, c)| c.len());
                if l.len() > cur {
                    o.insert(at);
                }
            }
            Entry::Vacant(v) => {
                v.insert(at);
            }
        }
    }
    for (&k, &at) in &longest {
        if let Some((_, l)) = la.list(at) {
            for (p, e) in l.iter().enumerate() {
                la.pos.insert((k, *e), p as u32);
            }
            la.order.insert(k, l.to_vec());
        }
    }
    let mut incompatible = Vec::new();
    for (at, k, l) in la.reads() {
        let ord = la.order.get(&k).map_or(&[][..], Vec::as_slice);
        if ord.get(..l.len()) != Some(l) {
            incompatible.push(at);
            let other = longest.get(&k).copied();
            f.add(AnomalyKind::IncompatibleOrder, || {
                let reader = &h.txns[at.0 as usize];
                let mut txns = vec![describe::txn_ref(h, reader)];
                if let Some(o) = other {
                    txns.push(describe::txn_ref(h, &h.txns[o.0 as usize]));
                }
                Anomaly {
                    kind: AnomalyKind::IncompatibleOrder,
                    txns,
                    cycle: Vec::new(),
                    text: format!(
                        "{} read {} = {}, but {} read {} = {}: neither list is a prefix of the other",
                        t(reader.id),
                        describe::key(h, k),
                        describe::list(h, l),
                        other.map_or_else(|| "another".to_string(), |o| t(o.0 as usize)),
                        describe::key(h, k),
                        describe::list(h, ord)
                    ),
                }
            });
        }
    }
    la.incompatible.extend(incompatible);
    own_order(la, f);
}

/// A transaction's appends to a key enter the order in the order it made
/// them, none skipped: the elements read of its appends must be the first
/// ones it made, in that order.
fn own_order(la: &ListAppend<'_>, f: &mut Findings) {
    let h = la.h;
    for txn in h.txns.iter().filter(|t| t.status != TxnStatus::Aborted) {
        let appends: Vec<(Key, Elem)> = txn
            .ops
            .iter()
            .filter_map(|op| match op {
                MicroOp::Append { key, elem } => Some((*key, *elem)),
                _ => None,
            })
            .collect();
        for (i, &(k, e)) in appends.iter().enumerate() {
            let Some(&p) = la.pos.get(&(k, e)) else {
                continue;
            };
            // The same transaction's earlier append to the key.
            let Some(&(_, before)) = appends[..i].iter().rev().find(|(k2, _)| *k2 == k) else {
                continue;
            };
            let ok = la.pos.get(&(k, before)).is_some_and(|&q| q < p);
            if ok {
                continue;
            }
            f.add(AnomalyKind::IncompatibleOrder, || Anomaly {
                kind: AnomalyKind::IncompatibleOrder,
                txns: vec![describe::txn_ref(h, txn)],
                cycle: Vec::new(),
                text: format!(
                    "{} appended {} and then {} to {}, but a read of {} shows {} {}",
                    t(txn.id),
                    describe::val(h, before),
                    describe::val(h, e),
                    describe::key(h, k),
                    describe::key(h, k),
                    describe::val(h, e),
                    if la.pos.contains_key(&(k, before)) {
                        format!("before {}", describe::val(h, before))
                    } else {
                        format!("without {}", describe::val(h, before))
                    }
                ),
            });
            break;
        }
    }
}

/// The ww, wr and rw edges (see the module documentation).
fn dependencies(la: &mut ListAppend<'_>, in_graph: &[bool], edges: &mut EdgeList) {
    let h = la.h;
    let live = |w: Option<usize>| w.filter(|&w| in_graph[w]);
    let mut keys: Vec<Key> = la.order.keys().copied().collect();
    keys.sort_unstable();
    for k in &keys {
        let ord = &la.order[k];
        for pair in ord.windows(2) {
            if let (Some(a), Some(b)) = (
                live(la.writer_of(*k, pair[0])),
                live(la.writer_of(*k, pair[1])),
            ) {
                edges.add(a, b, EdgeKind::Ww);
            }
        }
    }
    for txn in h.txns.iter().filter(|t| in_graph[t.id]) {
        for op in &txn.ops {
            let MicroOp::Append { key, elem } = op else {
                continue;
            };
            if la.pos.contains_key(&(*key, *elem)) {
                continue;
            }
            let list = la.unobserved.entry(*key).or_default();
            if list.last() != Some(&(txn.id as u32)) {
                list.push(txn.id as u32);
            }
            let last = la.order.get(key).and_then(|o| o.last());
            if let Some(w) = last.and_then(|e| live(la.writer_of(*key, *e))) {
                edges.add(w, txn.id, EdgeKind::Ww);
            }
        }
    }
    for (at, k, l) in la.reads() {
        let reader = at.0 as usize;
        let p = la.external_len(k, l, reader);
        if let Some(w) = p.checked_sub(1).and_then(|i| live(la.writer_of(k, l[i]))) {
            edges.add(w, reader, EdgeKind::Wr);
        }
        if la.incompatible.contains(&at) {
            continue;
        }
        let ord = la.order.get(&k).map_or(&[][..], Vec::as_slice);
        match ord.get(p) {
            Some(next) => {
                if let Some(w) = live(la.writer_of(k, *next)) {
                    edges.add(reader, w, EdgeKind::Rw);
                }
            }
            None => {
                for &u in la.unobserved.get(&k).map_or(&[][..], Vec::as_slice) {
                    edges.add(reader, u as usize, EdgeKind::Rw);
                }
            }
        }
    }
}

/// G1b: a read whose last element (before the reader's own) is not the
/// last its writer appended to that key.
fn intermediate_reads(la: &ListAppend<'_>, f: &mut Findings) {
    let h = la.h;
    for (at, k, l) in la.reads() {
        let reader = at.0 as usize;
        let p = la.external_len(k, l, reader);
        let Some(last) = p.checked_sub(1).map(|i| l[i]) else {
            continue;
        };
        let Some(&(w, wi)) = la.writer.get(&(k, last)) else {
            continue;
        };
        let writer = &h.txns[w as usize];
        if writer.status == TxnStatus::Aborted {
            continue;
        }
        let later = writer.ops[wi as usize + 1..]
            .iter()
            .find_map(|op| match op {
                MicroOp::Append { key, elem } if *key == k => Some(*elem),
                _ => None,
            });
        if let Some(later) = later {
            f.add(AnomalyKind::G1b, || Anomaly {
                kind: AnomalyKind::G1b,
                txns: vec![
                    describe::txn_ref(h, &h.txns[reader]),
                    describe::txn_ref(h, writer),
                ],
                cycle: Vec::new(),
                text: format!(
                    "{} read {} = {}, ending in {}'s append of {}, but {} went on to append {} to {}: an intermediate state",
                    t(reader),
                    describe::key(h, k),
                    describe::list(h, l),
                    t(writer.id),
                    describe::val(h, last),
                    t(writer.id),
                    describe::val(h, later),
                    describe::key(h, k)
                ),
            });
        }
    }
}

/// What a transaction knows of a key from its own micro-ops.
enum Known {
    /// It appended these since it started, without reading the key.
    Appended(Vec<Elem>),
    /// It read the key (and appended the tail since).
    List(Vec<Elem>),
}

/// A transaction's reads must show its own appends, after what it read before.
fn internal(la: &ListAppend<'_>, f: &mut Findings) {
    let h = la.h;
    for txn in h.txns.iter().filter(|t| t.status == TxnStatus::Committed) {
        let mut known: FxHashMap<Key, Known> = FxHashMap::default();
        for op in &txn.ops {
            match op {
                MicroOp::Append { key, elem } => match known
                    .entry(*key)
                    .or_insert_with(|| Known::Appended(Vec::new()))
                {
                    Known::Appended(v) | Known::List(v) => v.push(*elem),
                },
                MicroOp::Read {
                    key,
                    seen: Seen::List(l),
                } => {
                    let expected = match known.get(key) {
                        Some(Known::List(v)) if v != l => Some(describe::list(h, v)),
                        Some(Known::Appended(v)) if !l.ends_with(v) => {
                            Some(format!("a list ending in {}", describe::list(h, v)))
                        }
                        _ => None,
                    };
                    if let Some(expected) = expected {
                        f.add(AnomalyKind::Internal, || Anomaly {
                            kind: AnomalyKind::Internal,
                            txns: vec![describe::txn_ref(h, txn)],
                            cycle: Vec::new(),
                            text: format!(
                                "{} read {} = {}, but its own earlier micro-ops mean {}",
                                t(txn.id),
                                describe::key(h, *key),
                                describe::list(h, l),
                                expected
                            ),
                        });
                    }
                    known.insert(*key, Known::List(l.clone()));
                }
                _ => {}
            }
        }
    }
}

/// Committed transactions that read the same version of a key first and then appended to it.
fn lost_updates(la: &ListAppend<'_>, f: &mut Findings) {
    let h = la.h;
    let mut groups: FxHashMap<(Key, Option<Elem>), Vec<usize>> = FxHashMap::default();
    for txn in h.txns.iter().filter(|t| t.status == TxnStatus::Committed) {
        let mut first: FxHashMap<Key, Option<Option<Elem>>> = FxHashMap::default();
        let mut appended: FxHashSet<Key> = FxHashSet::default();
        for (i, op) in txn.ops.iter().enumerate() {
            match op {
                MicroOp::Read {
                    key,
                    seen: Seen::List(l),
                } if !la.duplicated.contains(&(txn.id as u32, i as u32)) => {
                    first.entry(*key).or_insert(Some(l.last().copied()));
                }
                MicroOp::Append { key, .. } => {
                    first.entry(*key).or_insert(None);
                    appended.insert(*key);
                }
                _ => {}
            }
        }
        for (k, read) in first {
            if let Some(version) = read
                && appended.contains(&k)
            {
                groups.entry((k, version)).or_default().push(txn.id);
            }
        }
    }
    let mut groups: Vec<_> = groups.into_iter().filter(|(_, v)| v.len() > 1).collect();
    groups.sort_unstable_by_key(|(_, v)| v[0]);
    for ((k, version), txns) in groups {
        f.add(AnomalyKind::LostUpdate, || Anomaly {
            kind: AnomalyKind::LostUpdate,
            txns: txns
                .iter()
                .map(|&i| describe::txn_ref(h, &h.txns[i]))
                .collect(),
            cycle: Vec::new(),
            text: format!(
                "{} all read {} {} and then appended to it: every append but one was made to a version already gone",
                txns.iter().map(|&i| t(i)).collect::<Vec<_>>().join(", "),
                describe::key(h, k),
                match version {
                    Some(e) => format!("up to {}", describe::val(h, e)),
                    None => "empty".to_string(),
                }
            ),
        });
    }
}

impl Explain for ListAppend<'_> {
    fn why(&self, from: usize, to: usize, kind: EdgeKind) -> Option<(Key, String)> {
        let h = self.h;
        let (a, b) = (h.txns.get(from)?, h.txns.get(to)?);
        let unobserved_append = |txn: &super::history::Txn, k: Key| {
            txn.ops.iter().find_map(|op| match op {
                MicroOp::Append { key, elem }
                    if *key == k && !self.pos.contains_key(&(k, *elem)) =>
                {
                    Some(*elem)
                }
                _ => None,
            })
        };
        match kind {
            EdgeKind::Ww => a.ops.iter().find_map(|op| {
                let MicroOp::Append { key, elem } = op else {
                    return None;
                };
                let ord = self.order.get(key)?;
                let p = *self.pos.get(&(*key, *elem))? as usize;
                match ord.get(p + 1) {
                    Some(next) if self.writer_of(*key, *next) == Some(to) => Some((
                        *key,
                        format!(
                            "{} appended {} to {} and {} appended {} right after it",
                            t(from),
                            describe::val(h, *elem),
                            describe::key(h, *key),
                            t(to),
                            describe::val(h, *next)
                        ),
                    )),
                    None => unobserved_append(b, *key).map(|e| {
                        (
                            *key,
                            format!(
                                "{} appended {}, the last element any read of {} shows, and {}'s append of {} shows in no read, hence came after it",
                                t(from),
                                describe::val(h, *elem),
                                describe::key(h, *key),
                                t(to),
                                describe::val(h, e)
                            ),
                        )
                    }),
                    Some(_) => None,
                }
            }),
            EdgeKind::Wr => b.ops.iter().enumerate().find_map(|(i, _)| {
                let (k, l) = self.list((to as u32, i as u32))?;
                let p = self.external_len(k, l, to);
                let last = *l.get(p.checked_sub(1)?)?;
                (self.writer_of(k, last) == Some(from)).then(|| {
                    (
                        k,
                        format!(
                            "{} read {} = {}, ending in {}'s append of {}",
                            t(to),
                            describe::key(h, k),
                            describe::list(h, &l[..p]),
                            t(from),
                            describe::val(h, last)
                        ),
                    )
                })
            }),
            EdgeKind::Rw => a.ops.iter().enumerate().find_map(|(i, _)| {
                let at = (from as u32, i as u32);
                let (k, l) = self.list(at)?;
                if self.incompatible.contains(&at) || self.duplicated.contains(&at) {
                    return None;
                }
                let p = self.external_len(k, l, from);
                let ord = self.order.get(&k).map_or(&[][..], Vec::as_slice);
                let (missing, how) = match ord.get(p) {
                    Some(next) if self.writer_of(k, *next) == Some(to) => (*next, "the next element"),
                    Some(_) => return None,
                    None => (unobserved_append(b, k)?, "which no read shows"),
                };
                Some((
                    k,
                    format!(
                        "{} read {} = {} without {}'s append of {}, {}",
                        t(from),
                        describe::key(h, k),
                        describe::list(h, &l[..p]),
                        t(to),
                        describe::val(h, missing),
                        how
                    ),
                ))
            }),
            EdgeKind::Realtime | EdgeKind::Process => None,
        }
    }
}
