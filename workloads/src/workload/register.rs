//! Register: half reads, half writes of values unique across the test.
//!
//! Unique values let the checker tell exactly which write a read saw, which
//! keeps the search small and makes stale reads unambiguous.

use super::UniqueValues;
use crate::generator::OpMix;
use crate::op::Op;
use faultline_checkers::OpFn;
use rand::Rng;
use serde_json::Value;

/// Generates one register operation on `key`.
pub(super) fn next_op<R: Rng + ?Sized>(rng: &mut R, key: String, values: &mut UniqueValues) -> Op {
    let mix = OpMix::new(&[(OpFn::Read, 1), (OpFn::Write, 1)]);
    match mix.pick(rng) {
        OpFn::Write => Op {
            f: OpFn::Write,
            key: Some(key),
            value: Value::from(values.next_value()),
        },
        _ => Op::read(key),
    }
}
