//! Times the transactional checker on a generated list-append history.
//!
//! `cargo run --release -p faultline-checkers --example txn_bench -- [TXNS] [PROCESSES] [STALE]`
//!
//! The history is what a correct database would produce: PROCESSES clients
//! each run one transaction at a time, every transaction takes effect
//! atomically somewhere between its invocation and its completion, and
//! keys are retired after 32 appends (as Jepsen's generator rotates them).
//! With STALE (a fraction, default 0) that share of reads misses the
//! list's last element, as a database serving stale reads would: the
//! history is then full of anomalies, which times the cycle search.
//! It is printed as JSONL and read back, so the timing covers reading the
//! file as `faultline check` does; peak memory is the process's high-water mark.

use faultline_checkers::{Event, EventType, Format, OpFn, ProcessId, parse_history};
use faultline_checkers::{TxnOptions, check_txn};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Instant;

const ACTIVE_KEYS: usize = 10;
const APPENDS_PER_KEY: usize = 32;

fn main() {
    let mut args = std::env::args().skip(1);
    let txns: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let procs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let stale: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(0.0);

    let t0 = Instant::now();
    let events = generate(txns, procs, stale, 1);
    let text: String = events
        .iter()
        .filter_map(|e| serde_json::to_string(e).ok())
        .map(|l| l + "\n")
        .collect();
    drop(events);
    let generated = t0.elapsed();

    let t1 = Instant::now();
    let events = match parse_history(&text, "bench.jsonl", Format::Auto) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let parsed = t1.elapsed();
    drop(text);

    let t2 = Instant::now();
    let report = match check_txn(&events, &TxnOptions::default()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let checked = t2.elapsed();

    println!(
        "{txns} txns, {procs} processes, {} events: generated {:.2}s, read JSONL {:.2}s, checked {:.2}s, peak memory {}",
        events.len(),
        generated.as_secs_f64(),
        parsed.as_secs_f64(),
        checked.as_secs_f64(),
        peak_memory()
    );
    println!(
        "graph: {} nodes, {} arcs (ww {}, wr {}, rw {}, realtime {}, process {})",
        report.graph.nodes,
        report.graph.arcs,
        report.graph.ww,
        report.graph.wr,
        report.graph.rw,
        report.graph.realtime,
        report.graph.process
    );
    println!("{}", report.summary());
    for g in &report.anomalies {
        println!("  {}: {}", g.kind, g.count);
    }
    if !report.incomplete.is_empty() {
        println!("  incomplete: {:?}", report.incomplete);
    }
}

/// A strict-serializable list-append history of `n` transactions.
fn generate(n: usize, procs: usize, stale: f64, seed: u64) -> Vec<Event> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut lists: HashMap<u64, Vec<u64>> = HashMap::new();
    let mut active: Vec<u64> = (0..ACTIVE_KEYS as u64).collect();
    let mut next_key = ACTIVE_KEYS as u64;
    let mut next_value = 0u64;
    // Per process: the transaction in flight and whether it took effect.
    let mut running: Vec<Option<(Vec<Value>, bool)>> = vec![None; procs];
    let mut events = Vec::with_capacity(2 * n);
    let mut started = 0;
    let push = |events: &mut Vec<Event>, p: usize, kind: EventType, value: Value| {
        let i = events.len() as u64;
        events.push(Event {
            index: i,
            time: i * 1000,
            process: ProcessId::Client(p as u64),
            kind,
            f: OpFn::Txn,
            key: None,
            value,
            node: None,
            error: None,
            detail: None,
        });
    };
    while started < n || running.iter().any(Option::is_some) {
        let p = rng.random_range(0..procs);
        match running[p].take() {
            None if started < n => {
                started += 1;
                let ops: Vec<Value> = (0..rng.random_range(1..=4))
                    .map(|_| {
                        let k = active[rng.random_range(0..active.len())];
                        if rng.random_bool(0.5) {
                            next_value += 1;
                            json!(["append", k, next_value])
                        } else {
                            json!(["r", k, null])
                        }
                    })
                    .collect();
                push(&mut events, p, EventType::Invoke, Value::Array(ops.clone()));
                running[p] = Some((ops, false));
            }
            None => {}
            Some((ops, false)) => {
                // Takes effect now, atomically.
                let mut done = Vec::with_capacity(ops.len());
                for op in ops {
                    let k = op[1].as_u64().unwrap_or(0);
                    if op[0] == "append" {
                        let list = lists.entry(k).or_default();
                        list.push(op[2].as_u64().unwrap_or(0));
                        if list.len() >= APPENDS_PER_KEY
                            && let Some(slot) = active.iter().position(|&a| a == k)
                        {
                            active[slot] = next_key;
                            next_key += 1;
                        }
                        done.push(op);
                    } else {
                        let mut seen = lists.get(&k).cloned().unwrap_or_default();
                        if rng.random_bool(stale) {
                            seen.pop();
                        }
                        done.push(json!(["r", k, seen]));
                    }
                }
                running[p] = Some((done, true));
            }
            Some((done, true)) => push(&mut events, p, EventType::Ok, Value::Array(done)),
        }
    }
    events
}

/// The process's peak resident memory, from /proc (Linux).
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}
