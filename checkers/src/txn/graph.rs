//! The dependency graph: transactions as nodes, one arc per ordered pair
//! carrying every kind of dependency found between them. Stored as
//! compressed rows for the searches; petgraph finds its strongly connected
//! components.

use super::edges::Kinds;
// Kosaraju, not Tarjan: petgraph's Tarjan recurses once per node on a path,
// and a history's dependency chains are as long as the history.
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

/// A directed graph over nodes `0..n`, arcs labelled with [`Kinds`].
#[derive(Debug, Clone, Default)]
pub struct DepGraph {
    /// Row `v` is `targets[offsets[v]..offsets[v + 1]]`, sorted by target.
    offsets: Vec<usize>,
    targets: Vec<u32>,
    kinds: Vec<u8>,
}

impl DepGraph {
    /// Builds the graph on `n` nodes; repeated arcs merge their kinds.
    pub fn build(n: usize, mut edges: Vec<(u32, u32, u8)>) -> DepGraph {
        edges.sort_unstable_by_key(|&(a, b, _)| (a, b));
        let mut offsets = vec![0usize; n + 1];
        let mut targets: Vec<u32> = Vec::with_capacity(edges.len());
        let mut kinds: Vec<u8> = Vec::with_capacity(edges.len());
        let mut last: Option<(u32, u32)> = None;
        for (a, b, k) in edges {
            if last == Some((a, b)) {
                if let Some(prev) = kinds.last_mut() {
                    *prev |= k;
                }
                continue;
            }
            last = Some((a, b));
            offsets[a as usize + 1] += 1;
            targets.push(b);
            kinds.push(k);
        }
        for v in 0..n {
            offsets[v + 1] += offsets[v];
        }
        DepGraph {
            offsets,
            targets,
            kinds,
        }
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Number of arcs (after merging).
    pub fn arc_count(&self) -> usize {
        self.targets.len()
    }

    /// How many arcs carry each kind, in [`super::EdgeKind::ALL`] order.
    pub fn kind_counts(&self) -> [usize; 5] {
        let mut out = [0; 5];
        for &k in &self.kinds {
            for (i, kind) in super::EdgeKind::ALL.iter().enumerate() {
                if k & kind.bit() != 0 {
                    out[i] += 1;
                }
            }
        }
        out
    }

    /// The arcs leaving `v`: (target, kinds).
    pub fn out(&self, v: u32) -> impl Iterator<Item = (u32, Kinds)> + '_ {
        let (s, e) = (self.offsets[v as usize], self.offsets[v as usize + 1]);
        self.targets[s..e]
            .iter()
            .zip(&self.kinds[s..e])
            .map(|(&t, &k)| (t, Kinds(k)))
    }

    /// The strongly connected components of more than one node, using only
    /// arcs with a kind in `mask`; each sorted, and the list by first node.
    pub fn cyclic_components(&self, mask: Kinds) -> Vec<Vec<u32>> {
        let n = self.node_count();
        let mut g: DiGraph<(), (), u32> = DiGraph::with_capacity(n, self.targets.len());
        for _ in 0..n {
            g.add_node(());
        }
        for v in 0..n {
            for (t, k) in self.out(v as u32) {
                if !k.and(mask).is_empty() {
                    g.add_edge(NodeIndex::new(v), NodeIndex::new(t as usize), ());
                }
            }
        }
        let mut out: Vec<Vec<u32>> = kosaraju_scc(&g)
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let mut c: Vec<u32> = c.into_iter().map(|i| i.index() as u32).collect();
                c.sort_unstable();
                c
            })
            .collect();
        out.sort_unstable_by_key(|c| c[0]);
        out
    }

    /// The subgraph induced by `nodes` (sorted), renumbered `0..nodes.len()`
    /// in that order.
    pub fn induced(&self, nodes: &[u32]) -> DepGraph {
        let local = |v: u32| nodes.binary_search(&v).ok().map(|i| i as u32);
        let mut edges = Vec::new();
        for (i, &v) in nodes.iter().enumerate() {
            for (t, k) in self.out(v) {
                if let Some(j) = local(t) {
                    edges.push((i as u32, j, k.0));
                }
            }
        }
        DepGraph::build(nodes.len(), edges)
    }
}
