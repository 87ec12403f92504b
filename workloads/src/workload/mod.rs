//! Workloads: what operations to issue and which checker judges them.

mod append;
pub mod bank;
mod cas_register;
mod counter;
mod kv;
pub mod lock;
mod register;
mod set;
pub mod txn;

use crate::op::Op;
use faultline_checkers::ModelKind;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// A kind of request a workload sends: a client serves a workload when it
/// can make every request the workload sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Read a key.
    Read,
    /// Write a key.
    Write,
    /// Compare-and-set a key.
    Cas,
    /// Append to a key's list (a set's add, a counter's increment).
    Append,
    /// Acquire a lock.
    Acquire,
    /// Release a lock.
    Release,
    /// Move an amount between two accounts, in one transaction.
    Transfer,
    /// A transaction of reads and list appends.
    TxnAppend,
    /// A transaction of reads and writes.
    TxnWrite,
}

/// The workloads `faultline run --workload` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkloadKind {
    /// Reads and blind writes of unique integers.
    Register,
    /// Reads, writes and compare-and-set over small integers (Knossos's classic).
    #[default]
    CasRegister,
    /// Reads, writes and compare-and-set over many keys, checked as one key-value map.
    Kv,
    /// Appends of unique integers to per-key lists, and reads of whole lists.
    Append,
    /// Adds of unique integers to per-key sets, and reads of whole sets.
    Set,
    /// Increments of per-key counters, and reads of their totals.
    Counter,
    /// Leases with fencing tokens, and writes of the resource they protect.
    Lock,
    /// Transfers between accounts and whole-bank reads, each a transaction.
    Bank,
    /// Transactions of appends to per-key lists and whole-list reads
    /// (Elle's list-append), checked for isolation anomalies.
    ListAppend,
    /// Transactions of blind writes and reads of per-key registers (Elle's
    /// rw-register), checked for isolation anomalies.
    RwRegister,
}

/// A workload name that is not one of ours.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown workload `{0}` (expected register, cas-register, kv, append, set, counter, lock, bank, list-append or rw-register)"
)]
pub struct ParseWorkloadError(String);

impl WorkloadKind {
    /// Every workload, for help texts and tests.
    pub const ALL: [WorkloadKind; 10] = [
        WorkloadKind::Register,
        WorkloadKind::CasRegister,
        WorkloadKind::Kv,
        WorkloadKind::Append,
        WorkloadKind::Set,
        WorkloadKind::Counter,
        WorkloadKind::Lock,
        WorkloadKind::Bank,
        WorkloadKind::ListAppend,
        WorkloadKind::RwRegister,
    ];

    /// The name used on the command line and in configs.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Register => "register",
            WorkloadKind::CasRegister => "cas-register",
            WorkloadKind::Kv => "kv",
            WorkloadKind::Append => "append",
            WorkloadKind::Set => "set",
            WorkloadKind::Counter => "counter",
            WorkloadKind::Lock => "lock",
            WorkloadKind::Bank => "bank",
            WorkloadKind::ListAppend => "list-append",
            WorkloadKind::RwRegister => "rw-register",
        }
    }

    /// The linearizability model that judges this workload's histories
    /// (bank and transactions: `kv`, unused, since their checkers need no
    /// model).
    pub fn model(self) -> ModelKind {
        match self {
            WorkloadKind::Register => ModelKind::Register,
            WorkloadKind::CasRegister => ModelKind::CasRegister,
            WorkloadKind::Kv => ModelKind::Kv,
            WorkloadKind::Append => ModelKind::AppendList,
            WorkloadKind::Set => ModelKind::Set,
            WorkloadKind::Counter => ModelKind::Counter,
            WorkloadKind::Lock => ModelKind::Mutex,
            WorkloadKind::Bank | WorkloadKind::ListAppend | WorkloadKind::RwRegister => {
                ModelKind::Kv
            }
        }
    }

    /// Generates the next operation on `key`.
    pub fn next_op<R: Rng + ?Sized>(
        self,
        rng: &mut R,
        key: String,
        values: &mut UniqueValues,
    ) -> Op {
        match self {
            WorkloadKind::Register => register::next_op(rng, key, values),
            WorkloadKind::CasRegister => cas_register::next_op(rng, key),
            WorkloadKind::Kv => kv::next_op(rng, key, values),
            WorkloadKind::Append => append::next_op(rng, key, values),
            WorkloadKind::Set => set::next_op(rng, key, values),
            WorkloadKind::Counter => counter::next_op(rng, key),
            WorkloadKind::Lock => lock::next_op(rng, key, values),
            // Unkeyed: the key is not used (see `WorkerGenerator::with_accounts`).
            WorkloadKind::Bank => bank::next_op(rng, &bank::Accounts::default()),
            // Transactions pick their own keys (see `WorkerGenerator::next_op`);
            // given one, they stay on it.
            WorkloadKind::ListAppend | WorkloadKind::RwRegister => {
                let mut one = crate::generator::KeyPicker::new(
                    crate::generator::KeyDist::Uniform,
                    1,
                    None,
                    1,
                )
                .with_prefix(key);
                let flavor = self.txn_flavor().unwrap_or(txn::TxnFlavor::ListAppend);
                txn::next_op(rng, flavor, &mut one, values)
            }
        }
    }

    /// The requests this workload sends.
    pub fn requests(self) -> &'static [Request] {
        use Request::*;
        match self {
            WorkloadKind::Register => &[Read, Write],
            WorkloadKind::CasRegister | WorkloadKind::Kv => &[Read, Write, Cas],
            WorkloadKind::Append | WorkloadKind::Set | WorkloadKind::Counter => &[Read, Append],
            WorkloadKind::Lock => &[Acquire, Release],
            WorkloadKind::Bank => &[Transfer],
            WorkloadKind::ListAppend => &[TxnAppend],
            WorkloadKind::RwRegister => &[TxnWrite],
        }
    }

    /// The kind of transactions, for the transactional workloads.
    pub fn txn_flavor(self) -> Option<txn::TxnFlavor> {
        match self {
            WorkloadKind::ListAppend => Some(txn::TxnFlavor::ListAppend),
            WorkloadKind::RwRegister => Some(txn::TxnFlavor::RwRegister),
            _ => None,
        }
    }

    /// The operation that reads `key` at the end of a run, after the faults
    /// healed: a plain read, or a transaction reading it for the
    /// transactional workloads (their checker judges transactions only).
    pub fn final_read(self, key: &str) -> Op {
        match self.txn_flavor() {
            Some(_) => txn::read_op(key),
            None => Op::read(key),
        }
    }

    /// How the SUT stores this workload's values, which decides the requests the client sends.
    pub fn storage(self) -> Storage {
        match self {
            WorkloadKind::Register
            | WorkloadKind::CasRegister
            | WorkloadKind::Kv
            | WorkloadKind::Bank => Storage::Register,
            WorkloadKind::Append | WorkloadKind::Set | WorkloadKind::ListAppend => Storage::List,
            WorkloadKind::RwRegister => Storage::Register,
            WorkloadKind::Counter => Storage::Sum,
            WorkloadKind::Lock => Storage::Fenced,
        }
    }
}

impl FromStr for WorkloadKind {
    type Err = ParseWorkloadError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WorkloadKind::ALL
            .into_iter()
            .find(|w| w.as_str() == s)
            .ok_or_else(|| ParseWorkloadError(s.to_string()))
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a workload's state lives in a store that speaks docs/DESIGN.md's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// One value per key; an absent key reads as `null`.
    Register,
    /// A list per key built with `append`; an absent key reads as `[]`.
    List,
    /// A list of increments per key; a read returns their sum (absent = 0).
    Sum,
    /// The lock service's protected resource: `{token, value}` per key.
    Fenced,
}

impl Storage {
    /// Turns the value a store returned for a read into the value the model expects.
    pub fn read_value(self, raw: Value) -> Value {
        match (self, raw) {
            (Storage::Register, v) => v,
            (Storage::List, Value::Null) => Value::Array(Vec::new()),
            (Storage::List, v) => v,
            (Storage::Sum, Value::Null) => Value::from(0),
            (Storage::Sum, Value::Array(items)) => {
                Value::from(items.iter().filter_map(Value::as_i64).sum::<i64>())
            }
            (Storage::Sum, v) => v,
            (Storage::Fenced, v) => v,
        }
    }
}

/// Integers unique across all workers: worker `w` of `c` yields `w+1, w+1+c, ...`.
#[derive(Debug, Clone)]
pub struct UniqueValues {
    next: u64,
    step: u64,
}

impl UniqueValues {
    /// The sequence of worker `worker` (from 0) of `concurrency`.
    pub fn new(worker: usize, concurrency: usize) -> UniqueValues {
        UniqueValues {
            next: worker as u64 + 1,
            step: concurrency.max(1) as u64,
        }
    }

    /// The next value; never repeats within the test.
    pub fn next_value(&mut self) -> u64 {
        let v = self.next;
        self.next += self.step;
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use std::collections::HashSet;

    #[test]
    fn unique_values_do_not_collide_across_workers() {
        let mut seen = HashSet::new();
        for w in 0..4 {
            let mut u = UniqueValues::new(w, 4);
            for _ in 0..100 {
                assert!(seen.insert(u.next_value()));
            }
        }
    }

    #[test]
    fn every_workload_generates_its_own_functions() {
        use faultline_checkers::OpFn;
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for w in WorkloadKind::ALL {
            let mut vals = UniqueValues::new(0, 1);
            let fs: HashSet<OpFn> = (0..200)
                .map(|_| w.next_op(&mut rng, "k0".into(), &mut vals).f)
                .collect();
            assert_eq!(w.as_str().parse::<WorkloadKind>().unwrap(), w);
            if w.txn_flavor().is_some() {
                // Reads and writes are micro-operations inside transactions.
                assert_eq!(fs, HashSet::from([OpFn::Txn]), "{w}");
                continue;
            }
            assert!(fs.contains(&OpFn::Read), "{w} never reads");
            assert!(fs.len() >= 2, "{w} has only {fs:?}");
        }
    }

    #[test]
    fn sums_and_lists_read_as_the_model_expects() {
        assert_eq!(Storage::Sum.read_value(serde_json::json!([1, 2, 3])), 6);
        assert_eq!(Storage::Sum.read_value(Value::Null), 0);
        assert_eq!(Storage::List.read_value(Value::Null), serde_json::json!([]));
        assert_eq!(Storage::Register.read_value(Value::Null), Value::Null);
    }
}
