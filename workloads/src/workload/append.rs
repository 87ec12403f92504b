//! Append: appends of unique integers to a per-key list, and reads of the list.

use super::UniqueValues;
use crate::generator::OpMix;
use crate::op::Op;
use faultline_checkers::OpFn;
use rand::Rng;
use serde_json::Value;

/// Generates one append-list operation on `key`.
pub(super) fn next_op<R: Rng + ?Sized>(rng: &mut R, key: String, values: &mut UniqueValues) -> Op {
    let mix = OpMix::new(&[(OpFn::Read, 1), (OpFn::Append, 1)]);
    match mix.pick(rng) {
        OpFn::Append => Op {
            f: OpFn::Append,
            key: Some(key),
            value: Value::from(values.next_value()),
        },
        _ => Op::read(key),
    }
}
