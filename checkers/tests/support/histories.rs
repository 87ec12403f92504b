//! History generators: small random concurrent histories (a mix of
//! linearizable and not) and stretched sequential executions (linearizable
//! by construction).

use super::shadow::{Outcome, Shadow, Spec, random_outcome, random_spec};
use faultline_checkers::{Event, EventType, ModelKind, ProcessId};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

/// An event; `index` is filled in once the history is in order.
fn event(
    time: u64,
    process: u64,
    kind: EventType,
    spec: &Spec,
    key: &Option<String>,
    value: Value,
    error: Option<String>,
) -> Event {
    Event {
        index: 0,
        time,
        process: ProcessId::Client(process),
        kind,
        f: spec.f.clone(),
        key: key.clone(),
        value,
        node: None,
        error,
        detail: None,
    }
}

/// The completion event of an operation that finished with `outcome`.
fn completion(
    time: u64,
    process: u64,
    spec: &Spec,
    key: &Option<String>,
    outcome: &Outcome,
) -> Event {
    match outcome {
        Outcome::Ok(v) => event(time, process, EventType::Ok, spec, key, v.clone(), None),
        Outcome::Fail(e) => event(
            time,
            process,
            EventType::Fail,
            spec,
            key,
            spec.value.clone(),
            e.clone(),
        ),
    }
}

/// Keys a model's generated histories use: two for the keyed models, so partitioning is exercised.
fn key_count(kind: ModelKind) -> u32 {
    match kind {
        ModelKind::Kv | ModelKind::KvAppend => 2,
        _ => 1,
    }
}

struct InFlight {
    spec: Spec,
    key: Option<String>,
    /// Set once the operation took effect (or was decided to have no visible effect).
    outcome: Option<Outcome>,
}

/// Up to `n` operations over 3 processes, interleaved at random. Each takes
/// effect at a random point while it is in flight, and usually reports what
/// a correct store would; sometimes a random output instead (so about half of
/// the histories are not linearizable), sometimes it crashes (`info`, with or
/// without effect), and some are still in flight when the history ends.
pub fn random_history(kind: ModelKind, n: usize, seed: u64) -> Vec<Event> {
    random_history_of(kind, n, seed, &|rng| random_spec(kind, rng))
}

/// [`random_history`] with the operations `spec` draws.
pub fn random_history_of(
    kind: ModelKind,
    n: usize,
    seed: u64,
    spec: &dyn Fn(&mut ChaCha8Rng) -> Spec,
) -> Vec<Event> {
    const PROCESSES: u64 = 3;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let keys = key_count(kind);
    let mut shadows = vec![Shadow::default(); keys as usize];
    let mut ids: Vec<u64> = (0..PROCESSES).collect();
    let mut slots: Vec<Option<InFlight>> = (0..PROCESSES).map(|_| None).collect();
    let mut events = Vec::new();
    let mut invoked = 0;
    // Bounded, and sometimes cut short so that operations stay in flight.
    let steps = if rng.random_range(0..4) == 0 {
        rng.random_range(n..3 * n + 1)
    } else {
        8 * n + 8
    };
    for _ in 0..steps {
        if invoked == n && slots.iter().all(Option::is_none) {
            break;
        }
        let p = rng.random_range(0..PROCESSES) as usize;
        let time = events.len() as u64;
        match slots[p].take() {
            None if invoked < n => {
                invoked += 1;
                let spec = spec(&mut rng);
                let key = (keys > 1).then(|| format!("k{}", rng.random_range(0..keys)));
                events.push(event(
                    time,
                    ids[p],
                    EventType::Invoke,
                    &spec,
                    &key,
                    spec.value.clone(),
                    None,
                ));
                slots[p] = Some(InFlight {
                    spec,
                    key,
                    outcome: None,
                });
            }
            None => {}
            Some(op) if op.outcome.is_none() && rng.random_range(0..10) == 0 => {
                // Crashed before taking effect.
                events.push(event(
                    time,
                    ids[p],
                    EventType::Info,
                    &op.spec,
                    &op.key,
                    op.spec.value.clone(),
                    None,
                ));
                ids[p] += PROCESSES;
            }
            Some(mut op) if op.outcome.is_none() => {
                let k = op
                    .key
                    .as_ref()
                    .map_or(0, |k| k[1..].parse::<usize>().unwrap_or(0));
                let mut outcome = shadows[k].apply(kind, &op.spec);
                if rng.random_range(0..3) == 0
                    && let Some(wrong) = random_outcome(kind, &op.spec, &mut rng)
                {
                    outcome = wrong;
                }
                op.outcome = Some(outcome);
                slots[p] = Some(op);
            }
            Some(op) => {
                if rng.random_range(0..10) == 0 {
                    // Took effect, but the client never heard back.
                    events.push(event(
                        time,
                        ids[p],
                        EventType::Info,
                        &op.spec,
                        &op.key,
                        op.spec.value.clone(),
                        None,
                    ));
                    ids[p] += PROCESSES;
                } else if let Some(outcome) = &op.outcome {
                    events.push(completion(time, ids[p], &op.spec, &op.key, outcome));
                }
            }
        }
    }
    for (i, e) in events.iter_mut().enumerate() {
        e.index = i as u64;
    }
    events
}

/// A kv-append operation that is never a put: where the model's look-ahead
/// prunes (a put among the operations that may go first turns it off).
pub fn append_or_get(rng: &mut ChaCha8Rng) -> Spec {
    let piece = ["a", "b", "c"][rng.random_range(0..3)];
    match rng.random_range(0..3) {
        0 => Spec {
            f: faultline_checkers::OpFn::Read,
            value: Value::Null,
        },
        _ => Spec {
            f: faultline_checkers::OpFn::Append,
            value: serde_json::json!(piece),
        },
    }
}

/// One operation of a sequential execution, with the interval it is stretched to.
struct Stretched {
    invoke: u64,
    /// `None`: crashed (an `info` at `info_at`, or no completion at all).
    complete: Option<u64>,
    info_at: Option<u64>,
    spec: Spec,
    key: Option<String>,
    outcome: Outcome,
}

/// A random sequential execution of `n` operations over `keys` keys, each
/// stretched into a random interval around its linearization point (so
/// intervals of neighbouring operations overlap); about one write-like
/// operation in ten crashes, half of those after taking effect.
/// Linearizable by construction.
pub fn stretched_history(kind: ModelKind, n: usize, keys: u32, seed: u64) -> Vec<Event> {
    const SPACING: u64 = 1_000;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut shadows = vec![Shadow::default(); keys.max(1) as usize];
    let mut ops = Vec::with_capacity(n);
    for i in 0..n as u64 {
        let at = 2 * SPACING + i * SPACING;
        let spec = random_spec(kind, &mut rng);
        let k = rng.random_range(0..keys.max(1));
        let key = (keys > 1 || kind == ModelKind::Kv).then(|| format!("k{k}"));
        let crashed = rng.random_range(0..10) == 0;
        let outcome = if crashed && rng.random() {
            Outcome::Fail(None) // never took effect; only the info is recorded
        } else {
            shadows[k as usize].apply(kind, &spec)
        };
        let invoke = at - rng.random_range(1..(3 * SPACING) / 2);
        let complete = at + rng.random_range(1..(3 * SPACING) / 2);
        ops.push(Stretched {
            invoke,
            complete: (!crashed).then_some(complete),
            info_at: (crashed && rng.random()).then_some(complete),
            spec,
            key,
            outcome,
        });
    }
    assign_processes(ops)
}

/// Gives each operation a process (one operation in flight per process; a
/// crashed process never issues again) and emits the events in time order.
fn assign_processes(mut ops: Vec<Stretched>) -> Vec<Event> {
    ops.sort_by_key(|o| o.invoke);
    // When each process is free again; None once it crashed.
    let mut free_at: Vec<Option<u64>> = Vec::new();
    let mut timed: Vec<(u64, bool, Event)> = Vec::new();
    for op in ops {
        let p = match free_at
            .iter()
            .position(|t| t.is_some_and(|t| t < op.invoke))
        {
            Some(p) => p,
            None => {
                free_at.push(None);
                free_at.len() - 1
            }
        };
        let pid = p as u64;
        timed.push((
            op.invoke,
            true,
            event(
                op.invoke,
                pid,
                EventType::Invoke,
                &op.spec,
                &op.key,
                op.spec.value.clone(),
                None,
            ),
        ));
        match op.complete {
            Some(c) => {
                timed.push((c, false, completion(c, pid, &op.spec, &op.key, &op.outcome)));
                free_at[p] = Some(c);
            }
            None => {
                if let Some(t) = op.info_at {
                    timed.push((
                        t,
                        false,
                        event(
                            t,
                            pid,
                            EventType::Info,
                            &op.spec,
                            &op.key,
                            op.spec.value.clone(),
                            None,
                        ),
                    ));
                }
                free_at[p] = None;
            }
        }
    }
    // Linearization points lie strictly inside the intervals, so any order of equal times is fine.
    timed.sort_by_key(|(t, is_invoke, _)| (*t, !*is_invoke));
    timed
        .into_iter()
        .enumerate()
        .map(|(i, (_, _, mut e))| {
            e.index = i as u64;
            e
        })
        .collect()
}
