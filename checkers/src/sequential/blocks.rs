//! A polynomial check for registers whose written values are unique.
//!
//! With unique values, a read names the write it saw, so in any sequential
//! order each write is followed by exactly the reads of its value, before
//! the next write: the order is a sequence of *blocks* (a write and its
//! reads; the initial value's reads first). A successful cas `a -> b` glues
//! block `b` right after block `a`, so blocks form chains. The history is
//! sequentially consistent iff the chains can be ordered so that every
//! process's operations go forward: iff the graph "chain of an earlier op →
//! chain of the process's next op" has no cycle and no process goes
//! backwards inside a chain. Crashed writes and cas count only if what they
//! wrote was observed (then they must have happened).

use super::report::{SequentialWitness, StuckOp};
use crate::history::{OpFn, OpStatus, Operation};
use crate::model::{Val, cas_args};
use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, VecDeque};

/// What the block check decided.
pub(crate) enum BlockOutcome {
    /// An order exists.
    Valid,
    /// None exists; why.
    Invalid(SequentialWitness),
    /// The partition is outside this check's assumptions; use the general search.
    NotApplicable,
}

#[derive(Clone)]
enum Kind {
    Read(Val),
    Write(Val),
    Cas(Val, Val),
}

/// Position of an operation: (chain, index of its value in the chain, 0 = writer / 1 = reader).
type Pos = (u32, u32, u8);

/// Checks one key's operations, the register starting at `init`.
pub(crate) fn check(key: &Option<String>, ops: &[Operation], init: &Val) -> BlockOutcome {
    let mut kinds: Vec<Option<Kind>> = Vec::with_capacity(ops.len());
    for o in ops {
        let k = match (&o.f, o.status) {
            (_, OpStatus::CasMismatch) => return BlockOutcome::NotApplicable,
            (OpFn::Read, OpStatus::Ok) => Kind::Read(Val::from_json(&o.output)),
            (OpFn::Read, _) => {
                kinds.push(None);
                continue;
            }
            (OpFn::Write, _) => Kind::Write(Val::from_json(&o.value)),
            (OpFn::Cas, _) => match cas_args(&o.value) {
                Some((a, b)) => Kind::Cas(a, b),
                None => return BlockOutcome::NotApplicable,
            },
            _ => return BlockOutcome::NotApplicable,
        };
        kinds.push(Some(k));
    }
    // Unique writes, none of the initial value.
    let mut writer: FxHashMap<Val, usize> = FxHashMap::default();
    for (i, k) in kinds.iter().enumerate() {
        if let Some(Kind::Write(v) | Kind::Cas(_, v)) = k
            && (v == init || writer.insert(v.clone(), i).is_some())
        {
            return BlockOutcome::NotApplicable;
        }
    }
    // Which crashed writes must have happened: those whose value was observed (to a fixpoint).
    let crashed = |i: usize| ops[i].status == OpStatus::Crashed;
    let mut included: Vec<bool> = (0..ops.len())
        .map(|i| kinds[i].is_some() && !crashed(i))
        .collect();
    loop {
        let mut observed: FxHashSet<&Val> = FxHashSet::default();
        for (i, k) in kinds.iter().enumerate() {
            match k {
                Some(Kind::Read(v)) if included[i] => {
                    observed.insert(v);
                }
                Some(Kind::Cas(a, _)) if included[i] => {
                    observed.insert(a);
                }
                _ => {}
            }
        }
        let mut changed = false;
        for v in observed {
            if let Some(&w) = writer.get(v)
                && !included[w]
            {
                included[w] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Every observed value must have been written (or be the initial value).
    for (i, k) in kinds.iter().enumerate() {
        let seen = match k {
            Some(Kind::Read(v)) | Some(Kind::Cas(v, _)) if included[i] => v,
            _ => continue,
        };
        if seen != init && !writer.contains_key(seen) {
            let what = match k {
                Some(Kind::Read(_)) => format!("read {seen}"),
                _ => format!("cas from {seen}"),
            };
            return BlockOutcome::Invalid(witness(
                key,
                ops,
                vec![(
                    i,
                    format!(
                        "{what}, but no operation writes {seen} and the register does not start with it"
                    ),
                )],
            ));
        }
    }
    // Chains: value -> the value a successful cas installed right after it.
    let mut next: FxHashMap<Val, usize> = FxHashMap::default();
    for (i, k) in kinds.iter().enumerate() {
        if let Some(Kind::Cas(a, _)) = k
            && included[i]
            && let Some(prev) = next.insert(a.clone(), i)
        {
            return BlockOutcome::Invalid(witness(
                key,
                ops,
                vec![
                    (prev, format!("cas from {a} succeeded")),
                    (
                        i,
                        format!("cas from {a} also succeeded, but {a} is written only once"),
                    ),
                ],
            ));
        }
    }
    let mut pos_of_value: FxHashMap<Val, (u32, u32)> = FxHashMap::default();
    let mut starts: Vec<Val> = vec![init.clone()];
    for (i, k) in kinds.iter().enumerate() {
        if let Some(Kind::Write(v)) = k
            && included[i]
        {
            starts.push(v.clone());
        }
    }
    for (c, start) in starts.iter().enumerate() {
        let mut v = start.clone();
        let mut idx = 0u32;
        loop {
            pos_of_value.insert(v.clone(), (c as u32, idx));
            let Some(&cas) = next.get(&v) else { break };
            let Some(Kind::Cas(_, b)) = &kinds[cas] else {
                break;
            };
            if pos_of_value.contains_key(b) {
                return BlockOutcome::NotApplicable;
            }
            v = b.clone();
            idx += 1;
        }
    }
    let position = |i: usize| -> Option<Pos> {
        let (v, sub) = match kinds[i].as_ref()? {
            Kind::Read(v) => (v, 1),
            Kind::Write(v) | Kind::Cas(_, v) => (v, 0),
        };
        pos_of_value.get(v).map(|&(c, x)| (c, x, sub))
    };
    // An included cas chain that starts nowhere (cas installed over a cas's own output, in a loop).
    if (0..ops.len()).any(|i| included[i] && position(i).is_none()) {
        return BlockOutcome::NotApplicable;
    }

    // Program order per process, as edges between chains.
    let mut by_process: BTreeMap<_, Vec<usize>> = BTreeMap::new();
    for i in (0..ops.len()).filter(|&i| included[i]) {
        by_process.entry(ops[i].process).or_default().push(i);
    }
    let mut graph: DiGraphMap<u32, (usize, usize)> = DiGraphMap::new();
    for c in 1..starts.len() as u32 {
        // The initial value's chain comes first.
        graph.add_edge(0, c, (usize::MAX, usize::MAX));
    }
    for seq in by_process.values() {
        for w in seq.windows(2) {
            let (Some(a), Some(b)) = (position(w[0]), position(w[1])) else {
                continue;
            };
            if a.0 != b.0 {
                if !graph.contains_edge(a.0, b.0) {
                    graph.add_edge(a.0, b.0, (w[0], w[1]));
                }
            } else if (a.1, a.2) > (b.1, b.2) {
                return BlockOutcome::Invalid(witness(
                    key,
                    ops,
                    vec![
                        (w[0], describe(&kinds[w[0]], "first")),
                        (
                            w[1],
                            format!(
                                "{}, which must come before the first in every order",
                                describe(&kinds[w[1]], "then")
                            ),
                        ),
                    ],
                ));
            }
        }
    }
    match shortest_cycle(&graph) {
        None => BlockOutcome::Valid,
        Some(edges) => {
            let mut stuck = Vec::new();
            for (a, b) in edges {
                if a == usize::MAX {
                    continue;
                }
                stuck.push((a, describe(&kinds[a], "first")));
                stuck.push((b, describe(&kinds[b], "then")));
            }
            BlockOutcome::Invalid(witness(key, ops, stuck))
        }
    }
}

fn describe(k: &Option<Kind>, when: &str) -> String {
    match k {
        Some(Kind::Read(v)) => format!("{when} read {v}"),
        Some(Kind::Write(v)) => format!("{when} wrote {v}"),
        Some(Kind::Cas(a, b)) => format!("{when} cas {a}->{b}"),
        None => String::new(),
    }
}

/// The shortest cycle of the chain graph, as its edges' evidence, if any.
fn shortest_cycle(graph: &DiGraphMap<u32, (usize, usize)>) -> Option<Vec<(usize, usize)>> {
    let mut best: Option<Vec<(usize, usize)>> = None;
    for scc in tarjan_scc(graph) {
        if scc.len() < 2 {
            continue;
        }
        let members: FxHashSet<u32> = scc.iter().copied().collect();
        // Bounded: a few starting points are enough for a small witness.
        for &start in scc.iter().take(16) {
            let mut parent: FxHashMap<u32, u32> = FxHashMap::default();
            let mut queue = VecDeque::from([start]);
            let mut found: Option<u32> = None;
            'bfs: while let Some(n) = queue.pop_front() {
                for (_, m, _) in graph.edges(n) {
                    if !members.contains(&m) {
                        continue;
                    }
                    if m == start {
                        found = Some(n);
                        break 'bfs;
                    }
                    if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(m) {
                        e.insert(n);
                        queue.push_back(m);
                    }
                }
            }
            let Some(last) = found else { continue };
            let mut nodes = vec![last];
            let mut cur = last;
            while cur != start {
                cur = parent[&cur];
                nodes.push(cur);
            }
            nodes.reverse();
            nodes.push(start);
            let edges: Vec<(usize, usize)> = nodes
                .windows(2)
                .filter_map(|w| graph.edge_weight(w[0], w[1]).copied())
                .collect();
            if best.as_ref().is_none_or(|b| edges.len() < b.len()) {
                best = Some(edges);
            }
        }
    }
    best
}

fn witness(
    key: &Option<String>,
    ops: &[Operation],
    items: Vec<(usize, String)>,
) -> SequentialWitness {
    let stuck: Vec<StuckOp> = items
        .into_iter()
        .map(|(i, reason)| StuckOp {
            process: ops[i].process,
            op: ops[i].id,
            reason,
        })
        .collect();
    let listed: Vec<String> = stuck
        .iter()
        .map(|s| format!("process {} {} (event {})", s.process, s.reason, s.op))
        .collect();
    let text = format!(
        "key {}: no order keeps every process's own order: {}",
        crate::history::key_label(key.as_deref()),
        listed.join("; ")
    );
    SequentialWitness {
        key: key.clone(),
        placed: 0,
        total: ops.len(),
        state: String::new(),
        order_tail: Vec::new(),
        stuck,
        text,
    }
}
