//! `faultline bench bugs`: how often a default-length run catches each
//! switchable bug with nothing but `--bug` (and the workload, shards or
//! cache it needs) given, and how often the correct cluster is called
//! invalid. Each run is a child `faultline run` with its own results
//! directory; the table is printed at the end, a line per run as it goes.

mod child;
mod first_anomaly;
mod plan;
mod tally;

use crate::bench::args::BenchArgs;
use crate::exit::Exit;
use anyhow::Context;
use child::{Ending, Job, Outcome};
use faultline_cluster::Bug;

/// Runs the benchmark and prints its numbers.
pub fn run(args: &BenchArgs) -> anyhow::Result<Exit> {
    let bugs = selected_bugs(&args.bug)?;
    let exe = std::env::current_exe().context("locating the faultline executable")?;
    // A temporary directory unless the runs should be kept for a look.
    let scratch = match &args.results_dir {
        Some(_) => None,
        None => Some(tempfile::tempdir().context("creating a scratch results directory")?),
    };
    let root = match (&args.results_dir, &scratch) {
        (Some(dir), _) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            dir.clone()
        }
        (None, Some(tmp)) => tmp.path().to_path_buf(),
        (None, None) => anyhow::bail!("no results directory"),
    };
    let seeds: Vec<u64> = (0..args.seeds as u64)
        .map(|i| args.first_seed.wrapping_add(i))
        .collect();
    let mut jobs: Vec<Job> = Vec::new();
    for bug in &bugs {
        let (setup, _) = plan::plan(*bug);
        jobs.extend(seeds.iter().map(|&seed| Job {
            bug: Some(*bug),
            setup,
            seed,
        }));
    }
    if !args.skip_correct {
        for setup in plan::correct_setups(&bugs) {
            jobs.extend(seeds.iter().map(|&seed| Job {
                bug: None,
                setup,
                seed,
            }));
        }
    }
    eprintln!(
        "bench bugs: {} run(s) of `faultline run` ({} seed(s) from {}{}), results in {}",
        jobs.len(),
        seeds.len(),
        args.first_seed,
        if args.run_args.is_empty() {
            String::new()
        } else {
            format!(", with {}", args.run_args.join(" "))
        },
        root.display()
    );
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        let outcome = child::run(&exe, &root, job, &args.run_args)?;
        eprintln!(
            "[{:>3}/{}] {}",
            i + 1,
            jobs.len(),
            tally::progress_line(&outcome)
        );
        outcomes.push(outcome);
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&tally::json(&outcomes))
                .context("serialising the outcomes")?
        );
    } else {
        print!("{}", tally::render(&bugs, &outcomes, &args.run_args));
    }
    let false_alarm = outcomes
        .iter()
        .any(|o| o.job.bug.is_none() && o.ending == Ending::Invalid);
    let broken = outcomes
        .iter()
        .any(|o| matches!(o.ending, Ending::Error(_) | Ending::TimedOut));
    Ok(if false_alarm {
        Exit::Invalid
    } else if broken {
        Exit::Error
    } else {
        Exit::Valid
    })
}

/// The bugs named by `--bug` (every bug when none is).
fn selected_bugs(names: &[String]) -> anyhow::Result<Vec<Bug>> {
    if names.is_empty() {
        return Ok(Bug::ALL.to_vec());
    }
    names
        .iter()
        .map(|n| n.parse::<Bug>().map_err(|e| anyhow::anyhow!("--bug: {e}")))
        .collect()
}
