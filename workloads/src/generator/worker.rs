//! One worker's reproducible stream of operations.

use super::keys::KeyPicker;
use crate::op::Op;
use crate::workload::bank::{self, Accounts};
use crate::workload::lock::{LockCycle, LockOptions};
use crate::workload::{UniqueValues, WorkloadKind, txn};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The seed of worker `worker`'s generator, derived from the test seed.
///
/// Mixing with an odd constant keeps neighbouring workers' streams unrelated.
pub fn worker_seed(seed: u64, worker: usize) -> u64 {
    seed ^ (worker as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Generates one worker's operations: key choice plus the workload's op mix.
///
/// Only the seed and the worker index determine the stream; responses of the
/// system under test never feed back into it.
#[derive(Debug, Clone)]
pub struct WorkerGenerator {
    rng: ChaCha8Rng,
    keys: KeyPicker,
    workload: WorkloadKind,
    values: UniqueValues,
    accounts: Accounts,
}

impl WorkerGenerator {
    /// The generator of worker `worker` (from 0) of `concurrency`.
    pub fn new(
        workload: WorkloadKind,
        keys: KeyPicker,
        seed: u64,
        worker: usize,
        concurrency: usize,
    ) -> WorkerGenerator {
        WorkerGenerator {
            rng: ChaCha8Rng::seed_from_u64(worker_seed(seed, worker)),
            keys,
            workload,
            values: UniqueValues::new(worker, concurrency),
            accounts: Accounts::default(),
        }
    }

    /// The same generator over these bank accounts (used by the bank workload only).
    pub fn with_accounts(mut self, accounts: Accounts) -> WorkerGenerator {
        self.accounts = accounts;
        self
    }

    /// The bank accounts it transfers between.
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// The next operation to invoke.
    pub fn next_op(&mut self) -> Op {
        if self.workload == WorkloadKind::Bank {
            return bank::next_op(&mut self.rng, &self.accounts);
        }
        if let Some(flavor) = self.workload.txn_flavor() {
            return txn::next_op(&mut self.rng, flavor, &mut self.keys, &mut self.values);
        }
        let key = self.keys.next_key(&mut self.rng);
        self.workload.next_op(&mut self.rng, key, &mut self.values)
    }

    /// The next cycle of the lock workload.
    pub fn next_lock_cycle(&mut self, opts: &LockOptions) -> LockCycle {
        let key = self.keys.next_key(&mut self.rng);
        LockCycle::draw(&mut self.rng, key, &mut self.values, opts)
    }

    /// Every key this worker has generated an operation for.
    pub fn keys_used(&self) -> Vec<String> {
        self.keys.keys_used()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::KeyDist;

    fn ops(seed: u64, worker: usize) -> Vec<Op> {
        let keys = KeyPicker::new(KeyDist::Zipf, 5, Some(100), 4);
        let mut g = WorkerGenerator::new(WorkloadKind::CasRegister, keys, seed, worker, 4);
        (0..200).map(|_| g.next_op()).collect()
    }

    #[test]
    fn same_seed_same_schedule() {
        assert_eq!(ops(42, 1), ops(42, 1));
    }

    proptest::proptest! {
        /// Whatever the seed, workload, key distribution and limits, the
        /// schedule is a function of them alone, and keys stay in range.
        #[test]
        fn any_seed_reproduces_its_schedule(
            seed: u64,
            workload in 0..WorkloadKind::ALL.len(),
            zipf: bool,
            slots in 1usize..10,
            limit in proptest::option::of(1u64..50),
        ) {
            let make = || {
                let dist = if zipf { KeyDist::Zipf } else { KeyDist::Uniform };
                let keys = KeyPicker::new(dist, slots, limit, 3);
                WorkerGenerator::new(WorkloadKind::ALL[workload], keys, seed, 2, 3)
            };
            let (mut a, mut b) = (make(), make());
            let xs: Vec<Op> = (0..100).map(|_| a.next_op()).collect();
            let ys: Vec<Op> = (0..100).map(|_| b.next_op()).collect();
            proptest::prop_assert_eq!(&xs, &ys);
            if limit.is_none() {
                // The bank's operations are unkeyed.
                for op in xs.iter().filter(|o| o.key.is_some()) {
                    let key = op.key.as_deref().unwrap_or("");
                    let n: usize = key.trim_start_matches('k').parse().unwrap();
                    proptest::prop_assert!(n < slots, "{key} outside {slots} slots");
                }
            }
        }
    }

    #[test]
    fn different_seeds_or_workers_differ() {
        assert_ne!(ops(42, 1), ops(43, 1));
        assert_ne!(ops(42, 1), ops(42, 2));
    }
}
