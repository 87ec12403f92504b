//! The report card read a batch of whole keys at a time (how a long run is
//! checked) gives the verdicts of one check of the whole history.

use faultline_checkers::{
    CardOptions, CheckerKind, Event, EventType, ModelKind, OpFn, ProcessId, Validity, Verdict,
    run_checkers, run_keyed_checkers,
};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

/// A register history over several keys with unique written values: mostly
/// fresh reads, some stale ones, some crashed writes, a partition healed
/// before final reads on three nodes that now and then disagree.
fn history(seed: u64) -> Vec<Event> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let keys = rng.random_range(1..9usize);
    let procs = rng.random_range(2..5u64);
    let mut events: Vec<Event> = Vec::new();
    let mut push = |process: ProcessId, kind, f, key: Option<String>, value, node: Option<&str>| {
        let i = events.len() as u64;
        events.push(Event {
            index: i,
            time: i * 1_000_000,
            process,
            kind,
            f,
            key,
            value,
            node: node.map(str::to_string),
            error: None,
            detail: None,
        });
    };
    // Written values of each key, in order of their writes' completion.
    let mut written: Vec<Vec<i64>> = vec![Vec::new(); keys];
    let mut next = 1i64;
    let mut pending: Vec<Option<(usize, OpFn, Value, bool)>> = vec![None; procs as usize];
    let mut ids: Vec<u64> = (0..procs).collect();
    let steps = rng.random_range(20..80);
    for step in 0..steps {
        if step == steps / 2 {
            push(
                ProcessId::Nemesis,
                EventType::Info,
                OpFn::parse("start-partition"),
                None,
                Value::Null,
                None,
            );
        }
        let p = rng.random_range(0..procs) as usize;
        let node = ["n1", "n2", "n3"][p % 3];
        match pending[p].take() {
            None => {
                let k = rng.random_range(0..keys);
                if rng.random_bool(0.5) {
                    push(
                        ProcessId::Client(ids[p]),
                        EventType::Invoke,
                        OpFn::Write,
                        Some(format!("k{k}")),
                        json!(next),
                        Some(node),
                    );
                    pending[p] = Some((k, OpFn::Write, json!(next), rng.random_bool(0.1)));
                    next += 1;
                } else {
                    push(
                        ProcessId::Client(ids[p]),
                        EventType::Invoke,
                        OpFn::Read,
                        Some(format!("k{k}")),
                        Value::Null,
                        Some(node),
                    );
                    let seen = &written[k];
                    let v = match seen.len() {
                        0 => Value::Null,
                        n if rng.random_bool(0.9) => json!(seen[n - 1]),
                        n => json!(seen[rng.random_range(0..n)]),
                    };
                    pending[p] = Some((k, OpFn::Read, v, false));
                }
            }
            Some((k, f, v, crash)) => {
                let key = Some(format!("k{k}"));
                if crash {
                    push(
                        ProcessId::Client(ids[p]),
                        EventType::Info,
                        f,
                        key,
                        Value::Null,
                        Some(node),
                    );
                    ids[p] += procs;
                } else {
                    if f == OpFn::Write {
                        written[k].push(v.as_i64().unwrap_or_default());
                    }
                    push(
                        ProcessId::Client(ids[p]),
                        EventType::Ok,
                        f,
                        key,
                        v,
                        Some(node),
                    );
                }
            }
        }
    }
    for (p, op) in pending.into_iter().enumerate() {
        if let Some((k, f, _, _)) = op {
            push(
                ProcessId::Client(ids[p]),
                EventType::Info,
                f,
                Some(format!("k{k}")),
                Value::Null,
                None,
            );
        }
    }
    push(
        ProcessId::Nemesis,
        EventType::Info,
        OpFn::parse("stop-partition"),
        None,
        Value::Null,
        None,
    );
    // Final reads: one per node and key, after the heal and the last write.
    for (k, values) in written.iter().enumerate() {
        for (n, node) in ["n1", "n2", "n3"].into_iter().enumerate() {
            let process = ProcessId::Client(1000 + n as u64);
            let key = Some(format!("k{k}"));
            let last = values.last().map_or(Value::Null, |v| json!(v));
            let v = if rng.random_bool(0.05) && values.len() > 1 {
                json!(values[0])
            } else {
                last
            };
            push(
                process,
                EventType::Invoke,
                OpFn::Read,
                key.clone(),
                Value::Null,
                Some(node),
            );
            push(process, EventType::Ok, OpFn::Read, key, v, Some(node));
        }
    }
    events
}

/// `events` without the nemesis, as batches of `per` whole keys in a
/// shuffled order (a run hands keys over as it finishes with them).
fn batches(events: &[Event], per: usize, seed: u64) -> Vec<Vec<Event>> {
    let mut keys: Vec<Option<String>> = events
        .iter()
        .filter(|e| e.process != ProcessId::Nemesis)
        .map(|e| e.key.clone())
        .collect();
    keys.sort();
    keys.dedup();
    keys.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    keys.chunks(per)
        .map(|chunk| {
            events
                .iter()
                .filter(|e| e.process != ProcessId::Nemesis && chunk.contains(&e.key))
                .cloned()
                .collect()
        })
        .collect()
}

/// A verdict without its timings, which differ between any two checks.
fn untimed(mut v: Verdict) -> Verdict {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.remove("elapsed_ms");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v.details);
    v
}

#[test]
fn batches_of_keys_give_the_card_of_the_whole_history() {
    let kinds = CheckerKind::ALL;
    let mut opts = CardOptions::new(ModelKind::Register);
    // A limit, so that staleness has verdicts to compare too.
    opts.staleness.max_versions = Some(1);
    let mut seen: Vec<(CheckerKind, Validity)> = Vec::new();
    for seed in 0..150 {
        let events = history(seed);
        let last_heal = events
            .iter()
            .filter(|e| e.process == ProcessId::Nemesis)
            .map(|e| e.time)
            .max();
        let whole: Vec<Verdict> = run_checkers(&events, &kinds, &opts)
            .into_iter()
            .map(untimed)
            .collect();
        for v in &whole {
            let kind: CheckerKind = v.checker.parse().expect("a checker's name");
            if !seen.contains(&(kind, v.valid)) {
                seen.push((kind, v.valid));
            }
        }
        for per in [1, 2, 5] {
            let parts = batches(&events, per, seed);
            let keyed: Vec<Verdict> =
                run_keyed_checkers(|| parts.clone(), &kinds, &opts, last_heal)
                    .expect("every checker of `all` reads keys apart")
                    .into_iter()
                    .map(untimed)
                    .collect();
            // Linearizability's batches are compared elsewhere: they stop
            // at the first invalid key and name operations by position.
            assert_eq!(
                keyed[0].valid, whole[0].valid,
                "seed {seed}, {per} key(s) a batch"
            );
            assert_eq!(keyed[1..], whole[1..], "seed {seed}, {per} key(s) a batch");
        }
    }
    // The comparison means something only if the histories break each
    // checker sometimes and not always.
    for kind in [
        CheckerKind::Linearizable,
        CheckerKind::Sequential,
        CheckerKind::Session,
        CheckerKind::Eventual,
        CheckerKind::Staleness,
    ] {
        for valid in [Validity::Valid, Validity::Invalid] {
            assert!(
                seen.contains(&(kind, valid)),
                "no {kind} verdict {valid:?}: {seen:?}"
            );
        }
    }
}

#[test]
fn a_checker_that_needs_the_whole_history_is_refused() {
    let opts = CardOptions::new(ModelKind::Register);
    let refused = run_keyed_checkers(
        Vec::new,
        &[CheckerKind::Session, CheckerKind::Bank],
        &opts,
        None,
    )
    .expect_err("the bank checker reads whole histories");
    assert_eq!(refused.0, CheckerKind::Bank);
}

/// A check stopped while the batches are read says so: the keys not read
/// must not count as judged (a session check of half the keys would
/// otherwise read valid).
#[test]
fn a_stopped_check_leaves_the_checkers_it_cut_short_unknown() {
    let events = history(3);
    let mut opts = CardOptions::new(ModelKind::Register);
    opts.check.cancel = Some(std::sync::Arc::new(std::sync::atomic::AtomicBool::new(
        true,
    )));
    let kinds = [
        CheckerKind::Session,
        CheckerKind::Eventual,
        CheckerKind::Staleness,
    ];
    let verdicts = run_keyed_checkers(|| batches(&events, 1, 3), &kinds, &opts, None)
        .expect("every checker of `all` reads keys apart");
    assert_eq!(verdicts.len(), 3);
    for v in verdicts {
        assert_eq!(v.valid, Validity::Unknown, "{}: {}", v.checker, v.summary);
        assert!(
            v.summary.contains("stopped before every key was read"),
            "{}",
            v.summary
        );
    }
}

/// The progress display counts each key once: the sequential search's own
/// linearizability check of a batch must not count its keys again.
#[test]
fn the_progress_counts_each_key_once() {
    let events = history(5);
    let keys = batches(&events, 1, 5).len();
    let progress = std::sync::Arc::new(faultline_checkers::CheckProgress::default());
    let mut opts = CardOptions::new(ModelKind::Register);
    opts.check.progress = Some(progress.clone());
    run_keyed_checkers(|| batches(&events, 2, 5), &CheckerKind::ALL, &opts, None)
        .expect("every checker of `all` reads keys apart");
    assert_eq!(progress.counts(), (keys, keys));
}
