//! `faultline bench checker`: times the linearizability checker on the corpus
//! (next to Porcupine's reference times) and on synthetic histories, each case
//! in its own child process so that the peak memory printed is that case's own.

mod case;
mod child;
mod processes;
mod table;

use crate::bench::args::BenchArgs;
use crate::exit::Exit;
use anyhow::Context;
use case::Case;
use child::Outcome;
use faultline_checkers::HardFamily;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;
use table::{CorpusRow, SynthRow};

/// Deadline handed to the checker for each case; the reference gave up after 120 s.
const CHECK_TIMEOUT: Duration = Duration::from_secs(60);
/// Extra time a child gets for loading or generating its history before it is killed.
const LOAD_GRACE: Duration = Duration::from_secs(60);
/// A corpus file may be at most this much slower than the reference.
pub(crate) const MAX_SLOWER_S: f64 = 0.010;
/// Required speed-up over the reference.
const SPEEDUP_TARGET: f64 = 5.0;
/// Time and memory targets for the invalid crashed histories and the 1M-op kv history.
const DECIDE_TARGET_S: f64 = 10.0;
const KV_MEMORY_TARGET_KIB: u64 = 2 * 1024 * 1024;
/// Peak memory a hard single-key case may take (issue 16: 2 GiB).
const HARD_MEMORY_TARGET_KIB: u64 = 2 * 1024 * 1024;

/// Runs the benchmark and prints its numbers.
pub fn run(args: &BenchArgs) -> anyhow::Result<Exit> {
    if let Some(spec) = &args.one {
        return run_one(spec, args.one_timeout);
    }
    let corpus_ok = bench_corpus(&args.corpus_dir())?;
    processes::bench(&args.corpus_dir(), &read_manifest(&args.corpus_dir())?)?;
    let synth_ok = bench_synthetic(args.quick)?;
    bench_deadline()?;
    Ok(if corpus_ok && synth_ok {
        Exit::Valid
    } else {
        Exit::Invalid
    })
}

/// Child mode: measure one case and print the measurement as one JSON line.
fn run_one(spec: &str, timeout_s: f64) -> anyhow::Result<Exit> {
    let case: Case = serde_json::from_str(spec).context("decoding --one")?;
    let m = case::measure(&case, Duration::from_secs_f64(timeout_s.max(0.001)))?;
    println!("{}", serde_json::to_string(&m)?);
    Ok(Exit::Valid)
}

/// One line of the corpus manifest.
pub(crate) struct ManifestEntry {
    file: String,
    format: String,
    model: String,
    expected: String,
}

fn read_manifest(dir: &Path) -> anyhow::Result<Vec<ManifestEntry>> {
    let path = dir.join("manifest.tsv");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {} (pass the corpus folder with --corpus DIR)",
            path.display()
        )
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, format, model, expected] = cols[..] else {
            anyhow::bail!(
                "{}:{}: expected 4 tab-separated columns: file, format, model, expected",
                path.display(),
                i + 1
            );
        };
        out.push(ManifestEntry {
            file: file.to_string(),
            format: format.to_string(),
            model: model.to_string(),
            expected: expected.to_string(),
        });
    }
    Ok(out)
}

/// Reference seconds (2-core column) by file.
fn read_reference(dir: &Path) -> anyhow::Result<HashMap<String, f64>> {
    let path = dir.join("porcupine-timings.tsv");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 || cols[0] == "TOTAL" {
            continue;
        }
        let secs: f64 = cols[2]
            .parse()
            .with_context(|| format!("{}:{}: bad seconds {:?}", path.display(), i + 1, cols[2]))?;
        out.insert(cols[0].to_string(), secs);
    }
    Ok(out)
}

/// Checks every corpus file; prints a table and the two corpus targets. True when all verdicts match.
fn bench_corpus(dir: &Path) -> anyhow::Result<bool> {
    let manifest = read_manifest(dir)?;
    let reference = read_reference(dir)?;
    eprintln!(
        "checking {} corpus files, one child process each ...",
        manifest.len()
    );
    let mut rows = Vec::new();
    let (mut ours_total, mut ref_total, mut all_right) = (0.0, 0.0, true);
    let mut worst: Option<(f64, String)> = None;
    let mut peak_max = 0u64;
    for entry in &manifest {
        let case = Case::Corpus {
            path: dir.join(&entry.file),
            format: entry.format.clone(),
            model: entry.model.clone(),
        };
        let outcome = child::run_in_child(&case, CHECK_TIMEOUT, CHECK_TIMEOUT + LOAD_GRACE)?;
        let reference_s = reference.get(&entry.file).copied();
        let row = CorpusRow::new(&entry.file, &entry.expected, reference_s, &outcome);
        all_right &= row.right;
        if let Outcome::Measured(m) = &outcome {
            ours_total += m.check_s;
            peak_max = peak_max.max(m.peak_rss_kib.unwrap_or(0));
            if let Some(r) = reference_s {
                ref_total += r;
                let slower = m.check_s - r;
                if worst.as_ref().is_none_or(|(w, _)| slower > *w) {
                    worst = Some((slower, entry.file.clone()));
                }
            }
        }
        rows.push(row);
    }
    println!(
        "\nCorpus ({}): check time per file, Porcupine's 2-core time beside it\n",
        dir.display()
    );
    println!(
        "{}",
        table::corpus_table(&rows, ours_total, ref_total, peak_max)
    );
    let speedup = ref_total / ours_total.max(1e-9);
    println!(
        "target: corpus total ≥ {SPEEDUP_TARGET}x faster than the reference: {:.1}x ({} vs {}) — {}",
        speedup,
        table::secs(ours_total),
        table::secs(ref_total),
        met(speedup >= SPEEDUP_TARGET)
    );
    if let Some((slower, file)) = worst {
        println!(
            "target: no file more than 10 ms slower than the reference: worst {file} {:+.2} ms — {}",
            slower * 1000.0,
            met(slower <= MAX_SLOWER_S)
        );
    }
    println!(
        "verdicts: {}",
        if all_right {
            "all as expected".to_string()
        } else {
            "SOME DIFFER from the manifest (marked ✗ above)".to_string()
        }
    );
    Ok(all_right)
}

/// A synthetic case with its reference and target.
struct Synth {
    name: String,
    case: Case,
    expected: &'static str,
    reference: &'static str,
    reference_s: Option<f64>,
    target: table::Target,
}

fn synthetic_cases(quick: bool) -> Vec<Synth> {
    use table::Target;
    let cas = |ops: usize, processes: usize, crash_pct: f64, impossible_read: bool| Case::Cas {
        ops,
        processes,
        crash_rate: crash_pct / 100.0,
        impossible_read,
        seed: 42,
    };
    let linearizable = |ops: usize, procs: usize, crash: f64, reference_s: Option<f64>| Synth {
        name: format!(
            "cas-register {}k ops, {procs} procs, {crash}% crashed",
            ops / 1000
        ),
        case: cas(ops, procs, crash, false),
        expected: "valid",
        reference: "",
        reference_s,
        target: if reference_s.is_some() {
            Target::Speedup(SPEEDUP_TARGET)
        } else {
            Target::Decided
        },
    };
    let impossible = |ops: usize| Synth {
        name: format!(
            "cas-register {}k ops, 5 procs, 2% crashed, 1 impossible read",
            ops as f64 / 1000.0
        ),
        case: cas(ops, 5, 2.0, true),
        expected: "invalid",
        reference: "gave up after 120 s",
        reference_s: None,
        target: Target::Within(DECIDE_TARGET_S, None),
    };
    let kv = |keys: usize, ops: usize| Synth {
        name: format!("kv {keys} keys, {}k ops, 10 procs", ops / 1000),
        case: Case::Kv {
            keys,
            ops,
            processes: 10,
            seed: 42,
        },
        expected: "valid",
        reference: "",
        reference_s: None,
        target: Target::Within(DECIDE_TARGET_S, Some(KV_MEMORY_TARGET_KIB)),
    };
    // The hard single-key families, decided by the search alone (pre-checks
    // off) and as `faultline check` runs them, invalid and linearizable twin.
    let hard = |family: HardFamily, ops: usize, processes: usize, crash_pct: f64| {
        let mut v = Vec::new();
        for invalid in [true, false] {
            for search_only in [true, false] {
                v.push(Synth {
                    name: format!(
                        "{family}{} {}k ops, {processes} procs, {crash_pct}% crashed{}",
                        if invalid { "" } else { " twin" },
                        ops / 1000,
                        if search_only { ", search only" } else { "" }
                    ),
                    case: Case::Hard {
                        family: family.name().to_string(),
                        ops,
                        processes,
                        crash_rate: crash_pct / 100.0,
                        invalid,
                        search_only,
                        seed: 42,
                    },
                    expected: if invalid { "invalid" } else { "valid" },
                    reference: "",
                    reference_s: None,
                    target: Target::Within(DECIDE_TARGET_S, Some(HARD_MEMORY_TARGET_KIB)),
                });
            }
        }
        v
    };
    let hard_sizes: &[(usize, usize, f64)] = if quick {
        &[(2_000, 5, 5.0), (10_000, 10, 5.0)]
    } else {
        &[
            (2_000, 5, 2.0),
            (2_000, 10, 5.0),
            (10_000, 5, 2.0),
            (10_000, 10, 5.0),
            (50_000, 5, 5.0),
            (50_000, 10, 2.0),
            (50_000, 10, 5.0),
        ]
    };
    let hard_cases = HardFamily::ALL.into_iter().flat_map(|f| {
        hard_sizes
            .iter()
            .flat_map(move |&(ops, procs, crash)| hard(f, ops, procs, crash))
    });
    let mut cases = if quick {
        vec![
            linearizable(10_000, 10, 0.0, None),
            linearizable(10_000, 10, 2.0, Some(0.24)),
            impossible(2_000),
            kv(100, 100_000),
        ]
    } else {
        vec![
            linearizable(100_000, 10, 0.0, None),
            linearizable(10_000, 10, 2.0, Some(0.24)),
            linearizable(20_000, 30, 5.0, Some(2.3)),
            linearizable(50_000, 10, 1.0, Some(3.0)),
            impossible(2_000),
            impossible(10_000),
            impossible(50_000),
            kv(1000, 1_000_000),
        ]
    };
    cases.extend(hard_cases);
    cases
}

/// Runs the synthetic cases; prints a table. True when all verdicts match.
fn bench_synthetic(quick: bool) -> anyhow::Result<bool> {
    let cases = synthetic_cases(quick);
    let mut rows = Vec::new();
    let mut all_right = true;
    for s in &cases {
        eprint!("{} ... ", s.name);
        let _ = std::io::stderr().flush();
        let outcome = child::run_in_child(&s.case, CHECK_TIMEOUT, CHECK_TIMEOUT + LOAD_GRACE)?;
        let row = SynthRow::new(
            &s.name,
            s.expected,
            s.reference,
            s.reference_s,
            &s.target,
            &outcome,
        );
        eprintln!("{}", row.time);
        all_right &= row.right;
        rows.push(row);
    }
    println!(
        "\nSynthetic histories (seed 42{})\n",
        if quick { ", --quick sizes" } else { "" }
    );
    println!("{}", table::synth_table(&rows));
    Ok(all_right)
}

/// How long a check runs past `--timeout` on keys it cannot decide in time
/// (issue 16: within one second): hard cases with a deadline far shorter
/// than they need, searches alone.
fn bench_deadline() -> anyhow::Result<()> {
    const ASKED: Duration = Duration::from_secs(1);
    let cases = [
        (HardFamily::StaleRepeated, 50_000, 10, 0.05),
        (HardFamily::ContradictoryReads, 50_000, 10, 0.05),
    ];
    println!("\nDeadline: `--timeout 1` on hard cases that need longer (search only)\n");
    for (family, ops, processes, crash_rate) in cases {
        let case = Case::Hard {
            family: family.name().to_string(),
            ops,
            processes,
            crash_rate,
            invalid: true,
            search_only: true,
            seed: 42,
        };
        let what = format!("{family} {}k ops, {processes} procs", ops / 1000);
        match child::run_in_child(&case, ASKED, ASKED + LOAD_GRACE)? {
            Outcome::Measured(m) => println!(
                "  {what}: {} after {:.2} s ({:+.2} s past the deadline) — {}",
                m.verdict,
                m.check_s,
                m.check_s - ASKED.as_secs_f64(),
                met(m.verdict != "unknown" || m.check_s <= ASKED.as_secs_f64() + 1.0)
            ),
            Outcome::Killed(d) => println!("  {what}: killed after {d:?} — MISSED"),
            Outcome::Failed(e) => println!("  {what}: failed: {e}"),
        }
    }
    Ok(())
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}
