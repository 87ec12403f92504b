//! A counter with increments (by any integer) and reads.

use super::{Model, ModelError};
use crate::history::{OpFn, Operation};

/// One counter operation with its observed output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CounterOp {
    /// Add this amount.
    Incr(i64),
    /// A read that returned this total.
    Read(i64),
}

/// A counter starting at `init` (default 0): `incr n` (n defaults to 1), `read`.
#[derive(Debug, Clone, Default)]
pub struct Counter {
    init: i64,
}

impl Counter {
    /// A counter starting at `init`.
    pub fn new(init: i64) -> Self {
        Counter { init }
    }
}

impl Model for Counter {
    type State = i64;
    type Input = CounterOp;

    fn name(&self) -> &str {
        "counter"
    }

    fn init(&self) -> i64 {
        self.init
    }

    fn prepare(&self, op: &Operation) -> Result<CounterOp, ModelError> {
        let int = |v: &serde_json::Value, default: i64| match v {
            serde_json::Value::Null => Some(default),
            v => v.as_i64(),
        };
        match op.f {
            // Jepsen's counter workload says `add`.
            OpFn::Incr | OpFn::Add => int(&op.value, 1)
                .map(CounterOp::Incr)
                .ok_or_else(|| ModelError::new(self.name(), op, "expected an integer increment")),
            OpFn::Read => int(&op.output, 0).map(CounterOp::Read).ok_or_else(|| {
                ModelError::new(self.name(), op, "expected a read to return an integer")
            }),
            _ => Err(ModelError::new(
                self.name(),
                op,
                "expected incr (or add) or read",
            )),
        }
    }

    fn step(&self, state: &i64, input: &CounterOp) -> Option<i64> {
        match *input {
            CounterOp::Incr(n) => state.checked_add(n),
            CounterOp::Read(v) => (*state == v).then_some(*state),
        }
    }

    fn is_read_only(&self, input: &CounterOp) -> bool {
        matches!(input, CounterOp::Read(_))
    }

    fn describe_state(&self, state: &i64) -> String {
        state.to_string()
    }

    fn describe_op(&self, input: &CounterOp) -> String {
        match input {
            CounterOp::Incr(n) => format!("incr {n}"),
            CounterOp::Read(v) => format!("read {v}"),
        }
    }

    fn explain(&self, state: &i64, input: &CounterOp) -> String {
        match input {
            CounterOp::Read(v) => format!("read {v} but the counter is {state}"),
            CounterOp::Incr(n) => format!("incr {n} overflows {state}"),
        }
    }
}
