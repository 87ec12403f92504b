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

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
use std::hash::{BuildHasher, Hash};
use std::mem::size_of;

/// Used counts per crashed-op group: (group, count) pairs sorted by group,
/// groups with a count of zero left out.
pub(crate) type Used = Box<[(u32, u32)]>;

/// A configuration's key: its completed set (a slice of the arena) and state.
struct Key<S> {
    at: usize,
    len: u32,
    state: S,
}

pub(crate) struct Memo<S> {
    /// The completed sets of all keys, one after another. A search looks up
    /// far more configurations than it keeps: holding the sets here lets a
    /// lookup hash and compare the caller's slice without allocating, and
    /// frees them all at once (allocating and freeing a box per
    /// configuration was a third of the search's time on the kv corpus).
    arena: Vec<u32>,
    /// Configurations that used no crashed operation: they subsume every
    /// other with their key, so they need no antichain. Kept apart because
    /// they are all there is in histories without crashed operations.
    bare: HashTable<Key<S>>,
    /// The rest: per key, the minimal used counts; never a key of `bare`.
    seen: HashTable<(Key<S>, Vec<Used>)>,
    /// An estimate of the heap the memo holds, in bytes.
    bytes: usize,
}

/// Heap per table slot (value and control byte) at the tables' usual load.
fn slot_bytes<T>() -> usize {
    (size_of::<T>() + 1) * 8 / 7
}

fn chain_bytes(chain: &[Used]) -> usize {
    chain
        .iter()
        .map(|u| u.len() * size_of::<(u32, u32)>() + size_of::<Used>())
        .sum()
}

fn hash_of<S: Hash>(completed: &[u32], state: &S) -> u64 {
    FxBuildHasher.hash_one((completed, state))
}

impl<S: Hash + Eq + Clone> Memo<S> {
    pub fn new() -> Self {
        Memo {
            arena: Vec::new(),
            bare: HashTable::new(),
            seen: HashTable::new(),
            bytes: 0,
        }
    }

    fn slice<'a>(arena: &'a [u32], k: &Key<S>) -> &'a [u32] {
        &arena[k.at..k.at + k.len as usize]
    }

    /// Copies `completed` into the arena; the key naming it.
    fn keep(&mut self, completed: &[u32], state: S) -> Key<S> {
        let at = self.arena.len();
        let grew = self.arena.capacity();
        self.arena.extend_from_slice(completed);
        self.bytes += (self.arena.capacity() - grew) * size_of::<u32>();
        Key {
            at,
            len: completed.len() as u32,
            state,
        }
    }

    /// Records the configuration; false if it (or one that subsumes it) was seen before.
    pub fn insert(&mut self, completed: &[u32], state: S, used: Used) -> bool {
        let hash = hash_of(completed, &state);
        let Memo {
            arena, bare, seen, ..
        } = self;
        let same = |k: &Key<S>| k.state == state && Self::slice(arena, k) == completed;
        if used.is_empty() {
            if bare.find(hash, same).is_some() {
                return false;
            }
            // It subsumes whatever else was kept under its key, and takes
            // over its place in the arena.
            let key = match seen.find_entry(hash, |(k, _)| same(k)) {
                Ok(o) => {
                    let ((key, chain), _) = o.remove();
                    self.bytes = self.bytes.saturating_sub(
                        slot_bytes::<(Key<S>, Vec<Used>)>()
                            + chain_bytes(&chain)
                            + (chain.capacity() - chain.len()) * size_of::<Used>(),
                    );
                    key
                }
                Err(_) => self.keep(completed, state),
            };
            let arena = &self.arena;
            self.bare
                .insert_unique(hash, key, |k| hash_of(Self::slice(arena, k), &k.state));
            self.bytes += slot_bytes::<Key<S>>();
            return true;
        }
        if !bare.is_empty() && bare.find(hash, same).is_some() {
            return false;
        }
        let used_bytes = used.len() * size_of::<(u32, u32)>() + size_of::<Used>();
        if let Some((_, chain)) = seen.find_mut(hash, |(k, _)| same(k)) {
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
            return true;
        }
        let key = self.keep(completed, state);
        let arena = &self.arena;
        self.seen.insert_unique(hash, (key, vec![used]), |(k, _)| {
            hash_of(Self::slice(arena, k), &k.state)
        });
        self.bytes += slot_bytes::<(Key<S>, Vec<Used>)>() + used_bytes;
        true
    }

    /// An estimate of the heap the memo holds, in bytes.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// True if exactly this configuration is kept (it was recorded and
    /// nothing that subsumes it came later).
    pub fn holds(&self, completed: &[u32], state: &S, used: &[(u32, u32)]) -> bool {
        let hash = hash_of(completed, state);
        let same = |k: &Key<S>| k.state == *state && Self::slice(&self.arena, k) == completed;
        if used.is_empty() {
            return self.bare.find(hash, same).is_some();
        }
        self.seen
            .find(hash, |(k, _)| same(k))
            .is_some_and(|(_, chain)| chain.iter().any(|u| &**u == used))
    }

    /// True if nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.bare.is_empty() && self.seen.is_empty()
    }

    /// Every configuration kept (the minimal ones), in no particular order.
    pub fn into_configs(self) -> Vec<(Box<[u32]>, S, Used)> {
        let Memo {
            arena, bare, seen, ..
        } = self;
        let set = |k: &Key<S>| -> Box<[u32]> { Self::slice(&arena, k).into() };
        let mut configs: Vec<(Box<[u32]>, S, Used)> = bare
            .into_iter()
            .map(|k| (set(&k), k.state, Used::default()))
            .collect();
        for (k, chain) in seen {
            let lin = set(&k);
            configs.extend(chain.into_iter().map(|u| (lin.clone(), k.state.clone(), u)));
        }
        configs
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
        let key = || vec![0u32, 1];
        assert!(m.insert(&key(), 0, used(&[(1, 2)])));
        // More of group 1, or another group besides: subsumed.
        assert!(!m.insert(&key(), 0, used(&[(1, 3)])));
        assert!(!m.insert(&key(), 0, used(&[(0, 1), (1, 2)])));
        // Incomparable: kept beside it.
        assert!(m.insert(&key(), 0, used(&[(0, 1)])));
        // Another state is another configuration.
        assert!(m.insert(&key(), 1, used(&[(1, 3)])));
        // None used subsumes everything, and replaces what it subsumes.
        assert!(m.insert(&key(), 0, used(&[])));
        assert!(!m.insert(&key(), 0, used(&[(0, 1)])));
        assert!(!m.insert(&key(), 0, used(&[])));
        assert!(!m.holds(&key(), &0, &[(0, 1)]));
        assert!(m.holds(&key(), &0, &[]));
        assert!(!m.holds(&key(), &0, &[(1, 2)]));
        // The other state's chain is untouched, and every kept one comes out once.
        assert!(m.holds(&key(), &1, &[(1, 3)]));
        let mut all: Vec<(u8, Used)> = m
            .into_configs()
            .into_iter()
            .map(|(_, s, u)| (s, u))
            .collect();
        all.sort();
        assert_eq!(all, vec![(0, used(&[])), (1, used(&[(1, 3)]))]);
    }

    #[test]
    fn bytes_go_back_when_a_bare_configuration_replaces_a_chain() {
        let mut m: Memo<u8> = Memo::new();
        let key = || vec![7u32];
        assert!(m.insert(&key(), 0, used(&[(0, 1)])));
        assert!(m.insert(&key(), 0, used(&[(1, 1)])));
        let with_chain = m.bytes();
        assert!(m.insert(&key(), 0, used(&[])));
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
