//! Finding, per anomaly class and strongly connected component, a shortest
//! cycle of that class.
//!
//! Every cycle of a class holds at least one arc of a "closing" kind (a
//! write-read for G1c, the read-write for G-single, the real-time arc for a
//! `-realtime` class, ...). For each closing arc `u → v` of a component a
//! breadth-first search from `v` back to `u`, over the class's other kinds
//! and tracking what the path has used so far (a write-read yet, how many
//! read-writes, a real-time or process arc yet), finds the shortest cycle
//! through that arc; the shortest over all closing arcs is the shortest of
//! the component. Searches are cut at the best length found so far, so
//! once a short cycle is known the rest are cheap.
//!
//! Only simple cycles count: a shortest walk that passes a node twice is
//! passed over. For the plain classes that loses nothing (a shortest walk
//! with a repeated node would contain a shorter cycle of a class searched
//! before it), for the real-time and process ones it may miss a longer
//! simple cycle hidden behind it.

use super::anomaly::AnomalyKind;
use super::edges::{EdgeKind, Kinds};
use super::graph::DepGraph;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

/// The shape of a cycle's data dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    G0,
    G1c,
    GSingle,
    G2Item,
}

/// Which order beyond the data dependencies the cycle needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Plain,
    Realtime,
    Process,
}

/// An anomaly class searched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Class {
    base: Base,
    flavor: Flavor,
}

const CLASSES: [Class; 12] = {
    use Base::*;
    use Flavor::*;
    [
        Class {
            base: G0,
            flavor: Plain,
        },
        Class {
            base: G1c,
            flavor: Plain,
        },
        Class {
            base: GSingle,
            flavor: Plain,
        },
        Class {
            base: G2Item,
            flavor: Plain,
        },
        Class {
            base: G0,
            flavor: Realtime,
        },
        Class {
            base: G1c,
            flavor: Realtime,
        },
        Class {
            base: GSingle,
            flavor: Realtime,
        },
        Class {
            base: G2Item,
            flavor: Realtime,
        },
        Class {
            base: G0,
            flavor: Process,
        },
        Class {
            base: G1c,
            flavor: Process,
        },
        Class {
            base: GSingle,
            flavor: Process,
        },
        Class {
            base: G2Item,
            flavor: Process,
        },
    ]
};

impl Class {
    fn kind(self) -> AnomalyKind {
        use AnomalyKind as A;
        match (self.base, self.flavor) {
            (Base::G0, Flavor::Plain) => A::G0,
            (Base::G1c, Flavor::Plain) => A::G1c,
            (Base::GSingle, Flavor::Plain) => A::GSingle,
            (Base::G2Item, Flavor::Plain) => A::G2Item,
            (Base::G0, Flavor::Realtime) => A::G0Realtime,
            (Base::G1c, Flavor::Realtime) => A::G1cRealtime,
            (Base::GSingle, Flavor::Realtime) => A::GSingleRealtime,
            (Base::G2Item, Flavor::Realtime) => A::G2ItemRealtime,
            (Base::G0, Flavor::Process) => A::G0Process,
            (Base::G1c, Flavor::Process) => A::G1cProcess,
            (Base::GSingle, Flavor::Process) => A::GSingleProcess,
            (Base::G2Item, Flavor::Process) => A::G2ItemProcess,
        }
    }

    fn extra(self) -> Option<EdgeKind> {
        match self.flavor {
            Flavor::Plain => None,
            Flavor::Realtime => Some(EdgeKind::Realtime),
            Flavor::Process => Some(EdgeKind::Process),
        }
    }

    /// The kinds a cycle of the class may use.
    fn mask(self) -> Kinds {
        let data = match self.base {
            Base::G0 => Kinds::of(&[EdgeKind::Ww]),
            Base::G1c => Kinds::of(&[EdgeKind::Ww, EdgeKind::Wr]),
            Base::GSingle | Base::G2Item => Kinds::DATA,
        };
        Kinds(data.0 | self.extra().map_or(0, EdgeKind::bit))
    }

    /// The kind every cycle of the class holds at least once.
    fn closing(self) -> EdgeKind {
        match (self.extra(), self.base) {
            (Some(k), _) => k,
            (None, Base::G0) => EdgeKind::Ww,
            (None, Base::G1c) => EdgeKind::Wr,
            (None, Base::GSingle | Base::G2Item) => EdgeKind::Rw,
        }
    }

    /// The path state after crossing an arc used as `k`, or `None` if the
    /// class can no longer be reached.
    fn step(self, s: State, k: EdgeKind) -> Option<State> {
        let mut s = s;
        match k {
            EdgeKind::Ww => {}
            EdgeKind::Wr => s.wr = true,
            EdgeKind::Rw => {
                s.rw = (s.rw + 1).min(2);
                if self.base == Base::GSingle && s.rw > 1 {
                    return None;
                }
            }
            EdgeKind::Realtime | EdgeKind::Process => s.extra = true,
        }
        Some(s)
    }

    /// Whether a whole cycle with these totals is of the class.
    fn accepts(self, s: State) -> bool {
        let rw_ok = match self.base {
            Base::G0 => s.rw == 0 && !s.wr,
            Base::G1c => s.rw == 0 && s.wr,
            Base::GSingle => s.rw == 1,
            Base::G2Item => s.rw >= 2,
        };
        rw_ok && (self.flavor == Flavor::Plain || s.extra)
    }
}

/// What a path has crossed so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct State {
    wr: bool,
    /// Read-writes crossed, counted up to 2.
    rw: u8,
    extra: bool,
}

const STATES: usize = 12;

impl State {
    fn index(self) -> usize {
        usize::from(self.wr) | (usize::from(self.extra) << 1) | (usize::from(self.rw) << 2)
    }
}

/// A cycle found: its arcs in order, each with the kind it was used as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCycle {
    /// The anomaly it is.
    pub kind: AnomalyKind,
    /// (from, to, kind) in cycle order, starting at its smallest node.
    pub steps: Vec<(usize, usize, EdgeKind)>,
}

/// Everything the search found.
#[derive(Debug, Clone, Default)]
pub struct CycleSearch {
    /// One shortest cycle per component and class.
    pub cycles: Vec<FoundCycle>,
    /// Classes whose search ran out of budget somewhere: more (or shorter)
    /// cycles of these kinds may exist.
    pub incomplete: Vec<AnomalyKind>,
    /// Nodes lying on some cycle of any kind.
    pub cyclic_nodes: usize,
}

/// Searches `g` for every class; `budget` bounds the arcs visited per class.
pub fn find_cycles(g: &DepGraph, budget: u64) -> CycleSearch {
    let all = Kinds(Kinds::DATA.0 | EdgeKind::Realtime.bit() | EdgeKind::Process.bit());
    // Only nodes on some cycle can be on a cycle of a class: the rest of
    // the graph (all of it, for a valid history) is never looked at again.
    let mut nodes: Vec<u32> = g.cyclic_components(all).into_iter().flatten().collect();
    nodes.sort_unstable();
    let mut out = CycleSearch {
        cyclic_nodes: nodes.len(),
        ..CycleSearch::default()
    };
    if nodes.is_empty() {
        return out;
    }
    let sub = g.induced(&nodes);
    let mut search = Bfs::new(sub.node_count());
    let mut components: FxHashMap<u8, Vec<Vec<u32>>> = FxHashMap::default();
    for class in CLASSES {
        let mask = class.mask();
        let comps = components
            .entry(mask.0)
            .or_insert_with(|| sub.cyclic_components(mask));
        let mut left = budget;
        let mut incomplete = false;
        for comp in comps.iter() {
            let (found, exhausted) = search.shortest(&sub, comp, class, &mut left);
            incomplete |= exhausted;
            if let Some(steps) = found {
                let mut steps: Vec<(usize, usize, EdgeKind)> = steps
                    .into_iter()
                    .map(|(a, b, k)| (nodes[a as usize] as usize, nodes[b as usize] as usize, k))
                    .collect();
                if let Some(start) = (0..steps.len()).min_by_key(|&i| steps[i].0) {
                    steps.rotate_left(start);
                }
                out.cycles.push(FoundCycle {
                    kind: class.kind(),
                    steps,
                });
            }
            if left == 0 {
                incomplete = true;
                break;
            }
        }
        if incomplete {
            out.incomplete.push(class.kind());
        }
    }
    out
}

/// Arcs between local node numbers, each with the kind it is used as.
type LocalPath = Vec<(u32, u32, EdgeKind)>;

/// True if no node is entered twice.
fn is_simple(arcs: &[(u32, u32, EdgeKind)]) -> bool {
    let mut entered: Vec<u32> = arcs.iter().map(|a| a.1).collect();
    entered.sort_unstable();
    entered.windows(2).all(|w| w[0] != w[1])
}

/// Reusable breadth-first search state over (node, path state) pairs.
struct Bfs {
    /// Component membership of the current search, by stamp.
    member: Vec<u32>,
    /// Visited (node, state), by stamp.
    seen: Vec<u32>,
    /// Predecessor of (node, state): (node, state index, kind bit).
    parent: Vec<(u32, u8, u8)>,
    stamp: u32,
    comp_stamp: u32,
    queue: VecDeque<(u32, State, u32)>,
}

impl Bfs {
    fn new(n: usize) -> Bfs {
        Bfs {
            member: vec![0; n],
            seen: vec![0; n * STATES],
            parent: vec![(0, 0, 0); n * STATES],
            stamp: 0,
            comp_stamp: 0,
            queue: VecDeque::new(),
        }
    }

    /// The shortest cycle of `class` within component `comp`, as local arcs;
    /// the flag says the budget ran out first.
    fn shortest(
        &mut self,
        g: &DepGraph,
        comp: &[u32],
        class: Class,
        left: &mut u64,
    ) -> (Option<LocalPath>, bool) {
        self.comp_stamp += 1;
        for &v in comp {
            self.member[v as usize] = self.comp_stamp;
        }
        let mask = class.mask();
        let closing = class.closing();
        let mut best: Option<LocalPath> = None;
        for &u in comp {
            for (v, kinds) in g.out(u) {
                if self.member[v as usize] != self.comp_stamp || !kinds.has(closing) {
                    continue;
                }
                // A cycle is at least two arcs long: nothing beats that.
                if best.as_ref().is_some_and(|b| b.len() <= 2) {
                    return (best, false);
                }
                let limit = best.as_ref().map_or(usize::MAX, |b| b.len());
                let Some(start) = class.step(State::default(), closing) else {
                    continue;
                };
                match self.path(g, v, u, start, class, mask, limit, left) {
                    Ok(Some(mut path)) => {
                        path.insert(0, (u, v, closing));
                        best = Some(path);
                    }
                    Ok(None) => {}
                    Err(()) => return (best, true),
                }
            }
        }
        (best, false)
    }

    /// Shortest path `from` → `to` whose total with `start` is accepted by
    /// the class and that makes a cycle shorter than `limit` arcs;
    /// `Err` when the budget ran out.
    #[allow(clippy::too_many_arguments)]
    fn path(
        &mut self,
        g: &DepGraph,
        from: u32,
        to: u32,
        start: State,
        class: Class,
        mask: Kinds,
        limit: usize,
        left: &mut u64,
    ) -> Result<Option<LocalPath>, ()> {
        self.stamp += 1;
        self.queue.clear();
        let idx = |v: u32, s: State| v as usize * STATES + s.index();
        self.seen[idx(from, start)] = self.stamp;
        self.queue.push_back((from, start, 0));
        while let Some((v, s, depth)) = self.queue.pop_front() {
            if v == to {
                // A walk through a node twice is not a cycle of its class
                // (it may be two cycles of others), so only simple ones count.
                if class.accepts(s) {
                    let arcs = self.unwind(from, to, start, s);
                    if is_simple(&arcs) {
                        return Ok(Some(arcs));
                    }
                }
                continue;
            }
            // The path so far plus the closing arc is depth + 1 arcs; one more
            // arc must still leave the cycle shorter than the best.
            if depth as usize + 2 >= limit {
                continue;
            }
            for (w, kinds) in g.out(v) {
                if self.member[w as usize] != self.comp_stamp || w == from {
                    continue;
                }
                for k in kinds.and(mask).iter() {
                    if *left == 0 {
                        return Err(());
                    }
                    *left -= 1;
                    let Some(t) = class.step(s, k) else {
                        continue;
                    };
                    let i = idx(w, t);
                    if self.seen[i] == self.stamp {
                        continue;
                    }
                    self.seen[i] = self.stamp;
                    self.parent[i] = (v, s.index() as u8, k.bit());
                    self.queue.push_back((w, t, depth + 1));
                }
            }
        }
        Ok(None)
    }

    /// The arcs from `from` to (`to`, `end`) by the parent links.
    fn unwind(&self, from: u32, to: u32, start: State, end: State) -> LocalPath {
        let mut arcs = Vec::new();
        let (mut v, mut s) = (to, end.index());
        // Each link goes one step back along a shortest path, so this ends
        // within the number of (node, state) pairs.
        for _ in 0..self.seen.len() {
            if v == from && s == start.index() {
                break;
            }
            let (p, ps, bit) = self.parent[v as usize * STATES + s];
            let kind = EdgeKind::ALL
                .into_iter()
                .find(|k| k.bit() == bit)
                .unwrap_or(EdgeKind::Ww);
            arcs.push((p, v, kind));
            v = p;
            s = ps as usize;
        }
        arcs.reverse();
        arcs
    }
}
