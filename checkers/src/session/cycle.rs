//! Finding the shortest cycle in the version order that runs through one of
//! a guarantee's own relations.

use super::edges::Edge;
use super::guarantee::Guarantee;
use crate::model::Val;
use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::VecDeque;

/// Candidate relations searched for the shortest cycle; the rest are only counted.
const MAX_CANDIDATES: usize = 64;

/// What the search found for one key and guarantee.
pub struct CycleFound {
    /// Indices into the key's edges, in cycle order, starting with the guarantee's own relation.
    pub cycle: Vec<usize>,
    /// How many of the guarantee's relations lie on some cycle.
    pub violating: usize,
}

/// The shortest cycle through one of `g`'s own relations, using `g`'s context relations.
pub fn find(edges: &[Edge], g: Guarantee) -> Option<CycleFound> {
    let context = g.context();
    let own = g.own_edge();
    let mut ids: FxHashMap<&Val, u32> = FxHashMap::default();
    let mut graph: DiGraphMap<u32, usize> = DiGraphMap::new();
    let mut context_pairs: FxHashSet<(u32, u32)> = FxHashSet::default();
    for (i, e) in edges.iter().enumerate() {
        if context.contains(&e.kind) {
            let (a, b) = (node(&mut ids, &e.before), node(&mut ids, &e.after));
            context_pairs.insert((a, b));
            if !graph.contains_edge(a, b) {
                graph.add_edge(a, b, i);
            }
        }
    }
    if g.is_write_side() {
        drop_cyclic(&mut graph);
    }
    // A relation the context already implies adds nothing to blame on this guarantee.
    let mut candidates: Vec<(u32, u32, usize)> = Vec::new();
    for (i, e) in edges.iter().enumerate() {
        if e.kind == own {
            let (a, b) = (node(&mut ids, &e.before), node(&mut ids, &e.after));
            if !context_pairs.contains(&(a, b)) {
                candidates.push((a, b, i));
                if !graph.contains_edge(a, b) {
                    graph.add_edge(a, b, i);
                }
            }
        }
    }
    let mut component: FxHashMap<u32, usize> = FxHashMap::default();
    for (c, members) in tarjan_scc(&graph).into_iter().enumerate() {
        for n in members {
            component.insert(n, c);
        }
    }
    let on_cycle: Vec<&(u32, u32, usize)> = candidates
        .iter()
        .filter(|(a, b, _)| component.get(a) == component.get(b))
        .collect();
    if on_cycle.is_empty() {
        return None;
    }
    let mut best: Option<Vec<usize>> = None;
    for &&(a, b, i) in on_cycle.iter().take(MAX_CANDIDATES) {
        if let Some(path) = shortest_path(&graph, b, a)
            && best.as_ref().is_none_or(|c| path.len() + 1 < c.len())
        {
            let mut cycle = vec![i];
            cycle.extend(path);
            best = Some(cycle);
        }
    }
    best.map(|cycle| CycleFound {
        cycle,
        violating: on_cycle.len(),
    })
}

/// Removes the relations that already lie on a cycle of their own: a
/// violation of the context guarantees, reported there, is not blamed again
/// on every write-side relation that touches it.
fn drop_cyclic(graph: &mut DiGraphMap<u32, usize>) {
    let mut component: FxHashMap<u32, usize> = FxHashMap::default();
    for (c, members) in tarjan_scc(&*graph).into_iter().enumerate() {
        for n in members {
            component.insert(n, c);
        }
    }
    let cyclic: Vec<(u32, u32)> = graph
        .all_edges()
        .filter(|(a, b, _)| component.get(a) == component.get(b))
        .map(|(a, b, _)| (a, b))
        .collect();
    for (a, b) in cyclic {
        graph.remove_edge(a, b);
    }
}

fn node<'a>(ids: &mut FxHashMap<&'a Val, u32>, v: &'a Val) -> u32 {
    let n = ids.len() as u32;
    *ids.entry(v).or_insert(n)
}

/// Edge indices of a shortest path from `from` to `to` (breadth-first).
fn shortest_path(graph: &DiGraphMap<u32, usize>, from: u32, to: u32) -> Option<Vec<usize>> {
    let mut parent: FxHashMap<u32, (u32, usize)> = FxHashMap::default();
    let mut queue = VecDeque::from([from]);
    let mut seen: FxHashSet<u32> = FxHashSet::from_iter([from]);
    while let Some(n) = queue.pop_front() {
        if n == to {
            let mut path = Vec::new();
            let mut cur = to;
            while cur != from {
                let (p, e) = parent[&cur];
                path.push(e);
                cur = p;
            }
            path.reverse();
            return Some(path);
        }
        for (_, m, &e) in graph.edges(n) {
            if seen.insert(m) {
                parent.insert(m, (n, e));
                queue.push_back(m);
            }
        }
    }
    None
}
