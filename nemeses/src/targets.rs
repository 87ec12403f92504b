//! Which nodes a process fault (kill, pause) hits.

use std::fmt;
use std::str::FromStr;

use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;

use crate::error::NemesisError;

/// A rule for choosing the victims of one process fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetSelection {
    /// One node chosen at random.
    One,
    /// The current leader (one random node if no leader is known).
    Leader,
    /// A random minority: floor((n-1)/2) nodes, at least one.
    Minority,
    /// A random majority: floor(n/2)+1 nodes, so the cluster loses its
    /// quorum, and the nodes that come back hold less than the survivors.
    Majority,
    /// Every node at once: a crash of the whole cluster, what durable storage is for.
    All,
}

impl TargetSelection {
    /// Every selection rule.
    pub const ALL: [TargetSelection; 5] = [
        TargetSelection::One,
        TargetSelection::Leader,
        TargetSelection::Minority,
        TargetSelection::Majority,
        TargetSelection::All,
    ];

    /// The rules a kill draws from by default: all of them, since only a
    /// crash of every node (or of a majority, whose nodes then outvote the
    /// survivors) shows whether acknowledged writes were durable.
    pub const KILL_DEFAULT: [TargetSelection; 5] = TargetSelection::ALL;

    /// The rules a pause draws from by default: freezing every node only
    /// stops the clock for everyone, so it is left out.
    pub const PAUSE_DEFAULT: [TargetSelection; 4] = [
        TargetSelection::One,
        TargetSelection::Leader,
        TargetSelection::Minority,
        TargetSelection::Majority,
    ];

    /// The name used in configs and the history.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetSelection::One => "one",
            TargetSelection::Leader => "leader",
            TargetSelection::Minority => "minority",
            TargetSelection::Majority => "majority",
            TargetSelection::All => "all",
        }
    }

    /// How many of `n` nodes the rule takes.
    pub fn size(self, n: usize) -> usize {
        let size = match self {
            TargetSelection::One | TargetSelection::Leader => 1,
            TargetSelection::Minority => (n.saturating_sub(1) / 2).max(1),
            TargetSelection::Majority => n / 2 + 1,
            TargetSelection::All => n,
        };
        size.min(n)
    }

    /// `rules` without those that, on `n` nodes, hit as many random nodes
    /// as another (a minority of 3 is one node, a majority of 2 is every
    /// node): a round then spends no fault on a repeat. Of two the same
    /// size, `one` and `all` stay (they say exactly what happens), and
    /// `leader` is a role, not a size, so it always stays.
    pub fn distinct_on(rules: &[TargetSelection], n: usize) -> Vec<TargetSelection> {
        use TargetSelection::*;
        // Lower is kept when two rules take the same number of nodes.
        let rank = |r: TargetSelection| match r {
            One => 0,
            All => 1,
            Minority => 2,
            Majority => 3,
            Leader => 4,
        };
        let mut kept: Vec<TargetSelection> = Vec::new();
        for &rule in rules {
            let repeat = rule != Leader
                && rules.iter().any(|&other| {
                    other != Leader && other.size(n) == rule.size(n) && rank(other) < rank(rule)
                });
            if !repeat && !kept.contains(&rule) {
                kept.push(rule);
            }
        }
        kept
    }
}

impl fmt::Display for TargetSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TargetSelection {
    type Err = NemesisError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TargetSelection::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| NemesisError::Parse {
                input: s.to_string(),
                reason: "expected one, leader, minority, majority or all".into(),
            })
    }
}

/// The victims under `selection`, in node order; empty only if `nodes` is empty.
pub fn select_targets(
    selection: TargetSelection,
    nodes: &[String],
    leader: Option<&str>,
    rng: &mut ChaCha8Rng,
) -> Vec<String> {
    match selection {
        TargetSelection::Leader => match leader.filter(|l| nodes.iter().any(|n| n == l)) {
            Some(l) => vec![l.to_string()],
            None => nodes.choose(rng).cloned().into_iter().collect(),
        },
        TargetSelection::One => nodes.choose(rng).cloned().into_iter().collect(),
        TargetSelection::Minority | TargetSelection::Majority => {
            let size = selection.size(nodes.len());
            let mut shuffled = nodes.to_vec();
            shuffled.shuffle(rng);
            shuffled.truncate(size);
            // Report victims in node order so histories read naturally.
            let mut chosen: Vec<String> = nodes
                .iter()
                .filter(|n| shuffled.contains(n))
                .cloned()
                .collect();
            chosen.dedup();
            chosen
        }
        TargetSelection::All => nodes.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn nodes(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("n{i}")).collect()
    }

    #[test]
    fn minority_sizes() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        assert_eq!(
            select_targets(TargetSelection::Minority, &nodes(3), None, &mut rng).len(),
            1
        );
        assert_eq!(
            select_targets(TargetSelection::Minority, &nodes(5), None, &mut rng).len(),
            2
        );
        assert_eq!(
            select_targets(TargetSelection::Minority, &nodes(1), None, &mut rng).len(),
            1
        );
    }

    #[test]
    fn majority_sizes() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for (n, want) in [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (7, 4)] {
            let got = select_targets(TargetSelection::Majority, &nodes(n), None, &mut rng);
            assert_eq!(got.len(), want, "{n} nodes: {got:?}");
        }
    }

    #[test]
    fn rounds_leave_out_rules_that_repeat_a_size() {
        use TargetSelection::*;
        assert_eq!(
            TargetSelection::distinct_on(&TargetSelection::KILL_DEFAULT, 3),
            [One, Leader, Majority, All]
        );
        assert_eq!(
            TargetSelection::distinct_on(&TargetSelection::KILL_DEFAULT, 5),
            [One, Leader, Minority, Majority, All]
        );
        assert_eq!(
            TargetSelection::distinct_on(&TargetSelection::KILL_DEFAULT, 2),
            [One, Leader, All]
        );
        assert_eq!(
            TargetSelection::distinct_on(&TargetSelection::KILL_DEFAULT, 1),
            [One, Leader]
        );
        assert_eq!(
            TargetSelection::distinct_on(&TargetSelection::PAUSE_DEFAULT, 3),
            [One, Leader, Majority]
        );
    }

    #[test]
    fn all_takes_every_node_and_parses() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        assert_eq!(
            select_targets(TargetSelection::All, &nodes(3), Some("n2"), &mut rng),
            nodes(3)
        );
        assert_eq!(
            "all".parse::<TargetSelection>().ok(),
            Some(TargetSelection::All)
        );
    }

    #[test]
    fn leader_is_chosen_when_known() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        assert_eq!(
            select_targets(TargetSelection::Leader, &nodes(3), Some("n3"), &mut rng),
            vec!["n3".to_string()]
        );
        assert_eq!(
            select_targets(TargetSelection::Leader, &nodes(3), None, &mut rng).len(),
            1
        );
    }
}
