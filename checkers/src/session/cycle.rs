//! Finding the shortest cycle in the version order that runs through one of
//! a guarantee's own relations.
//!
//! The graph's nodes are the key's versions plus one "hub" node per step of
//! each [`Chain`]: a source enters the hub current at its position, hubs
//! lead on to the next, and a sink is reached from the hub current at its
//! position. A path source → hubs → sink exists exactly when the source comes
//! before the sink in the session, so every chained relation is present at
//! linear size, however far back it reaches.

use super::edges::{Chain, Edge, Link, Relations};
use super::guarantee::Guarantee;
use crate::register_view::Version;
// Kosaraju, not Tarjan: petgraph's Tarjan recurses once per node on a path and
// overflows the stack on a long session; Kosaraju's search keeps its own stack.
use petgraph::algo::kosaraju_scc;
use petgraph::graphmap::DiGraphMap;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::VecDeque;

/// Candidate relations searched for the shortest cycle; the rest are only counted.
const MAX_CANDIDATES: usize = 64;

/// What the search found for one key and guarantee.
pub struct CycleFound {
    /// The relations in cycle order, starting with the guarantee's own relation.
    pub cycle: Vec<Edge>,
    /// How many of the guarantee's relations lie on some cycle.
    pub violating: usize,
}

/// What one graph arc stands for.
#[derive(Debug, Clone, Copy)]
enum Arc {
    /// A pairwise relation (index into [`Relations::edges`]).
    Pair(usize),
    /// A chain's source into its hub: its link (hubs only lead on within
    /// their own chain, so the `Leave` that follows names the chain).
    Enter(usize),
    /// One hub of a chain to the next.
    Pass,
    /// A hub to a chain's sink: (chain, link).
    Leave(usize, usize),
}

impl Arc {
    /// Relations crossed: one per source entered, so a path's length counts
    /// relations, not hubs.
    fn weight(self) -> u32 {
        match self {
            Arc::Pair(_) | Arc::Enter(_) => 1,
            Arc::Pass | Arc::Leave(..) => 0,
        }
    }
}

struct Graph<'a> {
    rel: &'a Relations,
    ids: FxHashMap<&'a Version, u32>,
    /// Per node: its version, `None` for a hub.
    nodes: Vec<Option<&'a Version>>,
    graph: DiGraphMap<u32, u32>,
    arcs: Vec<Arc>,
}

impl<'a> Graph<'a> {
    fn new(rel: &'a Relations) -> Self {
        Graph {
            rel,
            ids: FxHashMap::default(),
            nodes: Vec::new(),
            graph: DiGraphMap::new(),
            arcs: Vec::new(),
        }
    }

    fn version(&mut self, v: &'a Version) -> u32 {
        if let Some(&n) = self.ids.get(v) {
            return n;
        }
        let n = self.nodes.len() as u32;
        self.nodes.push(Some(v));
        self.ids.insert(v, n);
        self.graph.add_node(n);
        n
    }

    fn hub(&mut self) -> u32 {
        let n = self.nodes.len() as u32;
        self.nodes.push(None);
        self.graph.add_node(n);
        n
    }

    fn add(&mut self, a: u32, b: u32, arc: Arc) {
        if !self.graph.contains_edge(a, b) {
            let id = self.arcs.len() as u32;
            self.arcs.push(arc);
            self.graph.add_edge(a, b, id);
        }
    }

    fn add_pair(&mut self, i: usize) -> (u32, u32) {
        let e = &self.rel.edges[i];
        let (a, b) = (self.version(&e.before), self.version(&e.after));
        self.add(a, b, Arc::Pair(i));
        (a, b)
    }

    fn add_chain(&mut self, ci: usize) {
        let rel = self.rel;
        let mut hub: Option<u32> = None;
        // Sources with no sink between them share a hub.
        let mut reached = true;
        for (li, link) in rel.chains[ci].links.iter().enumerate() {
            match link {
                Link::Source(v, _) => {
                    let h = match hub {
                        Some(h) if !reached => h,
                        prev => {
                            let h = self.hub();
                            if let Some(p) = prev {
                                self.add(p, h, Arc::Pass);
                            }
                            h
                        }
                    };
                    hub = Some(h);
                    reached = false;
                    let n = self.version(v);
                    self.add(n, h, Arc::Enter(li));
                }
                Link::Sink(v, _) => {
                    if let Some(h) = hub {
                        let n = self.version(v);
                        self.add(h, n, Arc::Leave(ci, li));
                        reached = true;
                    }
                }
            }
        }
    }

    /// Removes every arc inside a strongly connected component that holds
    /// two versions or more (one with a single version only loops through
    /// its own hubs: a session reading its own write, which is no cycle).
    ///
    /// The pairwise relations removed are exactly those on a cycle; a hub
    /// arc inside such a component may also carry chained relations that
    /// are on none, which are then left out too. That only happens where a
    /// context cycle exists, and leaving relations out never adds a cycle.
    fn drop_cyclic(&mut self) {
        let mut cut: Vec<(u32, u32)> = Vec::new();
        for members in kosaraju_scc(&self.graph) {
            let versions = members
                .iter()
                .filter(|&&n| self.nodes[n as usize].is_some())
                .count();
            if versions < 2 {
                continue;
            }
            let inside: FxHashSet<u32> = members.iter().copied().collect();
            for &n in &members {
                cut.extend(
                    self.graph
                        .edges(n)
                        .filter(|(_, m, _)| inside.contains(m))
                        .map(|(a, b, _)| (a, b)),
                );
            }
        }
        for (a, b) in cut {
            self.graph.remove_edge(a, b);
        }
    }

    fn components(&self) -> Vec<usize> {
        let mut component = vec![0; self.nodes.len()];
        for (c, members) in kosaraju_scc(&self.graph).into_iter().enumerate() {
            for n in members {
                component[n as usize] = c;
            }
        }
        component
    }

    /// A path of fewest relations from `from` to a node of `targets`, as arcs.
    fn shortest(&self, from: u32, targets: &FxHashMap<u32, usize>) -> Option<(u32, Vec<u32>)> {
        let mut dist: FxHashMap<u32, u32> = FxHashMap::from_iter([(from, 0)]);
        let mut parent: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
        let mut queue = VecDeque::from([(from, 0u32)]);
        while let Some((n, d)) = queue.pop_front() {
            if dist.get(&n).is_some_and(|&best| best < d) {
                continue;
            }
            if n != from && targets.contains_key(&n) {
                let mut path = Vec::new();
                let mut cur = n;
                while cur != from {
                    let (p, arc) = parent[&cur];
                    path.push(arc);
                    cur = p;
                }
                path.reverse();
                return Some((n, path));
            }
            for (_, m, &arc) in self.graph.edges(n) {
                let w = self.arcs[arc as usize].weight();
                let nd = d + w;
                if dist.get(&m).is_none_or(|&old| nd < old) {
                    dist.insert(m, nd);
                    parent.insert(m, (n, arc));
                    if w == 0 {
                        queue.push_front((m, nd));
                    } else {
                        queue.push_back((m, nd));
                    }
                }
            }
        }
        None
    }

    /// The relations a path of arcs crosses.
    fn relations(&self, path: &[u32]) -> Vec<Edge> {
        let mut out = Vec::new();
        let mut entered: Option<usize> = None;
        for &arc in path {
            match self.arcs[arc as usize] {
                Arc::Pair(i) => out.push(self.rel.edges[i].clone()),
                Arc::Enter(li) => entered = Some(li),
                Arc::Pass => {}
                Arc::Leave(ci, li) => {
                    if let Some(from) = entered.take() {
                        out.push(chained(&self.rel.chains[ci], from, li));
                    }
                }
            }
        }
        out
    }
}

fn link_parts(link: &Link) -> (&Version, usize) {
    match link {
        Link::Source(v, op) | Link::Sink(v, op) => (v, *op),
    }
}

/// The relation between a chain's source at `from` and its sink at `to`.
fn chained(chain: &Chain, from: usize, to: usize) -> Edge {
    let (a, a_op) = link_parts(&chain.links[from]);
    let (b, b_op) = link_parts(&chain.links[to]);
    Edge {
        before: a.clone(),
        after: b.clone(),
        kind: chain.kind,
        process: Some(chain.process),
        ops: vec![a_op, b_op],
    }
}

/// A chained relation on a cycle: a sink and the sources it may close a cycle with.
struct ChainCandidate {
    chain: usize,
    link: usize,
    /// Source node → its link in the chain (the latest before the sink).
    sources: FxHashMap<u32, usize>,
}

/// The shortest cycle through one of `g`'s own relations, using `g`'s context relations.
pub fn find(rel: &Relations, g: Guarantee) -> Option<CycleFound> {
    let context = g.context();
    let own = g.own_edge();
    let mut graph = Graph::new(rel);
    let mut context_pairs: FxHashSet<(u32, u32)> = FxHashSet::default();
    for (i, e) in rel.edges.iter().enumerate() {
        if context.contains(&e.kind) {
            context_pairs.insert(graph.add_pair(i));
        }
    }
    for (ci, c) in rel.chains.iter().enumerate() {
        if context.contains(&c.kind) {
            graph.add_chain(ci);
        }
    }
    if g.is_write_side() {
        graph.drop_cyclic();
    }
    // A relation the context already implies adds nothing to blame on this guarantee.
    let mut pair_candidates: Vec<(u32, u32, usize)> = Vec::new();
    if own.is_chained() {
        for (ci, c) in rel.chains.iter().enumerate() {
            if c.kind == own {
                graph.add_chain(ci);
            }
        }
    } else {
        for (i, e) in rel.edges.iter().enumerate() {
            if e.kind == own {
                let (a, b) = (graph.version(&e.before), graph.version(&e.after));
                if !context_pairs.contains(&(a, b)) {
                    pair_candidates.push((a, b, i));
                    graph.add(a, b, Arc::Pair(i));
                }
            }
        }
    }
    let component = graph.components();
    let on_cycle: Vec<(u32, u32, usize)> = pair_candidates
        .into_iter()
        .filter(|&(a, b, _)| component[a as usize] == component[b as usize])
        .collect();
    let mut violating = on_cycle.len();
    let mut chain_candidates: Vec<ChainCandidate> = Vec::new();
    if own.is_chained() {
        let mut context_in: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for &(a, b) in &context_pairs {
            context_in.entry(b).or_default().push(a);
        }
        for (ci, c) in rel.chains.iter().enumerate() {
            if c.kind == own {
                violating += chain_on_cycle(
                    &graph,
                    &component,
                    &context_in,
                    ci,
                    c,
                    &mut chain_candidates,
                );
            }
        }
    }
    if violating == 0 {
        return None;
    }
    let mut best: Option<Vec<Edge>> = None;
    let mut consider = |cycle: Vec<Edge>| {
        if best.as_ref().is_none_or(|b| cycle.len() < b.len()) {
            best = Some(cycle);
        }
    };
    for &(a, b, i) in on_cycle.iter().take(MAX_CANDIDATES) {
        let target = FxHashMap::from_iter([(a, 0)]);
        if let Some((_, path)) = graph.shortest(b, &target) {
            let mut cycle = vec![rel.edges[i].clone()];
            cycle.extend(graph.relations(&path));
            consider(cycle);
        }
    }
    for cand in &chain_candidates {
        let (v, _) = link_parts(&rel.chains[cand.chain].links[cand.link]);
        let Some(&sink) = graph.ids.get(v) else {
            continue;
        };
        if let Some((source, path)) = graph.shortest(sink, &cand.sources) {
            let from = cand.sources[&source];
            let mut cycle = vec![chained(&rel.chains[cand.chain], from, cand.link)];
            cycle.extend(graph.relations(&path));
            consider(cycle);
        }
    }
    best.map(|cycle| CycleFound { cycle, violating })
}

/// Counts one chain's distinct relations that lie on a cycle (not counting
/// those the context already has), collecting up to [`MAX_CANDIDATES`] sinks
/// to search for the shortest one.
///
/// A source and a sink share a component exactly when the relation between
/// them is on a cycle, so one pass with the sources seen so far per
/// component suffices. A sink read several times is judged at its last
/// occurrence, which is related to every source any earlier one was.
fn chain_on_cycle(
    graph: &Graph<'_>,
    component: &[usize],
    context_in: &FxHashMap<u32, Vec<u32>>,
    ci: usize,
    chain: &Chain,
    candidates: &mut Vec<ChainCandidate>,
) -> usize {
    let node = |l: &Link| graph.ids.get(link_parts(l).0).copied();
    let mut last_sink: FxHashMap<u32, usize> = FxHashMap::default();
    for (li, l) in chain.links.iter().enumerate() {
        if let (Link::Sink(..), Some(n)) = (l, node(l)) {
            last_sink.insert(n, li);
        }
    }
    let mut sources: FxHashMap<usize, FxHashMap<u32, usize>> = FxHashMap::default();
    let mut count = 0;
    for (li, l) in chain.links.iter().enumerate() {
        let Some(n) = node(l) else { continue };
        let c = component[n as usize];
        match l {
            Link::Source(..) => {
                sources.entry(c).or_default().insert(n, li);
            }
            Link::Sink(..) if last_sink.get(&n) == Some(&li) => {
                let Some(same) = sources.get(&c) else {
                    continue;
                };
                let implied = context_in.get(&n).map_or(&[][..], Vec::as_slice);
                let excluded = |s: &u32| *s == n || implied.contains(s);
                let own = same.len()
                    - usize::from(same.contains_key(&n))
                    - implied.iter().filter(|s| same.contains_key(s)).count();
                count += own;
                if own > 0 && candidates.len() < MAX_CANDIDATES {
                    candidates.push(ChainCandidate {
                        chain: ci,
                        link: li,
                        sources: same
                            .iter()
                            .filter(|(s, _)| !excluded(s))
                            .map(|(&s, &l)| (s, l))
                            .collect(),
                    });
                }
            }
            Link::Sink(..) => {}
        }
    }
    count
}
