//! One test run, phase by phase: setup → main (workers + nemesis) → heal →
//! recovery → final reads → check → results.

use super::check::run_checkers_on_file;
use super::config::RunConfig;
use super::explain;
use super::fault_coverage::FaultCoverage;
use super::history_pass;
use super::nemesis;
use super::progress::{self, Counters, PhasePlan};
use super::recorder::Recorder;
use super::results::{Files, ResultsFile, RunDir};
use super::stats;
use super::summary;
use super::test::Test;
use super::timeline::Timeline;
use super::worker::{Shared, Worker};
use anyhow::Context;
use faultline_checkers::CheckProgress;
use faultline_checkers::{Validity, Verdict};
use faultline_workloads::generator::{KeyPicker, Pacer, Phase, worker_seed};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

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
    test: Test,
    interrupt: CancellationToken,
    hurry: CancellationToken,
) -> anyhow::Result<RunOutcome> {
    let started = std::time::Instant::now();
    let config = test.config.clone();
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
    let key_prefix = test.key_prefix();
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
    eprintln!("setup: {}", describe_sut(&config, test.sut.describe(None)));
    let sut = test.sut.start(&test.faults, &nodes_dir).await?;
    let node_list: Vec<(String, String)> = sut
        .endpoints
        .iter()
        .map(|e| (e.name.clone(), e.url.clone()))
        .collect();

    let client = sut.client(test.sut.client_kind(), &test.client_options())?;
    if test.sut.probe_first()
        && let Err(e) = super::probe::probe(&client, test.workload.probe(), &key_prefix).await
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
            generator: test
                .workload
                .generator(keys, seed, w, config.concurrency, &key_prefix),
            rng: ChaCha8Rng::seed_from_u64(worker_seed(!seed, w)),
            pacer: Pacer::new(config.rate, config.concurrency),
        });
    }
    if let Some(first) = workers.first_mut()
        && let Err(e) = test.workload.setup(&shared, first, &interrupt).await
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
        let (shared, stop, workload) = (shared.clone(), interrupt.clone(), test.workload.clone());
        handles.push(tokio::spawn(async move {
            workload
                .run_worker(&mut worker, &shared, deadline, &stop)
                .await;
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
        test.workload
            .final_ops(&shared, workers, &counters, &interrupt)
            .await;
    }

    sut.stop().await;

    // Check what was recorded.
    let check_progress = Arc::new(CheckProgress::default());
    counters.set_check(check_progress.clone());
    timeline.enter(Phase::Check, recorder.now_ns());
    // The file is the history. One pass gives the statistics and the
    // faults; the checker reads it again, by keys where it can, so a long
    // run's history is never in memory whole.
    let main_window = timeline.span(Phase::Main).unwrap_or_default();
    let final_reads = timeline.span(Phase::FinalReads).map(|(start, _)| start);
    let (history, mut pass) = {
        let recorder = recorder.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let path = recorder.finish()?.to_path_buf();
            let pass = history_pass::read(&path, main_window, final_reads)?;
            Ok((path, pass))
        })
        .await
        .context("reading the history back panicked")??
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let check_config = config.clone();
    let mut check_task = tokio::task::spawn_blocking({
        let (history, cancel) = (history.clone(), cancel.clone());
        let keys = std::mem::take(&mut pass.keys);
        move || run_checkers_on_file(&history, keys, &check_config, cancel, Some(check_progress))
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
    let verdicts = verdicts??;
    let phases = timeline.finish(recorder.now_ns());
    let main_rate = pass.window_rate(main_window);
    let mut run_stats = pass.stats;
    run_stats.main_ops_per_sec = main_rate;
    let mut verdicts = verdicts;
    let explanations = explain::explanations(&verdicts);
    if let Some(v) = nothing_tested(&run_stats, interrupt.is_cancelled()) {
        verdicts.push(v);
    }
    let controlled_nodes = sut.control.as_ref().map_or(0, |c| c.nodes().len());
    let faults =
        FaultCoverage::from_events(&test.faults, controlled_nodes, &pass.nemesis, fault_error);
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
        describe_sut(&config, test.sut.describe(Some(node_list.len()))),
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

/// What the run tests, e.g. `cas-register on the bundled raft cluster (3
/// nodes), 6 workers at 100 ops/s`; `sut` is the SUT's own description.
fn describe_sut(config: &RunConfig, sut: String) -> String {
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
    let kinds: Vec<String> = config
        .nemesis
        .iter()
        .filter(|k| **k != crate::run::config::FaultWord::None)
        .map(ToString::to_string)
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
