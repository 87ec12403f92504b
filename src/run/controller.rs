//! One test run, phase by phase: setup → main (workers + nemesis) → heal →
//! recovery → final reads → check → results.

use super::check::run_checkers;
use super::config::RunConfig;
use super::config::SutKind;
use super::explain;
use super::fault_coverage::FaultCoverage;
use super::nemesis;
use super::progress::{self, Counters, PhasePlan};
use super::recorder::Recorder;
use super::results::{Files, ResultsFile, RunDir};
use super::stats;
use super::summary;
use super::sut::Sut;
use super::timeline::Timeline;
use super::worker::{Shared, Worker};
use anyhow::Context;
use faultline_checkers::CheckProgress;
use faultline_checkers::{EventType, Validity, Verdict};
use faultline_workloads::generator::{KeyPicker, Pacer, Phase, WorkerGenerator, worker_seed};
use faultline_workloads::workload::WorkloadKind;
use faultline_workloads::workload::bank::Accounts;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Attempts per key in the final reads (a read that fails or times out is retried).
const FINAL_READ_ATTEMPTS: usize = 5;

/// What one run produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// Combined verdict of the checkers.
    pub valid: Validity,
    /// Counts and latencies.
    pub stats: stats::RunStats,
    /// A harness failure found after the history was checked (a fault that
    /// failed mid-run): the run's exit is an error unless it found an anomaly.
    pub harness_error: Option<String>,
}

/// Runs one test and writes its results; returns the combined verdict.
pub async fn run_one(
    config: RunConfig,
    interrupt: CancellationToken,
    hurry: CancellationToken,
) -> anyhow::Result<RunOutcome> {
    let started = std::time::Instant::now();
    let seed = config.seed.unwrap_or_default();
    let name = config.test_name();
    let dir = RunDir::create(&config.results_dir, &name)?;
    if let Err(e) = super::run_log::open(dir.path()) {
        tracing::warn!(
            "cannot write faultline.log in {}: {e}",
            dir.path().display()
        );
    }
    dir.write("config.toml", &config.as_ran().to_toml()?)?;
    let key_prefix = config.effective_key_prefix();
    eprintln!("run {name} (seed {seed}) → {}", dir.path().display());

    let recorder = Arc::new(Recorder::create(&dir.file("history.jsonl"))?);
    let mut timeline = Timeline::default();
    timeline.enter(Phase::Setup, recorder.now_ns());
    let counters = Arc::new(Counters::with_plan(PhasePlan {
        main: config.time_limit(),
        recovery: config.quiet_period(),
    }));
    let progress_stop = CancellationToken::new();
    let progress_task = tokio::spawn(progress::show(counters.clone(), progress_stop.clone()));

    let nodes_dir = dir.file("nodes");
    eprintln!("setup: {}", describe_sut(&config, None));
    let sut = Sut::start(&config, &nodes_dir).await?;
    let node_list: Vec<(String, String)> = sut
        .endpoints
        .iter()
        .map(|e| (e.name.clone(), e.url.clone()))
        .collect();

    let client = sut.client(&config)?;
    if matches!(config.sut, SutKind::Http | SutKind::Described)
        && let Err(e) = super::probe::probe(&client, &config, &key_prefix).await
    {
        progress_stop.cancel();
        sut.stop().await;
        // Refused before any load: like any other refusal, leave no results
        // directory that looks like a run.
        let path = dir.path().display().to_string();
        if let Err(rm) = dir.discard() {
            tracing::warn!("{rm:#}");
        }
        return Err(e.context(format!("the run was refused; {path} was removed")));
    }
    let shared = Arc::new(Shared {
        client,
        recorder: recorder.clone(),
        counters: counters.clone(),
        concurrency: config.concurrency,
    });

    let per_key_limit = (config.per_key_limit > 0).then_some(config.per_key_limit);
    let accounts = Accounts::new(&key_prefix, config.accounts);
    let mut workers = Vec::with_capacity(config.concurrency);
    for w in 0..config.concurrency {
        let keys = KeyPicker::new(
            config.key_dist,
            config.keys,
            per_key_limit,
            config.concurrency,
        )
        .with_prefix(key_prefix.clone());
        workers.push(Worker {
            process: w as u64,
            generator: WorkerGenerator::new(config.workload, keys, seed, w, config.concurrency)
                .with_accounts(accounts.clone()),
            rng: ChaCha8Rng::seed_from_u64(worker_seed(!seed, w)),
            pacer: Pacer::new(config.rate, config.concurrency),
        });
    }
    if config.workload == WorkloadKind::Bank
        && let Some(first) = workers.first_mut()
        && let Err(e) = bank_setup(&shared, first, &accounts, &interrupt).await
    {
        progress_stop.cancel();
        sut.stop().await;
        // Refused before any load: like any other refusal, leave no results
        // directory that looks like a run.
        let path = dir.path().display().to_string();
        if let Err(rm) = dir.discard() {
            tracing::warn!("{rm:#}");
        }
        return Err(e.context(format!("the run was refused; {path} was removed")));
    }

    // Main phase: workers and nemesis together.
    counters.set_phase(Phase::Main);
    timeline.enter(Phase::Main, recorder.now_ns());
    let nemesis_stop = CancellationToken::new();
    let sut = Arc::new(sut);
    let nemesis_task = {
        let (config, sut, recorder, counters, stop) = (
            config.clone(),
            sut.clone(),
            recorder.clone(),
            counters.clone(),
            nemesis_stop.clone(),
        );
        tokio::spawn(async move { nemesis::run(&config, &sut, recorder, counters, stop).await })
    };

    let deadline = Instant::now() + config.time_limit();
    let mut handles = Vec::with_capacity(config.concurrency);
    for mut worker in workers {
        let (shared, stop) = (shared.clone(), interrupt.clone());
        let lock = (config.workload == WorkloadKind::Lock).then(|| config.lock_options());
        handles.push(tokio::spawn(async move {
            match &lock {
                Some(opts) => worker.run_lock(&shared, opts, deadline, &stop).await,
                None => worker.run(&shared, deadline, &stop).await,
            }
            worker
        }));
    }
    let mut workers = Vec::with_capacity(handles.len());
    let mut worker_panic = None;
    for h in handles {
        match h.await {
            Ok(w) => workers.push(w),
            Err(e) => {
                // Keep going to the heal: a crashed worker must not leave nodes faulted.
                interrupt.cancel();
                worker_panic.get_or_insert(e);
            }
        }
    }

    // Heal: the nemesis always heals before returning, also when interrupted.
    counters.set_phase(Phase::Heal);
    timeline.enter(Phase::Heal, recorder.now_ns());
    nemesis_stop.cancel();
    let nemesis_result = nemesis_task.await.context("the nemesis task panicked")?;
    if let Some(e) = worker_panic {
        return Err(e).context("a worker task panicked (the nemesis healed first)");
    }
    let fault_error = match &nemesis_result {
        Ok(()) => None,
        Err(e) => {
            tracing::error!("nemesis: {e:#}");
            Some(format!("{e:#}"))
        }
    };

    if !interrupt.is_cancelled() {
        counters.set_phase(Phase::Recovery);
        timeline.enter(Phase::Recovery, recorder.now_ns());
        tokio::select! {
            _ = interrupt.cancelled() => {}
            _ = tokio::time::sleep(config.quiet_period()) => {}
        }
    }
    if !interrupt.is_cancelled() {
        timeline.enter(Phase::FinalReads, recorder.now_ns());
        if config.workload == WorkloadKind::Bank {
            counters.set_final_reads(workers.len());
            final_bank_reads(&shared, workers, &interrupt).await;
        } else {
            final_reads(&shared, workers, config.workload, &counters, &interrupt).await;
        }
    }

    sut.stop().await;

    // Check what was recorded.
    let check_progress = Arc::new(CheckProgress::default());
    counters.set_check(check_progress.clone());
    timeline.enter(Phase::Check, recorder.now_ns());
    let (events, write_error) = {
        let recorder = recorder.clone();
        tokio::task::spawn_blocking(move || recorder.snapshot())
            .await
            .context("the history writer panicked")?
    };
    if let Some(e) = write_error {
        anyhow::bail!("the history could not be written: {e}");
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let check_config = config.clone();
    let mut check_task = tokio::task::spawn_blocking({
        let (events, cancel) = (events.clone(), cancel.clone());
        move || run_checkers(&events, &check_config, cancel, Some(check_progress))
    });
    // The checker honours its own deadline; the flag is the backstop, and
    // lets a second Ctrl-C cut the check short.
    let verdicts = tokio::select! {
        v = &mut check_task => v,
        _ = tokio::time::sleep(config.check_timeout()) => {
            cancel.store(true, Ordering::Relaxed);
            check_task.await
        }
        _ = hurry.cancelled() => {
            cancel.store(true, Ordering::Relaxed);
            check_task.await
        }
    }
    .context("the checker panicked");
    progress_stop.cancel();
    let _ = progress_task.await;
    let verdicts = verdicts?;
    let phases = timeline.finish(recorder.now_ns());
    let mut run_stats = stats::compute(&events);
    if let Some(main) = phases.iter().find(|p| p.phase == Phase::Main) {
        run_stats.main_ops_per_sec = stats::invoke_rate(&events, main.start_ns, main.end_ns);
    }
    let mut verdicts = verdicts;
    let explanations = explain::explanations(&verdicts);
    if let Some(v) = nothing_tested(&run_stats, interrupt.is_cancelled()) {
        verdicts.push(v);
    }
    let controlled_nodes = sut.control.as_ref().map_or(0, |c| c.nodes().len());
    let faults = FaultCoverage::from_events(
        &nemesis::kinds(&config)?,
        controlled_nodes,
        &events,
        fault_error,
    );
    if let Some(v) = faults.verdict(interrupt.is_cancelled()) {
        verdicts.push(v);
    }
    let valid = verdicts
        .iter()
        .fold(Validity::Valid, |acc, v| acc.and(v.valid));
    let title = format!(
        "{}{} · {} · seed {seed}{}",
        if config.name.is_empty() {
            String::new()
        } else {
            format!("{name}: ")
        },
        describe_sut(&config, Some(node_list.len())),
        describe_faults(&config, sut.control.is_some()),
        if interrupt.is_cancelled() {
            " · interrupted"
        } else {
            ""
        }
    );
    let text = summary::render(
        &title,
        &run_stats,
        &verdicts,
        &explanations,
        valid,
        faults.error.is_some(),
        faults.line().as_deref(),
    );

    dir.write("summary.txt", &text)?;
    let results = ResultsFile {
        name: name.clone(),
        started: dir.started.to_rfc3339(),
        elapsed_s: started.elapsed().as_secs_f64(),
        valid,
        interrupted: interrupt.is_cancelled(),
        seed,
        key_prefix,
        nodes: node_list,
        stats: &run_stats,
        phases: &phases,
        faults: &faults,
        verdicts: &verdicts,
        files: Files {
            history: "history.jsonl".into(),
            config: "config.toml".into(),
            summary: "summary.txt".into(),
            nodes: nodes_dir.exists().then(|| "nodes".into()),
        },
        config: &config,
    };
    dir.write(
        "results.json",
        &serde_json::to_string_pretty(&results).context("serialising results.json")?,
    )?;
    if let Err(e) = crate::report::write_all(dir.path()) {
        tracing::warn!("writing the report: {e:#}");
    }
    if let Err(e) = dir.link_latest() {
        tracing::warn!("{e:#}");
    }
    println!("{text}");
    println!(
        "results: {} (report.html, history.jsonl, results.json)",
        dir.path().display()
    );
    Ok(RunOutcome {
        valid,
        stats: run_stats,
        harness_error: faults.error.clone(),
    })
}

/// Reads every key the workers touched on every node, spread over the
/// workers; a read with an unknown outcome is retried (as a new process
/// after an `info`). Each read is attributed to its node in the history, so
/// the eventual checker can compare what the nodes hold; a mode that forwards
/// reads (Raft followers) still answers each one linearizably.
async fn final_reads(
    shared: &Arc<Shared>,
    workers: Vec<Worker>,
    workload: WorkloadKind,
    counters: &Counters,
    stop: &CancellationToken,
) {
    let keys: BTreeSet<String> = workers
        .iter()
        .flat_map(|w| w.generator.keys_used())
        .collect();
    let nodes = shared.client.endpoints().len().max(1);
    let reads: Vec<(String, usize)> = keys
        .into_iter()
        .flat_map(|k| (0..nodes).map(move |node| (k.clone(), node)))
        .collect();
    counters.set_final_reads(reads.len());
    let n = workers.len().max(1);
    let mut tasks = Vec::new();
    for (i, worker) in workers.into_iter().enumerate() {
        let mine: Vec<(String, usize)> = reads.iter().skip(i).step_by(n).cloned().collect();
        let (shared, stop) = (shared.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut worker = worker;
            for (key, node) in mine {
                for _ in 0..FINAL_READ_ATTEMPTS {
                    if stop.is_cancelled() {
                        return;
                    }
                    let c = worker
                        .invoke_on(&shared, &workload.final_read(&key), node)
                        .await;
                    // A definite failure (e.g. `not_leader` from a store
                    // that does not forward) will not change on a retry.
                    if c.kind != EventType::Info {
                        break;
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// Attempts of the bank's setup transaction before the run gives up.
const SETUP_ATTEMPTS: usize = 20;

/// Writes the initial balances as one transaction, recorded like any
/// operation so the checker knows the total; retried until it is `ok`
/// (a leader election may be under way).
async fn bank_setup(
    shared: &Shared,
    worker: &mut Worker,
    accounts: &Accounts,
    stop: &CancellationToken,
) -> anyhow::Result<()> {
    let op = accounts.setup_op();
    let mut last = String::new();
    for _ in 0..SETUP_ATTEMPTS {
        if stop.is_cancelled() {
            anyhow::bail!("interrupted during the bank setup");
        }
        let c = worker.invoke(shared, &op).await;
        if c.kind == EventType::Ok {
            return Ok(());
        }
        last = c.describe();
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    anyhow::bail!(
        "the bank setup (one transaction writing {} accounts) did not succeed in {SETUP_ATTEMPTS} attempts; last error: {last}",
        accounts.names().len()
    )
}

/// One whole-bank read per worker, each retried until `ok`: reads that
/// begin after every transfer ended show whether acknowledged ones survived.
async fn final_bank_reads(shared: &Arc<Shared>, workers: Vec<Worker>, stop: &CancellationToken) {
    let mut tasks = Vec::new();
    for mut worker in workers {
        let (shared, stop) = (shared.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let op = worker.generator.accounts().read_op();
            for _ in 0..FINAL_READ_ATTEMPTS {
                if stop.is_cancelled() {
                    return;
                }
                if worker.invoke(&shared, &op).await.kind == EventType::Ok {
                    return;
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// What the run tests, e.g. `cas-register on the bundled raft cluster (3 nodes)`.
/// `endpoints` is how many the started SUT has, once known.
fn describe_sut(config: &RunConfig, endpoints: Option<usize>) -> String {
    // Not a match over the kinds: other SUT kinds are described by name.
    let sut = if config.sut == SutKind::Bundled {
        let bugs = if config.bug.is_empty() {
            String::new()
        } else {
            format!(", bug {}", config.bug.join(","))
        };
        let gossip = if config.mode == "gossip" {
            format!(
                ", fanout {} every {} ms",
                config.fanout, config.gossip_interval
            )
        } else {
            String::new()
        };
        let cache = if config.cache { ", read cache" } else { "" };
        let size = if config.shards > 1 {
            format!(
                "{} shards of {} nodes and a 2PC coordinator",
                config.shards, config.nodes
            )
        } else {
            format!("{} nodes", config.nodes)
        };
        format!(
            "the bundled {} cluster ({size}{gossip}{cache}{bugs})",
            config.mode
        )
    } else {
        match endpoints {
            Some(n) => format!("{} SUT ({n} endpoints)", config.sut),
            None => format!("{} SUT", config.sut),
        }
    };
    format!(
        "{} on {sut}, {} workers at {}",
        config.workload,
        config.concurrency,
        if config.rate > 0.0 {
            format!("{} ops/s", config.rate)
        } else {
            "full speed".to_string()
        }
    )
}

/// The faults, e.g. `faults partition,kill every 5 s`; without node control
/// the nemesis cannot act, and the title must not claim faults that never ran.
fn describe_faults(config: &RunConfig, has_control: bool) -> String {
    let kinds: Vec<&str> = config
        .nemesis
        .iter()
        .map(String::as_str)
        .filter(|k| *k != "none")
        .collect();
    if kinds.is_empty() {
        "no faults".to_string()
    } else if !has_control {
        format!("no faults ({} needs node control)", kinds.join(","))
    } else {
        let timing = config.nemesis_schedule.describe(config.nemesis_interval);
        format!("faults {} {timing}", kinds.join(","))
    }
}

/// An `unknown` verdict when no operation succeeded, or no operation of some
/// type: then the checkers judged less than the workload claims to test,
/// and a CI gate must not read that as a pass (typically the endpoints are
/// wrong, the SUT never became available, or it refuses one operation).
fn nothing_tested(stats: &stats::RunStats, interrupted: bool) -> Option<Verdict> {
    let ok = stats.ops.last().map_or(0, |total| total.ok);
    if ok == 0 {
        return Some(Verdict {
            checker: "workload".into(),
            valid: Validity::Unknown,
            summary: if interrupted && stats.invoked == 0 {
                "interrupted before any operation ran".into()
            } else {
                format!(
                    "none of {} operation(s) completed ok, so nothing was tested: is the SUT reachable?",
                    stats.invoked
                )
            },
            details: serde_json::Value::Null,
        });
    }
    // Jepsen's stats rule: an operation type that never once succeeded
    // tested nothing of what it stands for (a store refusing every cas
    // passes a register check on reads and writes alone). Not applied to a
    // run stopped by Ctrl-C, which is judged on what it recorded and says
    // it was interrupted.
    if interrupted {
        return None;
    }
    let never: Vec<String> = stats
        .ops
        .iter()
        .take(stats.ops.len().saturating_sub(1))
        .filter(|row| row.ok == 0)
        .map(|row| format!("{} ({} fail, {} info)", row.f, row.fail, row.info))
        .collect();
    (!never.is_empty()).then(|| Verdict {
        checker: "workload".into(),
        valid: Validity::Unknown,
        summary: format!(
            "no {} completed ok, so that operation was never tested",
            never.join(", no ")
        ),
        details: serde_json::Value::Null,
    })
}
