//! Set: adds of unique integers to a per-key set, and reads of the whole set.
//! Stored as an append-only list, so any store with `append` can serve it.

use super::UniqueValues;
use crate::generator::OpMix;
use crate::op::Op;
use faultline_checkers::OpFn;
use rand::Rng;
use serde_json::Value;

/// Generates one set operation on `key`.
pub(super) fn next_op<R: Rng + ?Sized>(rng: &mut R, key: String, values: &mut UniqueValues) -> Op {
    let mix = OpMix::new(&[(OpFn::Read, 1), (OpFn::Add, 3)]);
    match mix.pick(rng) {
        OpFn::Add => Op {
            f: OpFn::Add,
            key: Some(key),
            value: Value::from(values.next_value()),
        },
        _ => Op::read(key),
    }
}
