//! The benchmark's numbers: detection per bug, false alarms per setup, the
//! faults the runs drew; as tables, as JSON, and a line per run.

use super::child::{Ending, Outcome};
use super::plan::{self, Setup};
use faultline_cluster::Bug;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use tabled::{Table, Tabled};

/// `no-fsync seed 3 (append): caught in 26.3 s`.
pub fn progress_line(o: &Outcome) -> String {
    let what = match o.job.bug {
        Some(bug) => format!("{bug} seed {} ({})", o.job.seed, o.job.setup.label()),
        None => format!("correct seed {} ({})", o.job.seed, o.job.setup.label()),
    };
    let word = match (&o.ending, o.job.bug.is_some()) {
        (Ending::Invalid, true) => "caught".to_string(),
        (Ending::Invalid, false) => "FALSE ALARM".to_string(),
        (Ending::Valid, true) => "missed (valid)".to_string(),
        (ending, _) => ending.word().to_string(),
    };
    let mut line = format!("{what}: {word} in {:.1} s", o.seconds);
    if let Some(t) = o.first_anomaly_s {
        let _ = write!(line, " (first anomaly at {t:.1} s)");
    }
    if let Ending::Error(e) = &o.ending {
        let _ = write!(line, " ({e})");
    } else if o.ending != Ending::Invalid
        && o.ending != Ending::Valid
        && let Some(f) = &o.finding
    {
        let _ = write!(line, " ({f})");
    }
    line
}

/// Every outcome as JSON (`--json`).
pub fn json(outcomes: &[Outcome]) -> Value {
    Value::Array(
        outcomes
            .iter()
            .map(|o| {
                json!({
                    "bug": o.job.bug.map(|b| b.name()),
                    "setup": o.job.setup.label(),
                    "seed": o.job.seed,
                    "ending": o.ending.word(),
                    "error": match &o.ending { Ending::Error(e) => Some(e.clone()), _ => None },
                    "seconds": o.seconds,
                    "first_anomaly_s": o.first_anomaly_s,
                    "targets": o.targets,
                    "combinations": o.combinations,
                    "exposed_by": o.job.bug.map(|b| plan::plan(b).1.describe()),
                    "exposing_fault_drawn": o.job.bug.map(|b| drew(&plan::plan(b).1, o)),
                    "finding": o.finding,
                    "dir": o.dir.as_ref().map(|d| d.display().to_string()),
                })
            })
            .collect(),
    )
}

/// Whether the run drew a fault that exposes its bug (`None` when the bug
/// needs none).
fn drew(exposure: &plan::Exposure, o: &Outcome) -> Option<bool> {
    (!exposure.0.is_empty()).then(|| o.targets.iter().any(|(t, n)| *n > 0 && exposure.matches(t)))
}

#[derive(Tabled)]
struct BugRow {
    bug: String,
    setup: String,
    caught: String,
    rate: String,
    #[tabled(rename = "median s to first anomaly")]
    first_anomaly: String,
    #[tabled(rename = "median s to verdict")]
    median: String,
    #[tabled(rename = "exposing fault (drawn in runs)")]
    exposure: String,
    #[tabled(rename = "not caught")]
    missed: String,
}

#[derive(Tabled)]
struct CorrectRow {
    setup: String,
    runs: usize,
    #[tabled(rename = "false alarms")]
    false_alarms: usize,
    unknown: usize,
    errors: usize,
    #[tabled(rename = "median s")]
    median: String,
}

/// The tables and the per-bug fault lines.
pub fn render(bugs: &[Bug], outcomes: &[Outcome], extra: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "bench bugs: default-length runs with only --bug (+ the setup it needs){}",
        if extra.is_empty() {
            String::new()
        } else {
            format!(" and {}", extra.join(" "))
        }
    );
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for bug in bugs {
        let (setup, exposure) = plan::plan(*bug);
        let runs: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.job.bug == Some(*bug))
            .collect();
        if runs.is_empty() {
            continue;
        }
        let caught: Vec<&Outcome> = runs
            .iter()
            .copied()
            .filter(|o| o.ending == Ending::Invalid)
            .collect();
        let missed: Vec<String> = runs
            .iter()
            .filter(|o| o.ending != Ending::Invalid)
            .map(|o| match o.ending {
                Ending::Valid => format!("s{}", o.job.seed),
                _ => format!("s{} ({})", o.job.seed, o.ending.word()),
            })
            .collect();
        let drawn = runs
            .iter()
            .filter(|o| drew(&exposure, o) == Some(true))
            .count();
        rows.push(BugRow {
            bug: bug.name().to_string(),
            setup: setup.label(),
            caught: format!("{}/{}", caught.len(), runs.len()),
            rate: format!("{:.0}%", 100.0 * caught.len() as f64 / runs.len() as f64),
            first_anomaly: first_anomaly_median(&caught),
            median: median(caught.iter().map(|o| o.seconds))
                .map_or("-".to_string(), |m| format!("{m:.1}")),
            exposure: if exposure.0.is_empty() {
                exposure.describe()
            } else {
                format!("{} ({drawn}/{})", exposure.describe(), runs.len())
            },
            missed: if missed.is_empty() {
                "-".to_string()
            } else {
                missed.join(", ")
            },
        });
        notes.push(format!("{bug}: {}", faults_of(&caught)));
    }
    if !rows.is_empty() {
        let _ = writeln!(out, "{}", Table::new(rows));
        let _ = writeln!(out, "faults the caught runs drew:");
        for n in notes {
            let _ = writeln!(out, "  {n}");
        }
    }
    let mut setups: Vec<Setup> = Vec::new();
    for o in outcomes.iter().filter(|o| o.job.bug.is_none()) {
        if !setups.contains(&o.job.setup) {
            setups.push(o.job.setup);
        }
    }
    let mut correct = Vec::new();
    for setup in setups {
        let runs: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.job.bug.is_none() && o.job.setup == setup)
            .collect();
        let count = |e: fn(&Ending) -> bool| runs.iter().filter(|o| e(&o.ending)).count();
        correct.push(CorrectRow {
            setup: setup.label(),
            runs: runs.len(),
            false_alarms: count(|e| *e == Ending::Invalid),
            unknown: count(|e| *e == Ending::Unknown),
            errors: count(|e| matches!(e, Ending::Error(_) | Ending::TimedOut)),
            median: median(runs.iter().map(|o| o.seconds))
                .map_or("-".to_string(), |m| format!("{m:.1}")),
        });
    }
    if !correct.is_empty() {
        let _ = writeln!(out, "correct cluster (no --bug):\n{}", Table::new(correct));
    }
    out
}

/// `every one of 10 targets in every run, ...`, or which targets some
/// caught runs lacked; leader faults that fell back to a random node are
/// counted apart, since no schedule can make a leaderless moment have one.
fn faults_of(runs: &[&Outcome]) -> String {
    if runs.is_empty() {
        return "no run caught it".to_string();
    }
    let fallback = |t: &str| t.contains("(fell back");
    let targets: BTreeSet<&String> = runs
        .iter()
        .flat_map(|o| o.targets.keys())
        .filter(|t| !fallback(t))
        .collect();
    let lacking: Vec<String> = targets
        .iter()
        .filter_map(|t| {
            let with = runs
                .iter()
                .filter(|o| o.targets.get(*t).copied().unwrap_or(0) > 0)
                .count();
            (with < runs.len()).then(|| format!("{t} {with}/{}", runs.len()))
        })
        .collect();
    let per_run = |count: &dyn Fn(&Outcome) -> u64| {
        runs.iter().map(|o| count(o)).sum::<u64>() as f64 / runs.len() as f64
    };
    let combined = per_run(&|o| o.combinations.values().sum());
    let fell_back = per_run(&|o| {
        o.targets
            .iter()
            .filter(|(t, _)| fallback(t))
            .map(|(_, n)| n)
            .sum()
    });
    let mut text = if targets.is_empty() {
        "no faults".to_string()
    } else if lacking.is_empty() {
        format!("every one of {} targets in every run", targets.len())
    } else {
        format!("not in every run: {}", lacking.join(", "))
    };
    let _ = write!(text, "; {combined:.1} combination(s) per run");
    if fell_back > 0.0 {
        let _ = write!(
            text,
            "; {fell_back:.1} leader fault(s) per run without a known leader"
        );
    }
    text
}

/// The median time to the first anomaly over the caught runs that measured
/// it, with how many did when not all: `4.2` or `4.2 (8 of 9)`.
fn first_anomaly_median(caught: &[&Outcome]) -> String {
    let measured: Vec<f64> = caught.iter().filter_map(|o| o.first_anomaly_s).collect();
    match median(measured.iter().copied()) {
        None => "-".to_string(),
        Some(m) if measured.len() == caught.len() => format!("{m:.1}"),
        Some(m) => format!("{m:.1} ({} of {})", measured.len(), caught.len()),
    }
}

/// The median of `values`, `None` if there are none.
fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median([3.0, 1.0, 2.0].into_iter()), Some(2.0));
        assert_eq!(median([4.0, 1.0].into_iter()), Some(2.5));
        assert_eq!(median(std::iter::empty()), None);
    }
}
