//! Multi-key kv: reads, writes of unique values and CAS from a recently
//! written value, spread over many keys and judged as one key-value map.

use super::UniqueValues;
use crate::generator::OpMix;
use crate::op::Op;
use faultline_checkers::OpFn;
use rand::{Rng, RngExt};
use serde_json::{Value, json};

/// Generates one kv operation on `key`.
pub(super) fn next_op<R: Rng + ?Sized>(rng: &mut R, key: String, values: &mut UniqueValues) -> Op {
    let mix = OpMix::new(&[(OpFn::Read, 2), (OpFn::Write, 2), (OpFn::Cas, 1)]);
    match mix.pick(rng) {
        OpFn::Write => Op {
            f: OpFn::Write,
            key: Some(key),
            value: Value::from(values.next_value()),
        },
        OpFn::Cas => {
            // CAS from this worker's last value so that some succeed.
            let to = values.next_value();
            let from = to.saturating_sub(values_step(rng));
            Op {
                f: OpFn::Cas,
                key: Some(key),
                value: json!([from, to]),
            }
        }
        _ => Op::read(key),
    }
}

/// A small backwards distance, so CAS targets recent values of any worker.
fn values_step<R: Rng + ?Sized>(rng: &mut R) -> u64 {
    rng.random_range(1..=8)
}
