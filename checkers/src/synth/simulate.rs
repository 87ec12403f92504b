//! The simulated register behind every synthetic history: random processes
//! invoke reads, writes and cas on a real register, each operation takes
//! effect at a random point between its invocation and its completion, so
//! the history is linearizable unless a caller changes it afterwards.

use crate::history::{Event, EventType, FailReason, OpFn, ProcessId};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashMap;
use serde_json::{Value, json};

/// Values written are drawn from 0..VALUES.
const VALUES: i64 = 5;
/// The value an impossible read returns (never written).
pub const IMPOSSIBLE: i64 = 99;

/// What to draw for the `n`-th invocation instead of a random operation.
#[derive(Debug, Clone)]
pub(crate) struct Forced {
    pub f: OpFn,
    pub value: Value,
    pub crashed: bool,
    /// For a crashed operation: whether it takes effect before it crashes.
    pub takes_effect: bool,
}

/// One simulated operation, for callers that change the history afterwards.
#[derive(Debug, Clone)]
pub(crate) struct OpRecord {
    pub f: OpFn,
    /// Position of the invoke event in the history.
    pub invoke: usize,
    /// Position of the completion event (`info` for a crashed one).
    pub complete: usize,
    /// Completed `ok` (a cas whose comparison failed is not).
    pub ok: bool,
}

/// What to simulate.
pub(crate) struct Simulation {
    /// 0 for one unkeyed register, else keys `k0`, `k1`, ...
    pub keys: usize,
    pub ops: usize,
    pub processes: usize,
    pub crash_rate: f64,
    pub impossible_read: bool,
    pub seed: u64,
    /// Invocation number (0-based) → operation to draw there.
    pub forced: FxHashMap<usize, Forced>,
}

#[derive(Clone)]
struct InFlight {
    f: OpFn,
    key: Option<String>,
    value: Value,
    crashed: bool,
    takes_effect: Option<bool>,
    invoke: usize,
    /// Output once the operation has taken effect (linearized).
    done: Option<(EventType, Value)>,
}

impl Simulation {
    /// Runs the simulation: the events and one record per operation, in invocation order.
    pub fn run(&self) -> (Vec<Event>, Vec<OpRecord>) {
        let processes = self.processes.max(1);
        let keys = self.keys;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut regs: Vec<Value> = vec![Value::Null; keys.max(1)];
        let mut ids: Vec<u64> = (0..processes as u64).collect();
        let mut slots: Vec<Option<InFlight>> = vec![None; processes];
        let mut events: Vec<Event> = Vec::with_capacity(self.ops * 2 + 2);
        let mut records: Vec<OpRecord> = Vec::with_capacity(self.ops);
        // Record index of the operation each process has in flight.
        let mut record_of: Vec<usize> = vec![0; processes];
        let mut invoked = 0usize;
        // The read that will return an impossible value: roughly in the middle.
        let bad_read_at = self.impossible_read.then_some(self.ops / 2);
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
        while invoked < self.ops || active > 0 {
            let p = rng.random_range(0..processes);
            match slots[p].take() {
                None => {
                    if invoked >= self.ops {
                        continue;
                    }
                    let forced = self.forced.get(&invoked);
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
                    let crashed = f != OpFn::Read && rng.random::<f64>() < self.crash_rate;
                    let (f, value, crashed, takes_effect) = match forced {
                        Some(x) => (
                            x.f.clone(),
                            x.value.clone(),
                            x.crashed,
                            Some(x.takes_effect),
                        ),
                        None => (f, value, crashed, None),
                    };
                    let invoke = events.len();
                    push(
                        &mut events,
                        ids[p],
                        EventType::Invoke,
                        &f,
                        &key,
                        value.clone(),
                        None,
                    );
                    record_of[p] = records.len();
                    records.push(OpRecord {
                        f: f.clone(),
                        invoke,
                        complete: usize::MAX,
                        ok: false,
                    });
                    slots[p] = Some(InFlight {
                        f,
                        key,
                        value,
                        crashed,
                        takes_effect,
                        invoke,
                        done: None,
                    });
                }
                Some(mut op) if op.done.is_none() => {
                    let k = op
                        .key
                        .as_ref()
                        .map_or(0, |k| k[1..].parse::<usize>().unwrap_or(0));
                    let reg = &mut regs[k];
                    let takes_effect =
                        !op.crashed || op.takes_effect.unwrap_or_else(|| rng.random::<bool>());
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
                    let rec = &mut records[record_of[p]];
                    debug_assert_eq!(rec.invoke, op.invoke);
                    rec.complete = events.len();
                    rec.ok = !op.crashed && kind == EventType::Ok;
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
        (events, records)
    }
}
