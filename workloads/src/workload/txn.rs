//! Transactions over a few keys, as Elle checks them: `list-append` (appends
//! of unique integers to per-key lists and reads of whole lists: the order
//! of a list reveals the order of the writes) and `rw-register` (writes of
//! unique integers and reads, per key).
//!
//! One operation is one transaction, `f = txn`, its value a list of
//! micro-operations `[f, key, value]` in Jepsen's form: `["append", k, 3]`,
//! `["w", k, 3]`, `["r", k, null]` at the invocation; the read's value is
//! filled in when the transaction commits (`["r", k, [1, 3]]`).

use super::UniqueValues;
use crate::generator::KeyPicker;
use crate::op::Op;
use faultline_checkers::OpFn;
use rand::{Rng, RngExt};
use serde_json::{Value, json};

/// Most keys one transaction touches.
const MAX_KEYS: usize = 3;
/// Most micro-operations in one transaction.
const MAX_OPS: usize = 4;

/// The micro-operation names, as they stand in histories.
pub const APPEND: &str = "append";
/// A blind write of a register (rw-register).
pub const WRITE: &str = "w";
/// A read: of a whole list (list-append) or of a register (rw-register).
pub const READ: &str = "r";

/// Which kind of transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnFlavor {
    /// Appends and whole-list reads.
    ListAppend,
    /// Blind writes and reads of registers.
    RwRegister,
}

/// Generates one transaction: 1 to [`MAX_KEYS`] distinct keys from the
/// worker's picker (so keys rotate as in the other workloads), 1 to
/// [`MAX_OPS`] micro-operations over them, every written value unique.
pub fn next_op<R: Rng + ?Sized>(
    rng: &mut R,
    flavor: TxnFlavor,
    keys: &mut KeyPicker,
    values: &mut UniqueValues,
) -> Op {
    let want = rng.random_range(1..=MAX_KEYS);
    let mut chosen: Vec<String> = Vec::with_capacity(want);
    // Bounded: a few draws more than keys wanted; duplicates are skipped.
    for _ in 0..want * 3 {
        if chosen.len() == want {
            break;
        }
        let k = keys.next_key(rng);
        if !chosen.contains(&k) {
            chosen.push(k);
        }
    }
    let n = rng.random_range(1..=MAX_OPS);
    let micro: Vec<Value> = (0..n)
        .map(|_| {
            let key = &chosen[rng.random_range(0..chosen.len())];
            if rng.random_bool(0.5) {
                json!([READ, key, null])
            } else {
                let f = match flavor {
                    TxnFlavor::ListAppend => APPEND,
                    TxnFlavor::RwRegister => WRITE,
                };
                json!([f, key, values.next_value()])
            }
        })
        .collect();
    Op {
        f: OpFn::Txn,
        key: None,
        value: Value::Array(micro),
    }
}

/// A transaction reading `key` alone: the final reads of a txn workload.
pub fn read_op(key: &str) -> Op {
    Op {
        f: OpFn::Txn,
        key: None,
        value: json!([[READ, key, null]]),
    }
}

/// One micro-operation of a transaction's value.
#[derive(Debug, Clone, PartialEq)]
pub struct Micro<'a> {
    /// `append`, `w` or `r`.
    pub f: &'a str,
    /// The key.
    pub key: &'a str,
    /// The element or value written; `null` in a read's invocation.
    pub value: &'a Value,
}

/// The micro-operations of a transaction's value, or what is wrong with it.
pub fn micro_ops(value: &Value) -> Result<Vec<Micro<'_>>, String> {
    let list = value
        .as_array()
        .ok_or("a transaction's value must be a list of [f, key, value]")?;
    list.iter()
        .enumerate()
        .map(|(i, m)| match m.as_array().map(Vec::as_slice) {
            Some([Value::String(f), Value::String(key), value])
                if [APPEND, WRITE, READ].contains(&f.as_str()) =>
            {
                Ok(Micro { f, key, value })
            }
            _ => Err(format!(
                "micro-operation {i} of a transaction must be [\"append\"|\"w\"|\"r\", key, value], got {m}"
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::KeyDist;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use std::collections::HashSet;

    #[test]
    fn transactions_are_small_well_formed_and_write_unique_values() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut keys = KeyPicker::new(KeyDist::Uniform, 5, None, 1);
        let mut values = UniqueValues::new(0, 1);
        let mut written = HashSet::new();
        for flavor in [TxnFlavor::ListAppend, TxnFlavor::RwRegister] {
            for _ in 0..500 {
                let op = next_op(&mut rng, flavor, &mut keys, &mut values);
                assert_eq!(op.f, OpFn::Txn);
                let micro = micro_ops(&op.value).unwrap();
                assert!((1..=MAX_OPS).contains(&micro.len()));
                let keys: HashSet<&str> = micro.iter().map(|m| m.key).collect();
                assert!(keys.len() <= MAX_KEYS);
                for m in micro {
                    match m.f {
                        READ => assert!(m.value.is_null()),
                        f => {
                            let want = match flavor {
                                TxnFlavor::ListAppend => APPEND,
                                TxnFlavor::RwRegister => WRITE,
                            };
                            assert_eq!(f, want);
                            assert!(written.insert(m.value.as_u64().unwrap()), "repeated");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn malformed_transactions_are_named() {
        assert!(micro_ops(&json!(3)).is_err());
        let e = micro_ops(&json!([["r", "k", null], ["x", "k", 1]])).unwrap_err();
        assert!(e.contains("micro-operation 1"), "{e}");
        assert_eq!(micro_ops(&json!([])).unwrap(), vec![]);
    }
}
