//! Which shard owns a key: a stable hash (FNV-1a, 64 bit) of the key's bytes
//! modulo the number of shards, the same in every process and every run.

/// The 0-based shard that owns `key` among `shards` (≥ 1).
pub fn shard_of(key: &str, shards: usize) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.as_bytes() {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash % shards.max(1) as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_spread() {
        assert_eq!(shard_of("k1", 2), shard_of("k1", 2));
        assert_eq!(shard_of("anything", 1), 0);
        let on_first = (0..100)
            .filter(|i| shard_of(&format!("acct{i}"), 2) == 0)
            .count();
        assert!((20..80).contains(&on_first), "{on_first} of 100 on shard 0");
    }
}
