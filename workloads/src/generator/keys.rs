//! Which key an operation acts on: a distribution over key slots plus a
//! per-key operation limit that moves a slot on to a fresh key.
//!
//! The limit keeps each key's history short enough for the linearizability
//! search; it is enforced per worker (each worker may issue `limit /
//! concurrency` operations on one key), which keeps generation independent
//! of other workers and therefore reproducible from the seed.

use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Exponent of the zipfian distribution: key slot `i` (from 1) has weight `1 / i^s`.
const ZIPF_EXPONENT: f64 = 1.0;

/// How key slots are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyDist {
    /// Every slot equally likely.
    #[default]
    Uniform,
    /// Slot `i` with probability proportional to `1 / i`: a few hot keys.
    Zipf,
}

/// A key distribution name that is not `uniform` or `zipf`.
#[derive(Debug, thiserror::Error)]
#[error("unknown key distribution `{0}` (expected uniform or zipf)")]
pub struct ParseKeyDistError(String);

impl FromStr for KeyDist {
    type Err = ParseKeyDistError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "uniform" => Ok(KeyDist::Uniform),
            "zipf" | "zipfian" => Ok(KeyDist::Zipf),
            other => Err(ParseKeyDistError(other.to_string())),
        }
    }
}

impl fmt::Display for KeyDist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyDist::Uniform => "uniform",
            KeyDist::Zipf => "zipf",
        })
    }
}

/// Picks keys for one worker.
#[derive(Debug, Clone)]
pub struct KeyPicker {
    dist: KeyDist,
    /// Cumulative weights for zipf (empty for uniform).
    cdf: Vec<f64>,
    slots: usize,
    /// Operations this worker may issue on one key before moving the slot on.
    per_worker_limit: Option<u64>,
    /// Operations issued per slot by this worker.
    used: Vec<u64>,
    /// Prepended to every key name (keeps runs against a persistent store apart).
    prefix: String,
}

impl KeyPicker {
    /// A picker over `slots` concurrently active keys; `per_key_limit` bounds the
    /// operations on one key across all `concurrency` workers (`None` = unbounded).
    pub fn new(
        dist: KeyDist,
        slots: usize,
        per_key_limit: Option<u64>,
        concurrency: usize,
    ) -> KeyPicker {
        let slots = slots.max(1);
        let cdf = match dist {
            KeyDist::Uniform => Vec::new(),
            KeyDist::Zipf => {
                let mut acc = 0.0;
                (1..=slots)
                    .map(|i| {
                        acc += 1.0 / (i as f64).powf(ZIPF_EXPONENT);
                        acc
                    })
                    .collect()
            }
        };
        let per_worker_limit = per_key_limit.map(|l| l.div_ceil(concurrency.max(1) as u64).max(1));
        KeyPicker {
            dist,
            cdf,
            slots,
            per_worker_limit,
            used: vec![0; slots],
            prefix: String::new(),
        }
    }

    /// The same picker with `prefix` before every key name, e.g. `r1a2b-k0`.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> KeyPicker {
        self.prefix = prefix.into();
        self
    }

    /// Picks a slot from the distribution.
    pub fn pick_slot<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        match self.dist {
            KeyDist::Uniform => rng.random_range(0..self.slots),
            KeyDist::Zipf => {
                let total = self.cdf[self.slots - 1];
                let x = rng.random_range(0.0..total);
                self.cdf.partition_point(|c| *c <= x).min(self.slots - 1)
            }
        }
    }

    /// Picks the key for the next operation and counts it against the key's limit.
    pub fn next_key<R: Rng + ?Sized>(&mut self, rng: &mut R) -> String {
        let slot = self.pick_slot(rng);
        let generation = match self.per_worker_limit {
            Some(limit) => self.used[slot] / limit,
            None => 0,
        };
        self.used[slot] += 1;
        format!(
            "{}{}",
            self.prefix,
            key_name(slot + generation as usize * self.slots)
        )
    }

    /// Every key this worker has used so far (for final reads).
    pub fn keys_used(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for (slot, used) in self.used.iter().enumerate() {
            if *used == 0 {
                continue;
            }
            let generations = match self.per_worker_limit {
                Some(limit) => (used - 1) / limit + 1,
                None => 1,
            };
            for g in 0..generations {
                keys.push(format!(
                    "{}{}",
                    self.prefix,
                    key_name(slot + g as usize * self.slots)
                ));
            }
        }
        keys
    }
}

/// The name of key number `n`.
pub fn key_name(n: usize) -> String {
    format!("k{n}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use std::collections::HashMap;

    fn counts(dist: KeyDist, n: usize) -> HashMap<String, usize> {
        let mut p = KeyPicker::new(dist, 8, None, 1);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut c = HashMap::new();
        for _ in 0..n {
            *c.entry(p.next_key(&mut rng)).or_insert(0) += 1;
        }
        c
    }

    #[test]
    fn zipf_makes_the_first_key_hot() {
        let c = counts(KeyDist::Zipf, 20_000);
        // Harmonic weights over 8 slots: k0 gets 1/H(8) ~ 36.8 %, k7 ~ 4.6 %.
        let k0 = c["k0"] as f64 / 20_000.0;
        let k7 = c["k7"] as f64 / 20_000.0;
        assert!((k0 - 0.368).abs() < 0.02, "k0 share {k0}");
        assert!((k7 - 0.046).abs() < 0.01, "k7 share {k7}");
        assert!(c["k0"] > c["k1"] && c["k1"] > c["k3"]);
    }

    #[test]
    fn uniform_spreads_evenly() {
        let c = counts(KeyDist::Uniform, 16_000);
        assert_eq!(c.len(), 8);
        for (k, n) in &c {
            assert!((1600..2400).contains(n), "{k}: {n}");
        }
    }

    #[test]
    fn the_per_key_limit_moves_slots_to_fresh_keys() {
        // 2 slots, 10 ops per key over 2 workers: each worker 5 ops per key.
        let mut p = KeyPicker::new(KeyDist::Uniform, 2, Some(10), 2);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut c: HashMap<String, usize> = HashMap::new();
        for _ in 0..100 {
            *c.entry(p.next_key(&mut rng)).or_insert(0) += 1;
        }
        assert!(c.values().all(|n| *n <= 5), "{c:?}");
        assert!(c.len() >= 20, "{c:?}");
        let mut used = p.keys_used();
        used.sort();
        let mut seen: Vec<String> = c.keys().cloned().collect();
        seen.sort();
        assert_eq!(used, seen);
    }

    #[test]
    fn prefixes_apply_to_every_key() {
        let mut p = KeyPicker::new(KeyDist::Uniform, 2, None, 1).with_prefix("r7-");
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        assert!(p.next_key(&mut rng).starts_with("r7-k"));
        assert!(p.keys_used().iter().all(|k| k.starts_with("r7-k")));
    }

    #[test]
    fn parses_names() {
        assert_eq!("zipf".parse::<KeyDist>().unwrap(), KeyDist::Zipf);
        assert!("gauss".parse::<KeyDist>().is_err());
    }
}
