//! Synthetic histories for tests and benchmarks: random concurrent executions
//! of a register that are linearizable by construction (each operation takes
//! effect at a random point between its invocation and its completion), with
//! optional crashed operations and an optional impossible read.

use crate::history::{Event, EventType, FailReason, OpFn, ProcessId};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

/// Values written are drawn from 0..VALUES; an impossible read returns `IMPOSSIBLE`.
const VALUES: i64 = 5;
/// The value an impossible read returns (never written).
pub const IMPOSSIBLE: i64 = 99;

#[derive(Clone)]
struct InFlight {
    f: OpFn,
    key: Option<String>,
    value: Value,
    crashed: bool,
    /// Output once the operation has taken effect (linearized).
    done: Option<(EventType, Value)>,
}

/// A cas-register history (one unkeyed register, starting absent) with `ops`
/// operations over `processes` concurrent processes; `crash_rate` of the
/// writes/cas end `info` (half of them took effect). With `impossible_read`,
/// one read returns a value never written, which makes the history invalid.
pub fn synth_cas_history(
    ops: usize,
    processes: usize,
    crash_rate: f64,
    impossible_read: bool,
    seed: u64,
) -> Vec<Event> {
    generate(0, ops, processes, crash_rate, impossible_read, seed)
}

/// A linearizable multi-key cas-register (`kv`) history over `keys` keys
/// (`k0`, `k1`, ...), 1% crashed writes/cas.
pub fn synth_kv_history(keys: usize, ops: usize, processes: usize, seed: u64) -> Vec<Event> {
    generate(keys.max(1), ops, processes, 0.01, false, seed)
}

fn generate(
    keys: usize,
    ops: usize,
    processes: usize,
    crash_rate: f64,
    impossible_read: bool,
    seed: u64,
) -> Vec<Event> {
    let processes = processes.max(1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut regs: Vec<Value> = vec![Value::Null; keys.max(1)];
    let mut ids: Vec<u64> = (0..processes as u64).collect();
    let mut slots: Vec<Option<InFlight>> = vec![None; processes];
    let mut events: Vec<Event> = Vec::with_capacity(ops * 2 + 2);
    let mut invoked = 0usize;
    // The read that will return an impossible value: roughly in the middle.
    let bad_read_at = impossible_read.then_some(ops / 2);
    let mut bad_read_done = false;
    let push = |events: &mut Vec<Event>,
                process: u64,
                kind,
                f: &OpFn,
                key: &Option<String>,
                value: Value,
                error: Option<String>| {
        let index = events.len() as u64;
        events.push(Event {
            index,
            time: index * 1000 + 1,
            process: ProcessId::Client(process),
            kind,
            f: f.clone(),
            key: key.clone(),
            value,
            node: None,
            error,
            detail: None,
        });
    };
    let mut active = 0usize;
    // Bounded: every iteration invokes, linearizes or completes something for a random process.
    while invoked < ops || active > 0 {
        let p = rng.random_range(0..processes);
        match slots[p].take() {
            None => {
                if invoked >= ops {
                    continue;
                }
                invoked += 1;
                active += 1;
                let k = if keys == 0 {
                    0
                } else {
                    rng.random_range(0..keys)
                };
                let key = (keys > 0).then(|| format!("k{k}"));
                let r: f64 = rng.random();
                let (f, value) = if r < 0.5 {
                    (OpFn::Read, Value::Null)
                } else if r < 0.8 {
                    (OpFn::Write, json!(rng.random_range(0..VALUES)))
                } else {
                    (
                        OpFn::Cas,
                        json!([rng.random_range(0..VALUES), rng.random_range(0..VALUES)]),
                    )
                };
                let crashed = f != OpFn::Read && rng.random::<f64>() < crash_rate;
                push(
                    &mut events,
                    ids[p],
                    EventType::Invoke,
                    &f,
                    &key,
                    value.clone(),
                    None,
                );
                slots[p] = Some(InFlight {
                    f,
                    key,
                    value,
                    crashed,
                    done: None,
                });
            }
            Some(mut op) if op.done.is_none() => {
                let k = op
                    .key
                    .as_ref()
                    .map_or(0, |k| k[1..].parse::<usize>().unwrap_or(0));
                let reg = &mut regs[k];
                let takes_effect = !op.crashed || rng.random::<bool>();
                op.done = Some(match op.f {
                    OpFn::Read => {
                        let mut v = reg.clone();
                        if bad_read_at.is_some_and(|at| invoked >= at) && !bad_read_done {
                            bad_read_done = true;
                            v = json!(IMPOSSIBLE);
                        }
                        (EventType::Ok, v)
                    }
                    OpFn::Write => {
                        if takes_effect {
                            *reg = op.value.clone();
                        }
                        (EventType::Ok, op.value.clone())
                    }
                    _ => {
                        if *reg == op.value[0] {
                            if takes_effect {
                                *reg = op.value[1].clone();
                            }
                            (EventType::Ok, op.value.clone())
                        } else {
                            (EventType::Fail, op.value.clone())
                        }
                    }
                });
                slots[p] = Some(op);
            }
            Some(op) => {
                active -= 1;
                let (kind, v) = op.done.clone().unwrap_or((EventType::Info, Value::Null));
                if op.crashed {
                    push(
                        &mut events,
                        ids[p],
                        EventType::Info,
                        &op.f,
                        &op.key,
                        op.value.clone(),
                        Some("timeout".into()),
                    );
                    // Jepsen: a crashed process continues under a new id.
                    ids[p] += processes as u64;
                } else {
                    let error =
                        (kind == EventType::Fail).then(|| FailReason::CasMismatch.to_string());
                    push(&mut events, ids[p], kind, &op.f, &op.key, v, error);
                }
            }
        }
    }
    events
}
