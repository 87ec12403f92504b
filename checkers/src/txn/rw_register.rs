//! Inference for rw-register histories.
//!
//! Values are unique per key, so a read names the transaction whose write
//! it saw (wr). The order of a key's versions is mostly hidden, and only
//! what is certain is used: the initial state (nil) comes before every
//! version, so a reader of nil precedes every writer of the key (rw); and,
//! with [`TxnOptions::writes_follow_reads`](super::TxnOptions), a committed
//! transaction that read a version and then wrote the key installed the
//! next version after it: the read version's writer precedes it (ww), and
//! so does every other reader of that version (rw).
//!
//! Only a transaction's external reads (before it writes the key) observe
//! other transactions; later ones must agree with its own micro-ops.

use super::anomaly::{Anomaly, AnomalyKind};
use super::describe::{self, t};
use super::edges::{EdgeKind, EdgeList};
use super::error::TxnError;
use super::findings::Findings;
use super::history::{MicroOp, Seen, Txn, TxnHistory, TxnStatus};
use super::infer::{Explain, Inferred};
use super::values::{Elem, Key};
use super::writers::writers;
use rustc_hash::{FxHashMap, FxHashSet};

/// A version of a key: `None` is the initial state.
type Version = (Key, Option<Elem>);

/// The inference's tables, kept to explain the edges afterwards.
pub(crate) struct RwRegister<'h> {
    h: &'h TxnHistory,
    /// Who wrote each value: (transaction, micro-op position).
    writer: FxHashMap<(Key, Elem), (u32, u32)>,
    /// A committed transaction's first read of a key, if it read the key
    /// before writing it.
    external: FxHashMap<(u32, Key), Option<Elem>>,
}

impl RwRegister<'_> {
    fn writer_of(&self, k: Key, e: Elem) -> Option<usize> {
        self.writer.get(&(k, e)).map(|&(w, _)| w as usize)
    }

    /// The last value `txn` wrote to `k`.
    fn last_write(txn: &Txn, k: Key) -> Option<Elem> {
        txn.ops.iter().rev().find_map(|op| match op {
            MicroOp::Write { key, elem } if *key == k => Some(*elem),
            _ => None,
        })
    }
}

/// Infers the dependencies of an rw-register history, recording the
/// anomalies that need no cycle.
pub(crate) fn infer<'h>(
    h: &'h TxnHistory,
    source: &str,
    writes_follow_reads: bool,
    f: &mut Findings,
) -> Result<(RwRegister<'h>, Inferred), TxnError> {
    let mut rr = RwRegister {
        h,
        writer: FxHashMap::default(),
        external: FxHashMap::default(),
    };
    rr.writer = writers(h, source, |op| match op {
        MicroOp::Write { key, elem } => Some((*key, *elem)),
        _ => None,
    })?;
    let mut in_graph: Vec<bool> = h
        .txns
        .iter()
        .map(|t| t.status == TxnStatus::Committed)
        .collect();
    for txn in h.txns.iter().filter(|t| t.status == TxnStatus::Committed) {
        observe(&rr, txn, &mut in_graph, f);
        own_view(&mut rr, txn, f);
    }
    let mut edges = EdgeList::default();
    dependencies(&rr, &in_graph, writes_follow_reads, &mut edges, f);
    Ok((rr, Inferred { in_graph, edges }))
}

/// Checks every value read: written by someone, not by an aborted
/// transaction, not an intermediate write; unknown writers seen committed.
fn observe(rr: &RwRegister<'_>, txn: &Txn, in_graph: &mut [bool], f: &mut Findings) {
    let h = rr.h;
    for (i, op) in txn.ops.iter().enumerate() {
        let MicroOp::Read {
            key,
            seen: Seen::Value(Some(v)),
        } = op
        else {
            continue;
        };
        let (k, v) = (*key, *v);
        let Some(&(w, wi)) = rr.writer.get(&(k, v)) else {
            f.add(AnomalyKind::GarbageRead, || Anomaly {
                kind: AnomalyKind::GarbageRead,
                txns: vec![describe::txn_ref(h, txn)],
                cycle: Vec::new(),
                text: format!(
                    "{} read {} = {}, which no transaction wrote",
                    t(txn.id),
                    describe::key(h, k),
                    describe::val(h, v)
                ),
            });
            continue;
        };
        let writer = &h.txns[w as usize];
        if writer.id == txn.id {
            if wi as usize > i {
                f.add(AnomalyKind::Internal, || Anomaly {
                    kind: AnomalyKind::Internal,
                    txns: vec![describe::txn_ref(h, txn)],
                    cycle: Vec::new(),
                    text: format!(
                        "{} read {} = {}, which it writes only afterwards",
                        t(txn.id),
                        describe::key(h, k),
                        describe::val(h, v)
                    ),
                });
            }
            continue;
        }
        match writer.status {
            TxnStatus::Aborted => {
                f.add(AnomalyKind::G1a, || Anomaly {
                    kind: AnomalyKind::G1a,
                    txns: vec![describe::txn_ref(h, txn), describe::txn_ref(h, writer)],
                    cycle: Vec::new(),
                    text: format!(
                        "{} read {} = {}, written by {}, which aborted",
                        t(txn.id),
                        describe::key(h, k),
                        describe::val(h, v),
                        t(writer.id)
                    ),
                });
                continue;
            }
            TxnStatus::Unknown => in_graph[w as usize] = true,
            TxnStatus::Committed => {}
        }
        let later = writer.ops[wi as usize + 1..]
            .iter()
            .find_map(|op| match op {
                MicroOp::Write { key, elem } if *key == k => Some(*elem),
                _ => None,
            });
        if let Some(later) = later {
            f.add(AnomalyKind::G1b, || Anomaly {
                kind: AnomalyKind::G1b,
                txns: vec![describe::txn_ref(h, txn), describe::txn_ref(h, writer)],
                cycle: Vec::new(),
                text: format!(
                    "{} read {} = {}, which {} overwrote with {} before it committed: an intermediate state",
                    t(txn.id),
                    describe::key(h, k),
                    describe::val(h, v),
                    t(writer.id),
                    describe::val(h, later)
                ),
            });
        }
    }
}

/// Records the transaction's external reads and checks that its later
/// reads agree with what it read and wrote itself.
fn own_view(rr: &mut RwRegister<'_>, txn: &Txn, f: &mut Findings) {
    let h = rr.h;
    // Per key: the value the transaction knows it holds, and whether from its own write.
    let mut known: FxHashMap<Key, (Option<Elem>, bool)> = FxHashMap::default();
    for op in &txn.ops {
        match op {
            MicroOp::Write { key, elem } => {
                known.insert(*key, (Some(*elem), true));
            }
            MicroOp::Read {
                key,
                seen: Seen::Value(v),
            } => match known.get(key) {
                None => {
                    rr.external.insert((txn.id as u32, *key), *v);
                    known.insert(*key, (*v, false));
                }
                Some(&(expected, own)) if expected != *v => {
                    f.add(AnomalyKind::Internal, || Anomaly {
                        kind: AnomalyKind::Internal,
                        txns: vec![describe::txn_ref(h, txn)],
                        cycle: Vec::new(),
                        text: format!(
                            "{} read {} = {}, but it {} {} = {} before",
                            t(txn.id),
                            describe::key(h, *key),
                            describe::reg(h, *v),
                            if own { "wrote" } else { "read" },
                            describe::key(h, *key),
                            describe::reg(h, expected)
                        ),
                    });
                }
                Some(_) => {}
            },
            _ => {}
        }
    }
}

/// The wr, ww and rw edges, and lost updates (see the module documentation).
fn dependencies(
    rr: &RwRegister<'_>,
    in_graph: &[bool],
    writes_follow_reads: bool,
    edges: &mut EdgeList,
    f: &mut Findings,
) {
    let h = rr.h;
    let live = |w: Option<usize>| w.filter(|&w| in_graph[w]);
    // Sorted, so that edges and examples come out the same for every run.
    let mut external: Vec<((u32, Key), Option<Elem>)> =
        rr.external.iter().map(|(a, b)| (*a, *b)).collect();
    external.sort_unstable();
    let mut readers: FxHashMap<Version, Vec<usize>> = FxHashMap::default();
    // Transactions that read a version and then wrote the key.
    let mut followers: FxHashMap<Version, Vec<usize>> = FxHashMap::default();
    // A key's writers in the graph whose version follows no other known one.
    let mut first_writers: FxHashMap<Key, Vec<usize>> = FxHashMap::default();
    let mut follows: FxHashSet<(usize, Key)> = FxHashSet::default();
    for &((reader, k), v) in &external {
        let reader = reader as usize;
        readers.entry((k, v)).or_default().push(reader);
        let prev = v
            .and_then(|v| live(rr.writer_of(k, v)))
            .filter(|&w| w != reader);
        if let Some(w) = prev {
            edges.add(w, reader, EdgeKind::Wr);
        }
        if RwRegister::last_write(&h.txns[reader], k).is_some() {
            followers.entry((k, v)).or_default().push(reader);
            if writes_follow_reads && let Some(w) = prev {
                edges.add(w, reader, EdgeKind::Ww);
                follows.insert((reader, k));
            }
        }
    }
    for txn in h.txns.iter().filter(|t| in_graph[t.id]) {
        let mut keys: Vec<Key> = txn
            .ops
            .iter()
            .filter_map(|op| match op {
                MicroOp::Write { key, .. } => Some(*key),
                _ => None,
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for k in keys {
            if !follows.contains(&(txn.id, k)) {
                first_writers.entry(k).or_default().push(txn.id);
            }
        }
    }
    let mut versions: Vec<(&Version, &Vec<usize>)> = readers.iter().collect();
    versions.sort_unstable_by_key(|(v, _)| **v);
    for ((k, v), rs) in versions {
        let later: &[usize] = match v {
            None => first_writers.get(k).map_or(&[], Vec::as_slice),
            Some(_) if writes_follow_reads => followers.get(&(*k, *v)).map_or(&[], Vec::as_slice),
            Some(_) => &[],
        };
        for &r in rs {
            for &w in later {
                edges.add(r, w, EdgeKind::Rw);
            }
        }
    }
    let mut lost: Vec<(&Version, &Vec<usize>)> =
        followers.iter().filter(|(_, ts)| ts.len() > 1).collect();
    lost.sort_unstable_by_key(|(v, _)| **v);
    for ((k, v), ts) in lost {
        f.add(AnomalyKind::LostUpdate, || Anomaly {
            kind: AnomalyKind::LostUpdate,
            txns: ts.iter().map(|&i| describe::txn_ref(h, &h.txns[i])).collect(),
            cycle: Vec::new(),
            text: format!(
                "{} all read {} = {} and then wrote it: every write but one replaced a version already gone",
                ts.iter().map(|&i| t(i)).collect::<Vec<_>>().join(", "),
                describe::key(h, *k),
                describe::reg(h, *v)
            ),
        });
    }
}

impl Explain for RwRegister<'_> {
    fn why(&self, from: usize, to: usize, kind: EdgeKind) -> Option<(Key, String)> {
        let h = self.h;
        let (a, b) = (h.txns.get(from)?, h.txns.get(to)?);
        // The keys `txn` read externally, in micro-op order.
        let external_reads = |txn: &Txn| {
            let mut ks: Vec<(Key, Option<Elem>)> = Vec::new();
            for op in &txn.ops {
                if let MicroOp::Read { key, .. } = op
                    && let Some(v) = self.external.get(&(txn.id as u32, *key))
                    && !ks.iter().any(|(k, _)| k == key)
                {
                    ks.push((*key, *v));
                }
            }
            ks
        };
        match kind {
            EdgeKind::Wr => external_reads(b).into_iter().find_map(|(k, v)| {
                let v = v?;
                (self.writer_of(k, v) == Some(from)).then(|| {
                    (
                        k,
                        format!(
                            "{} read {} = {}, which {} wrote",
                            t(to),
                            describe::key(h, k),
                            describe::val(h, v),
                            t(from)
                        ),
                    )
                })
            }),
            EdgeKind::Ww => external_reads(b).into_iter().find_map(|(k, v)| {
                let v = v?;
                let next = RwRegister::last_write(b, k)?;
                (self.writer_of(k, v) == Some(from)).then(|| {
                    (
                        k,
                        format!(
                            "{} read {} = {}, which {} wrote, and then wrote {} = {}, a later version",
                            t(to),
                            describe::key(h, k),
                            describe::val(h, v),
                            t(from),
                            describe::key(h, k),
                            describe::val(h, next)
                        ),
                    )
                })
            }),
            EdgeKind::Rw => external_reads(a).into_iter().find_map(|(k, v)| {
                let next = RwRegister::last_write(b, k)?;
                match v {
                    None => Some((
                        k,
                        format!(
                            "{} read {} = nil, the initial state, which {}'s write of {} follows",
                            t(from),
                            describe::key(h, k),
                            t(to),
                            describe::val(h, next)
                        ),
                    )),
                    Some(v) => (self.external.get(&(to as u32, k)) == Some(&Some(v))).then(|| {
                        (
                            k,
                            format!(
                                "{} read {} = {}, which {} also read and then overwrote with {}",
                                t(from),
                                describe::key(h, k),
                                describe::val(h, v),
                                t(to),
                                describe::val(h, next)
                            ),
                        )
                    }),
                }
            }),
            EdgeKind::Realtime | EdgeKind::Process => None,
        }
    }
}
