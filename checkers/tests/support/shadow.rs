//! A sequential stand-in for each model, written independently of the
//! checker's models, so generators can produce the outputs a correct store
//! would give, plus random operations and random (probably wrong) outputs.

use faultline_checkers::{FailReason, ModelKind, OpFn};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::{BTreeSet, VecDeque};

/// An operation as invoked.
#[derive(Debug, Clone)]
pub struct Spec {
    pub f: OpFn,
    pub value: Value,
}

/// How an operation completed, when it completed.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `ok` with this value.
    Ok(Value),
    /// `fail`, with this error text (`cas-mismatch` keeps a failed cas as an observation).
    Fail(Option<String>),
}

/// The state of one key, for every model at once (each model uses its own field).
#[derive(Debug, Clone, Default)]
pub struct Shadow {
    reg: Value,
    text: String,
    list: Vec<i64>,
    set: BTreeSet<i64>,
    counter: i64,
    queue: VecDeque<i64>,
    held: bool,
}

/// A random operation of the model over small domains, so that values collide often.
pub fn random_spec(kind: ModelKind, rng: &mut ChaCha8Rng) -> Spec {
    let small = |rng: &mut ChaCha8Rng| json!(rng.random_range(0..3));
    let (f, value) = match kind {
        ModelKind::Register => match rng.random_range(0..2) {
            0 => (OpFn::Read, Value::Null),
            _ => (OpFn::Write, small(rng)),
        },
        ModelKind::CasRegister | ModelKind::Kv => match rng.random_range(0..3) {
            0 => (OpFn::Read, Value::Null),
            1 => (OpFn::Write, small(rng)),
            _ => (OpFn::Cas, json!([small(rng), small(rng)])),
        },
        ModelKind::KvAppend => {
            let piece = |rng: &mut ChaCha8Rng| json!(["a", "b"][rng.random_range(0..2)]);
            match rng.random_range(0..3) {
                0 => (OpFn::Read, Value::Null),
                1 => (OpFn::Write, piece(rng)),
                _ => (OpFn::Append, piece(rng)),
            }
        }
        ModelKind::AppendList => match rng.random_range(0..2) {
            0 => (OpFn::Read, Value::Null),
            _ => (OpFn::Append, small(rng)),
        },
        ModelKind::Set => match rng.random_range(0..2) {
            0 => (OpFn::Read, Value::Null),
            _ => (OpFn::Add, small(rng)),
        },
        ModelKind::Counter => match rng.random_range(0..2) {
            0 => (OpFn::Read, Value::Null),
            _ => (OpFn::Incr, json!(rng.random_range(1..3))),
        },
        ModelKind::FifoQueue => match rng.random_range(0..2) {
            0 => (OpFn::Dequeue, Value::Null),
            _ => (OpFn::Enqueue, small(rng)),
        },
        ModelKind::Mutex => match rng.random_range(0..2) {
            0 => (OpFn::Acquire, Value::Null),
            _ => (OpFn::Release, Value::Null),
        },
    };
    Spec { f, value }
}

fn as_i64(v: &Value) -> i64 {
    v.as_i64().expect("generated values are integers")
}

impl Shadow {
    /// Runs the operation at its linearization point: what a correct store answers.
    pub fn apply(&mut self, kind: ModelKind, spec: &Spec) -> Outcome {
        let v = &spec.value;
        match (kind, &spec.f) {
            (ModelKind::KvAppend, OpFn::Read) => Outcome::Ok(json!(self.text)),
            (ModelKind::KvAppend, OpFn::Write) => {
                self.text = v.as_str().unwrap_or_default().to_string();
                Outcome::Ok(v.clone())
            }
            (ModelKind::KvAppend, OpFn::Append) => {
                self.text.push_str(v.as_str().unwrap_or_default());
                Outcome::Ok(v.clone())
            }
            (ModelKind::AppendList, OpFn::Read) => Outcome::Ok(json!(self.list)),
            (ModelKind::Set, OpFn::Read) => Outcome::Ok(json!(self.set)),
            (ModelKind::Counter, OpFn::Read) => Outcome::Ok(json!(self.counter)),
            (_, OpFn::Read) => Outcome::Ok(self.reg.clone()),
            (_, OpFn::Write) => {
                self.reg = v.clone();
                Outcome::Ok(v.clone())
            }
            (_, OpFn::Cas) => {
                if self.reg == v[0] {
                    self.reg = v[1].clone();
                    Outcome::Ok(v.clone())
                } else {
                    Outcome::Fail(Some(FailReason::CasMismatch.to_string()))
                }
            }
            (_, OpFn::Append) => {
                self.list.push(as_i64(v));
                Outcome::Ok(v.clone())
            }
            (_, OpFn::Add) => {
                self.set.insert(as_i64(v));
                Outcome::Ok(v.clone())
            }
            (_, OpFn::Incr) => {
                self.counter += as_i64(v);
                Outcome::Ok(v.clone())
            }
            (_, OpFn::Enqueue) => {
                self.queue.push_back(as_i64(v));
                Outcome::Ok(v.clone())
            }
            (_, OpFn::Dequeue) => {
                Outcome::Ok(self.queue.pop_front().map_or(Value::Null, |x| json!(x)))
            }
            (_, OpFn::Acquire) if self.held => Outcome::Fail(None),
            (_, OpFn::Acquire) => {
                self.held = true;
                Outcome::Ok(Value::Null)
            }
            (_, OpFn::Release) if !self.held => Outcome::Fail(None),
            (_, OpFn::Release) => {
                self.held = false;
                Outcome::Ok(Value::Null)
            }
            (_, other) => panic!("the generator does not produce {other}"),
        }
    }
}

/// A random, probably wrong completion for the operation (a random read
/// result, a flipped cas or lock outcome); `None` when nothing can be corrupted.
pub fn random_outcome(kind: ModelKind, spec: &Spec, rng: &mut ChaCha8Rng) -> Option<Outcome> {
    let small_list = |rng: &mut ChaCha8Rng| -> Vec<i64> {
        (0..rng.random_range(0..4))
            .map(|_| rng.random_range(0..3))
            .collect()
    };
    Some(match (kind, &spec.f) {
        (ModelKind::KvAppend, OpFn::Read) => Outcome::Ok(json!(
            ["", "a", "b", "ab", "ba", "aa"][rng.random_range(0..6)]
        )),
        (ModelKind::AppendList, OpFn::Read) => Outcome::Ok(json!(small_list(rng))),
        (ModelKind::Set, OpFn::Read) => {
            Outcome::Ok(json!(small_list(rng).into_iter().collect::<BTreeSet<_>>()))
        }
        (ModelKind::Counter, OpFn::Read) => Outcome::Ok(json!(rng.random_range(0..5))),
        (_, OpFn::Read) | (_, OpFn::Dequeue) => Outcome::Ok(match rng.random_range(0..4) {
            0 => Value::Null,
            n => json!(n - 1),
        }),
        (_, OpFn::Cas) => {
            if rng.random() {
                Outcome::Ok(spec.value.clone())
            } else {
                Outcome::Fail(Some(FailReason::CasMismatch.to_string()))
            }
        }
        (_, OpFn::Acquire) | (_, OpFn::Release) => Outcome::Ok(Value::Null),
        _ => return None,
    })
}

/// A read result no execution of the generated operations can produce, for
/// operations that observe something; `None` for the others.
pub fn impossible_output(kind: ModelKind, spec: &Spec) -> Option<Value> {
    match (kind, &spec.f) {
        (ModelKind::KvAppend, OpFn::Read) => Some(json!("zzz")),
        (ModelKind::AppendList, OpFn::Read) | (ModelKind::Set, OpFn::Read) => Some(json!([777])),
        // Increments are positive, so the counter never goes below zero.
        (ModelKind::Counter, OpFn::Read) => Some(json!(-1)),
        (_, OpFn::Read) | (_, OpFn::Dequeue) => Some(json!(777)),
        _ => None,
    }
}
