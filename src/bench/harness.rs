//! `faultline bench harness`: operations per second the controller sustains,
//! recording every event to `history.jsonl`, against a trivial in-process
//! HTTP store (an in-memory map behind axum) at concurrency 50.

use crate::cmd::bench::BenchArgs;
use crate::exit::Exit;
use crate::run::config::{RunConfig, SutKind};
use anyhow::Context;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Store = Arc<Mutex<HashMap<String, Value>>>;

#[derive(Deserialize)]
struct WriteBody {
    value: Value,
}

#[derive(Deserialize)]
struct CasBody {
    from: Value,
    to: Value,
}

fn lock(s: &Store) -> std::sync::MutexGuard<'_, HashMap<String, Value>> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

async fn read(State(s): State<Store>, Path(k): Path<String>) -> Response {
    match lock(&s).get(&k) {
        Some(v) => Json(json!({ "value": v })).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"error": "not_found"}))).into_response(),
    }
}

async fn write(
    State(s): State<Store>,
    Path(k): Path<String>,
    Json(b): Json<WriteBody>,
) -> Response {
    lock(&s).insert(k, b.value);
    Json(json!({"ok": true})).into_response()
}

async fn cas(State(s): State<Store>, Path(k): Path<String>, Json(b): Json<CasBody>) -> Response {
    let mut m = lock(&s);
    if m.get(&k).unwrap_or(&Value::Null) == &b.from {
        m.insert(k, b.to);
        Json(json!({"ok": true})).into_response()
    } else {
        (
            StatusCode::CONFLICT,
            Json(json!({"error": "precondition_failed"})),
        )
            .into_response()
    }
}

async fn append(
    State(s): State<Store>,
    Path(k): Path<String>,
    Json(b): Json<WriteBody>,
) -> Response {
    let mut m = lock(&s);
    let entry = m.entry(k).or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(items) = entry {
        items.push(b.value);
    }
    Json(json!({"ok": true})).into_response()
}

/// Starts the in-memory store on a free loopback port; returns its URL.
pub(crate) async fn start_store() -> anyhow::Result<String> {
    let store: Store = Arc::default();
    let app = Router::new()
        .route("/kv/{key}", get(read).put(write))
        .route("/kv/{key}/cas", post(cas))
        .route("/kv/{key}/append", post(append))
        .with_state(store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the bench store")?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{addr}"))
}

/// Runs the benchmark and prints its numbers.
pub fn run(args: &BenchArgs) -> anyhow::Result<Exit> {
    let seconds = if args.quick { 2.0 } else { 5.0 };
    let results = tempfile::tempdir().context("creating a scratch results directory")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let url = runtime.block_on(start_store())?;
    let config = RunConfig {
        name: "bench-harness".into(),
        results_dir: results.path().to_path_buf(),
        sut: SutKind::Http,
        endpoints: vec![url],
        checker: vec![crate::run::config::CheckerWord::None],
        concurrency: 50,
        rate: 0.0,
        time_limit: seconds,
        keys: 50,
        per_key_limit: 0,
        nemesis: vec![crate::run::config::FaultWord::None],
        recovery_time: 0.0,
        seed: Some(1),
        ..RunConfig::default()
    };
    let cpu_before = cpu_seconds();
    let stats = runtime.block_on(crate::run::run_once(config))?.stats;
    let cpu = cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    println!(
        "bench harness: {:.0} ops/s sustained ({} ops in {seconds} s, concurrency 50, history recorded and flushed per event)",
        stats.ops_per_sec, stats.invoked
    );
    // Other processes on a shared machine lower the rate above; the CPU time
    // per operation does not depend on them, so it also gives the rate the
    // harness would reach with every core to itself.
    if let Some(cpu) = cpu.filter(|c| *c > 0.0 && stats.invoked > 0) {
        let per_op_us = cpu * 1e6 / stats.invoked as f64;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "bench harness: {per_op_us:.1} µs CPU per operation (harness and store together) \
             → {:.0} ops/s with all {cores} cores free",
            cores as f64 * 1e6 / per_op_us
        );
    }
    Ok(Exit::Valid)
}

/// CPU time (user + system) this process has used, from `/proc/self/stat`.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 12th and 13th of them, in clock ticks of 1/100 s (USER_HZ on Linux).
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
