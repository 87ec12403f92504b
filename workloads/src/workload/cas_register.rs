//! CAS register: reads, writes and compare-and-set in equal parts, over the
//! values 0..=4 as in Knossos's classic test, so that many CAS operations
//! succeed and the register's history is rich in conflicts.

use crate::generator::OpMix;
use crate::op::Op;
use faultline_checkers::OpFn;
use rand::{Rng, RngExt};
use serde_json::{Value, json};

/// Number of distinct register values.
const VALUES: u64 = 5;

/// Generates one cas-register operation on `key`.
pub(super) fn next_op<R: Rng + ?Sized>(rng: &mut R, key: String) -> Op {
    let mix = OpMix::new(&[(OpFn::Read, 1), (OpFn::Write, 1), (OpFn::Cas, 1)]);
    match mix.pick(rng) {
        OpFn::Write => Op {
            f: OpFn::Write,
            key: Some(key),
            value: Value::from(rng.random_range(0..VALUES)),
        },
        OpFn::Cas => Op {
            f: OpFn::Cas,
            key: Some(key),
            value: json!([rng.random_range(0..VALUES), rng.random_range(0..VALUES)]),
        },
        _ => Op::read(key),
    }
}
