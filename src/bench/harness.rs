//! `faultline bench harness`: operations per second the controller sustains,
//! recording every event to `history.jsonl`, against a trivial in-process
//! HTTP store (faultline-cluster's `memory_store`, one node without faults)
//! at concurrency 50.

use crate::bench::args::BenchArgs;
use crate::exit::Exit;
use crate::run::config::{RunConfig, SutKind};
use anyhow::Context;
use faultline_cluster::memory_store::{self, MemoryStoreOptions};

/// Starts the in-memory store (one node, no faults) on a free loopback
/// port, on the current runtime; returns its URL.
pub(crate) async fn start_store() -> anyhow::Result<String> {
    let mut urls = memory_store::start(MemoryStoreOptions::default())
        .await
        .context("starting the bench store")?;
    urls.pop().context("the bench store has no node")
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
