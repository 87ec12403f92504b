//! Counter: increments by 1..=5 and reads of the total. Stored as a list of
//! increments (appends) whose sum is the counter, so any store with
//! `append` can serve it.

use crate::generator::OpMix;
use crate::op::Op;
use faultline_checkers::OpFn;
use rand::{Rng, RngExt};
use serde_json::Value;

/// Generates one counter operation on `key`.
pub(super) fn next_op<R: Rng + ?Sized>(rng: &mut R, key: String) -> Op {
    let mix = OpMix::new(&[(OpFn::Read, 1), (OpFn::Incr, 3)]);
    match mix.pick(rng) {
        OpFn::Incr => Op {
            f: OpFn::Incr,
            key: Some(key),
            value: Value::from(rng.random_range(1..=5u64)),
        },
        _ => Op::read(key),
    }
}
