//! The search's memory of configurations already explored, with subsumption
//! over crashed operations.
//!
//! A configuration is the set of completed operations linearized, the model
//! state, and how many of each group of equal crashed operations were used.
//! Crashed operations are optional: one may take effect at any time after
//! its call, or never. So a configuration that used, group by group, no more
//! crashed operations than another with the same completed set and state can
//! do everything the other can (the members it has left were called no later
//! than the other's, and equal members act alike): once it has been seen, the
//! other need not be explored. Per (completed set, state) the memo keeps only
//! the minimal vectors of used counts (an antichain), which is what keeps
//! crashed writes from multiplying the search space by every subset of them.

use rustc_hash::{FxHashMap, FxHashSet};
use std::hash::Hash;
use std::mem::size_of;

/// Used counts per crashed-op group: (group, count) pairs sorted by group,
/// groups with a count of zero left out.
pub(crate) type Used = Box<[(u32, u32)]>;

pub(crate) struct Memo<S> {
    /// Configurations that used no crashed operation: they subsume every
    /// other with their key, so they need no antichain. Kept apart because
    /// they are all there is in histories without crashed operations, and a
    /// chain would cost each of them an allocation of its own (allocating
    /// and freeing dominated the search's time on the kv corpus).
    bare: FxHashSet<(Box<[u32]>, S)>,
    /// The rest: per key, the minimal used counts; never a key of `bare`.
    seen: FxHashMap<(Box<[u32]>, S), Vec<Used>>,
    /// An estimate of the heap the memo holds, in bytes.
    bytes: usize,
}

/// Heap per hash-map entry beyond its key's and vectors' own allocations:
/// the table slot (key, value, control byte) at the map's usual load.
fn entry_overhead<S>() -> usize {
    (size_of::<(Box<[u32]>, S)>() + size_of::<Vec<Used>>() + 1) * 8 / 7
}

/// The same for an entry of the set of configurations without crashed operations.
fn bare_overhead<S>() -> usize {
    (size_of::<(Box<[u32]>, S)>() + 1) * 8 / 7
}

fn chain_bytes(chain: &[Used]) -> usize {
    chain
        .iter()
        .map(|u| u.len() * size_of::<(u32, u32)>() + size_of::<Used>())
        .sum()
}

impl<S: Hash + Eq + Clone> Memo<S> {
    pub fn new() -> Self {
        Memo {
            bare: FxHashSet::default(),
            seen: FxHashMap::default(),
            bytes: 0,
        }
    }

    /// Records the configuration; false if it (or one that subsumes it) was seen before.
    pub fn insert(&mut self, completed: Box<[u32]>, state: S, used: Used) -> bool {
        let key_bytes = completed.len() * size_of::<u32>();
        let key = (completed, state);
        if used.is_empty() {
            // It subsumes whatever else was kept under its key.
            if !self.seen.is_empty()
                && let Some(chain) = self.seen.remove(&key)
            {
                self.bytes = self.bytes.saturating_sub(
                    entry_overhead::<S>()
                        + key_bytes
                        + chain_bytes(&chain)
                        + (chain.capacity() - chain.len()) * size_of::<Used>(),
                );
            }
            let fresh = self.bare.insert(key);
            if fresh {
                self.bytes += bare_overhead::<S>() + key_bytes;
            }
            return fresh;
        }
        if !self.bare.is_empty() && self.bare.contains(&key) {
            return false;
        }
        let used_bytes = used.len() * size_of::<(u32, u32)>() + size_of::<Used>();
        match self.seen.entry(key) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(vec![used]);
                self.bytes += entry_overhead::<S>() + key_bytes + used_bytes;
                true
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let chain = o.get_mut();
                if chain.iter().any(|old| at_most(old, &used)) {
                    return false;
                }
                let before = chain.len();
                let mut freed = 0;
                chain.retain(|old| {
                    let keep = !at_most(&used, old);
                    if !keep {
                        freed += old.len() * size_of::<(u32, u32)>() + size_of::<Used>();
                    }
                    keep
                });
                let grew = chain.capacity();
                chain.push(used);
                self.bytes =
                    self.bytes + used_bytes - freed + (chain.capacity() - grew) * size_of::<Used>();
                debug_assert!(chain.len() <= before + 1);
                true
            }
        }
    }

    /// An estimate of the heap the memo holds, in bytes.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// True if exactly this configuration is kept (it was recorded and
    /// nothing that subsumes it came later).
    pub fn holds(&self, completed: &[u32], state: &S, used: &[(u32, u32)]) -> bool {
        // Looking up by borrowed parts would need a custom key type; the
        // clone of a short key is cheap next to expanding a configuration.
        let key = (completed.into(), state.clone());
        if used.is_empty() {
            return self.bare.contains(&key);
        }
        self.seen
            .get(&key)
            .is_some_and(|chain| chain.iter().any(|u| &**u == used))
    }

    /// True if nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.bare.is_empty() && self.seen.is_empty()
    }

    /// Every configuration kept (the minimal ones), in no particular order.
    pub fn into_configs(self) -> impl Iterator<Item = (Box<[u32]>, S, Used)> {
        let bare = self.bare.into_iter().map(|(k, s)| (k, s, Used::default()));
        let chains = self
            .seen
            .into_iter()
            .flat_map(|((k, s), chain)| chain.into_iter().map(move |u| (k.clone(), s.clone(), u)));
        bare.chain(chains)
    }
}

/// True if `a` uses no more than `b` of every group.
fn at_most(a: &[(u32, u32)], b: &[(u32, u32)]) -> bool {
    let mut j = 0;
    for &(g, n) in a {
        while j < b.len() && b[j].0 < g {
            j += 1;
        }
        if j == b.len() || b[j].0 != g || b[j].1 < n {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn used(pairs: &[(u32, u32)]) -> Used {
        pairs.to_vec().into_boxed_slice()
    }

    #[test]
    fn fewer_crashed_operations_subsume_more() {
        let mut m: Memo<u8> = Memo::new();
        let key = || vec![0u32, 1].into_boxed_slice();
        assert!(m.insert(key(), 0, used(&[(1, 2)])));
        // More of group 1, or another group besides: subsumed.
        assert!(!m.insert(key(), 0, used(&[(1, 3)])));
        assert!(!m.insert(key(), 0, used(&[(0, 1), (1, 2)])));
        // Incomparable: kept beside it.
        assert!(m.insert(key(), 0, used(&[(0, 1)])));
        // Another state is another configuration.
        assert!(m.insert(key(), 1, used(&[(1, 3)])));
        // None used subsumes everything, and replaces what it subsumes.
        assert!(m.insert(key(), 0, used(&[])));
        assert!(!m.insert(key(), 0, used(&[(0, 1)])));
        assert!(!m.insert(key(), 0, used(&[])));
        assert!(!m.seen.contains_key(&(key(), 0)));
        assert!(m.holds(&key(), &0, &[]));
        assert!(!m.holds(&key(), &0, &[(1, 2)]));
        // The other state's chain is untouched, and every kept one comes out once.
        assert!(m.holds(&key(), &1, &[(1, 3)]));
        let mut all: Vec<(u8, Used)> = m.into_configs().map(|(_, s, u)| (s, u)).collect();
        all.sort();
        assert_eq!(all, vec![(0, used(&[])), (1, used(&[(1, 3)]))]);
    }

    #[test]
    fn bytes_go_back_when_a_bare_configuration_replaces_a_chain() {
        let mut m: Memo<u8> = Memo::new();
        let key = || vec![7u32].into_boxed_slice();
        assert!(m.insert(key(), 0, used(&[(0, 1)])));
        assert!(m.insert(key(), 0, used(&[(1, 1)])));
        let with_chain = m.bytes();
        assert!(m.insert(key(), 0, used(&[])));
        assert!(m.bytes() < with_chain, "{} !< {with_chain}", m.bytes());
        assert!(m.bytes() > 0);
    }

    #[test]
    fn at_most_compares_group_by_group() {
        assert!(at_most(&[], &[(3, 1)]));
        assert!(at_most(&[(3, 1)], &[(1, 1), (3, 2)]));
        assert!(!at_most(&[(3, 1)], &[(1, 1)]));
        assert!(!at_most(&[(2, 1)], &[(1, 1), (3, 1)]));
        assert!(!at_most(&[(1, 2)], &[(1, 1)]));
    }
}
