//! Partition topologies and the directed links each one cuts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::NemesisError;

/// A directed peer link: traffic that `from` initiates towards `to`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Link {
    /// The node that opens connections.
    pub from: String,
    /// The node it connects to.
    pub to: String,
}

impl Link {
    /// A link from `from` to `to`.
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Self {
        Link {
            from: from.into(),
            to: to.into(),
        }
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}->{}", self.from, self.to)
    }
}

/// The shapes of network partition the partition nemesis can create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TopologyKind {
    /// First ceil(n/2) nodes (in node order) against the rest.
    Halves,
    /// Like `Halves` after a seeded shuffle.
    RandomHalves,
    /// One random node against the rest.
    IsolateOne,
    /// The current leader against the rest (a random node if no leader is known).
    IsolateLeader,
    /// Nodes on a shuffled ring, each seeing only its nearest neighbours: every
    /// node sees a majority but (for 4+ nodes) no two see the same one.
    MajoritiesRing,
    /// Two halves joined only through one bridge node that sees both.
    Bridge,
}

impl TopologyKind {
    /// Every topology, in a fixed order (the order the random choice uses).
    pub const ALL: [TopologyKind; 6] = [
        TopologyKind::Halves,
        TopologyKind::RandomHalves,
        TopologyKind::IsolateOne,
        TopologyKind::IsolateLeader,
        TopologyKind::MajoritiesRing,
        TopologyKind::Bridge,
    ];

    /// The topologies a partition draws from by default on `n` nodes: each
    /// one a different shape there. `halves` is `random-halves` with a fixed
    /// order, so only the random one is drawn; on 3 or fewer nodes both are
    /// `isolate-one` (2 | 1), `majorities-ring` needs 4 nodes to cut
    /// anything and `bridge` 3.
    pub fn searching(n: usize) -> Vec<TopologyKind> {
        let mut kinds = Vec::new();
        if n >= 4 {
            kinds.push(TopologyKind::RandomHalves);
        }
        kinds.extend([TopologyKind::IsolateOne, TopologyKind::IsolateLeader]);
        if n >= 4 {
            kinds.push(TopologyKind::MajoritiesRing);
        }
        if n >= 3 {
            kinds.push(TopologyKind::Bridge);
        }
        kinds
    }

    /// The kebab-case name used in configs and the history.
    pub fn as_str(self) -> &'static str {
        match self {
            TopologyKind::Halves => "halves",
            TopologyKind::RandomHalves => "random-halves",
            TopologyKind::IsolateOne => "isolate-one",
            TopologyKind::IsolateLeader => "isolate-leader",
            TopologyKind::MajoritiesRing => "majorities-ring",
            TopologyKind::Bridge => "bridge",
        }
    }
}

impl fmt::Display for TopologyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TopologyKind {
    type Err = NemesisError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TopologyKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| NemesisError::Parse {
                input: s.to_string(),
                reason: "expected one of halves, random-halves, isolate-one, isolate-leader, majorities-ring, bridge".into(),
            })
    }
}

/// A concrete partition: what to record and which directed links to cut.
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    /// The topology it was drawn from.
    pub kind: TopologyKind,
    /// What the history records as the value of `start-partition`.
    pub description: Value,
    /// Every directed link to cut (always symmetric: a→b cut iff b→a cut).
    pub cuts: BTreeSet<Link>,
}

/// All links between nodes of different groups, in both directions.
pub fn cuts_between(groups: &[Vec<String>]) -> BTreeSet<Link> {
    let mut cuts = BTreeSet::new();
    for (i, left) in groups.iter().enumerate() {
        for (j, right) in groups.iter().enumerate() {
            if i == j {
                continue;
            }
            for a in left {
                for b in right {
                    if a != b {
                        cuts.insert(Link::new(a.clone(), b.clone()));
                    }
                }
            }
        }
    }
    cuts
}

/// Draws a partition of `nodes` of the given kind; `leader` is only used by `IsolateLeader`.
pub fn plan_partition(
    kind: TopologyKind,
    nodes: &[String],
    leader: Option<&str>,
    rng: &mut ChaCha8Rng,
) -> Result<Partition, NemesisError> {
    if nodes.len() < 2 {
        return Err(NemesisError::TooFewNodes(format!(
            "a {kind} partition needs at least 2 nodes, got {}",
            nodes.len()
        )));
    }
    let groups_partition = |groups: Vec<Vec<String>>, extra: Value| {
        let mut description = json!({"kind": kind.as_str(), "groups": groups});
        if let (Some(obj), Value::Object(more)) = (description.as_object_mut(), extra) {
            obj.extend(more);
        }
        Partition {
            kind,
            cuts: cuts_between(&groups),
            description,
        }
    };
    match kind {
        TopologyKind::Halves => Ok(groups_partition(halves(nodes.to_vec()), json!({}))),
        TopologyKind::RandomHalves => {
            let mut shuffled = nodes.to_vec();
            shuffled.shuffle(rng);
            Ok(groups_partition(halves(shuffled), json!({})))
        }
        TopologyKind::IsolateOne => {
            let lone = pick(nodes, rng);
            Ok(groups_partition(isolate(nodes, &lone), json!({})))
        }
        TopologyKind::IsolateLeader => {
            // Without a known leader a random node is isolated, and the history says so.
            let (lone, known) = match leader.filter(|l| nodes.iter().any(|n| n == l)) {
                Some(l) => (l.to_string(), true),
                None => (pick(nodes, rng), false),
            };
            Ok(groups_partition(
                isolate(nodes, &lone),
                json!({"leader": if known { Value::String(lone.clone()) } else { Value::Null }}),
            ))
        }
        TopologyKind::MajoritiesRing => Ok(majorities_ring(nodes, rng)),
        TopologyKind::Bridge => {
            if nodes.len() < 3 {
                return Err(NemesisError::TooFewNodes(format!(
                    "a bridge partition needs at least 3 nodes, got {}",
                    nodes.len()
                )));
            }
            let mut shuffled = nodes.to_vec();
            shuffled.shuffle(rng);
            let mid = shuffled.len() / 2;
            let bridge = shuffled[mid].clone();
            let left = shuffled[..mid].to_vec();
            let right = shuffled[mid + 1..].to_vec();
            let cuts = cuts_between(&[left.clone(), right.clone()]);
            let mut left_side = left;
            left_side.push(bridge.clone());
            let mut right_side = vec![bridge.clone()];
            right_side.extend(right);
            Ok(Partition {
                kind,
                description: json!({"kind": kind.as_str(), "groups": [left_side, right_side], "bridge": bridge}),
                cuts,
            })
        }
    }
}

fn pick(nodes: &[String], rng: &mut ChaCha8Rng) -> String {
    // nodes is non-empty: plan_partition checked len >= 2.
    nodes.choose(rng).cloned().unwrap_or_default()
}

fn halves(nodes: Vec<String>) -> Vec<Vec<String>> {
    let split = nodes.len().div_ceil(2);
    let (a, b) = nodes.split_at(split);
    vec![a.to_vec(), b.to_vec()]
}

fn isolate(nodes: &[String], lone: &str) -> Vec<Vec<String>> {
    let rest = nodes.iter().filter(|n| *n != lone).cloned().collect();
    vec![vec![lone.to_string()], rest]
}

/// Each node sees the nodes within ring distance `d`, where `2d + 1` is the
/// smallest odd view that is a majority. Views are symmetric, so cuts are too.
/// With 3 nodes every view is the whole cluster and nothing is cut.
fn majorities_ring(nodes: &[String], rng: &mut ChaCha8Rng) -> Partition {
    let mut ring = nodes.to_vec();
    ring.shuffle(rng);
    let n = ring.len();
    let majority = n / 2 + 1;
    let reach = (majority - 1).div_ceil(2);
    let mut views: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut cuts = BTreeSet::new();
    for (i, a) in ring.iter().enumerate() {
        let mut view = Vec::new();
        for (j, b) in ring.iter().enumerate() {
            let gap = i.abs_diff(j);
            let distance = gap.min(n - gap);
            if distance <= reach {
                view.push(b.clone());
            } else {
                cuts.insert(Link::new(a.clone(), b.clone()));
            }
        }
        view.sort();
        views.insert(a.clone(), view);
    }
    Partition {
        kind: TopologyKind::MajoritiesRing,
        description: json!({"kind": "majorities-ring", "ring": ring, "views": views}),
        cuts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn nodes(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("n{i}")).collect()
    }

    fn symmetric(cuts: &BTreeSet<Link>) -> bool {
        cuts.iter()
            .all(|l| cuts.contains(&Link::new(l.to.clone(), l.from.clone())))
    }

    fn connected(cuts: &BTreeSet<Link>, a: &str, b: &str) -> bool {
        !cuts.contains(&Link::new(a, b))
    }

    #[test]
    fn halves_of_three_cut_n3_from_n1_n2() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let p = plan_partition(TopologyKind::Halves, &nodes(3), None, &mut rng).unwrap();
        let expected: BTreeSet<Link> = [
            Link::new("n1", "n3"),
            Link::new("n3", "n1"),
            Link::new("n2", "n3"),
            Link::new("n3", "n2"),
        ]
        .into_iter()
        .collect();
        assert_eq!(p.cuts, expected);
        assert_eq!(
            p.description,
            json!({"kind":"halves","groups":[["n1","n2"],["n3"]]})
        );
    }

    #[test]
    fn every_topology_is_symmetric_and_never_cuts_self_links() {
        for n in 3..=7 {
            for kind in TopologyKind::ALL {
                let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
                let p = plan_partition(kind, &nodes(n), Some("n2"), &mut rng).unwrap();
                assert!(symmetric(&p.cuts), "{kind} on {n} nodes: {:?}", p.cuts);
                assert!(p.cuts.iter().all(|l| l.from != l.to));
            }
        }
    }

    #[test]
    fn isolate_leader_cuts_exactly_the_leader() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let p =
            plan_partition(TopologyKind::IsolateLeader, &nodes(5), Some("n4"), &mut rng).unwrap();
        assert_eq!(p.cuts.len(), 8);
        assert!(p.cuts.iter().all(|l| l.from == "n4" || l.to == "n4"));
        assert_eq!(p.description["leader"], json!("n4"));
    }

    #[test]
    fn isolate_leader_without_leader_says_so() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let p = plan_partition(TopologyKind::IsolateLeader, &nodes(3), None, &mut rng).unwrap();
        assert_eq!(p.cuts.len(), 4);
        assert_eq!(p.description["leader"], Value::Null);
    }

    #[test]
    fn majorities_ring_of_five_gives_distinct_majority_views() {
        let all = nodes(5);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let p = plan_partition(TopologyKind::MajoritiesRing, &all, None, &mut rng).unwrap();
        let mut seen = BTreeSet::new();
        for a in &all {
            let view: BTreeSet<&String> = all.iter().filter(|b| connected(&p.cuts, a, b)).collect();
            assert_eq!(view.len(), 3, "{a} should see exactly a majority");
            assert!(seen.insert(view), "two nodes share a majority view");
        }
    }

    #[test]
    fn majorities_ring_of_three_cuts_nothing() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let p = plan_partition(TopologyKind::MajoritiesRing, &nodes(3), None, &mut rng).unwrap();
        assert!(p.cuts.is_empty());
    }

    #[test]
    fn bridge_node_sees_everyone_and_sides_do_not_see_each_other() {
        let all = nodes(5);
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let p = plan_partition(TopologyKind::Bridge, &all, None, &mut rng).unwrap();
        let bridge = p.description["bridge"].as_str().unwrap().to_string();
        assert!(all.iter().all(|b| connected(&p.cuts, &bridge, b)));
        // 2 x 2 nodes on the sides, both directions.
        assert_eq!(p.cuts.len(), 8);
    }

    #[test]
    fn random_halves_depend_only_on_the_seed() {
        let draw = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..5)
                .map(|_| {
                    plan_partition(TopologyKind::RandomHalves, &nodes(5), None, &mut rng)
                        .unwrap()
                        .cuts
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(42), draw(42));
        assert_ne!(draw(42), draw(43));
    }

    #[test]
    fn too_few_nodes_is_an_error() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        assert!(plan_partition(TopologyKind::Halves, &nodes(1), None, &mut rng).is_err());
        assert!(plan_partition(TopologyKind::Bridge, &nodes(2), None, &mut rng).is_err());
    }

    #[test]
    fn default_topologies_differ_in_shape() {
        use TopologyKind::*;
        assert_eq!(TopologyKind::searching(2), [IsolateOne, IsolateLeader]);
        assert_eq!(
            TopologyKind::searching(3),
            [IsolateOne, IsolateLeader, Bridge]
        );
        assert_eq!(
            TopologyKind::searching(5),
            [
                RandomHalves,
                IsolateOne,
                IsolateLeader,
                MajoritiesRing,
                Bridge
            ]
        );
        // Every default topology cuts something.
        for n in 2..=7 {
            for kind in TopologyKind::searching(n) {
                let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
                let p = plan_partition(kind, &nodes(n), None, &mut rng).unwrap();
                assert!(!p.cuts.is_empty(), "{kind} on {n} nodes cuts nothing");
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for k in TopologyKind::ALL {
            assert_eq!(k.as_str().parse::<TopologyKind>().unwrap(), k);
        }
        assert!("triangle".parse::<TopologyKind>().is_err());
    }
}
