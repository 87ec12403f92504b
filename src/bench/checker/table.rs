//! Rows and tables of the checker benchmark, with the targets judged per row.

use super::child::Outcome;
use tabled::settings::Style;
use tabled::{Table, Tabled};

/// What a synthetic case must achieve.
pub enum Target {
    /// At least this many times faster than the reference.
    Speedup(f64),
    /// Decided within this many seconds (and, if given, this many KiB of peak memory).
    Within(f64, Option<u64>),
    /// Any decided verdict (no reference to compare with).
    Decided,
}

/// One corpus file.
#[derive(Tabled)]
pub struct CorpusRow {
    /// File relative to the corpus folder.
    #[tabled(rename = "file")]
    pub file: String,
    #[tabled(rename = "events")]
    pub events: String,
    #[tabled(rename = "verdict")]
    pub verdict: String,
    #[tabled(rename = "check time")]
    pub time: String,
    #[tabled(rename = "Porcupine (2 cores)")]
    pub reference: String,
    #[tabled(rename = "speed-up")]
    pub speedup: String,
    #[tabled(rename = "peak RSS")]
    pub peak: String,
    /// Whether the verdict matched the manifest.
    #[tabled(skip)]
    pub right: bool,
}

impl CorpusRow {
    /// Builds the row from a child's outcome.
    pub fn new(
        file: &str,
        expected: &str,
        reference_s: Option<f64>,
        outcome: &Outcome,
    ) -> CorpusRow {
        let reference = reference_s.map_or("-".to_string(), secs);
        match outcome {
            Outcome::Measured(m) => {
                let right = m.verdict == expected;
                CorpusRow {
                    file: file.to_string(),
                    events: m.events.to_string(),
                    verdict: verdict_cell(&m.verdict, expected),
                    time: secs(m.check_s),
                    reference,
                    speedup: reference_s.map_or("-".to_string(), |r| ratio(r, m.check_s)),
                    peak: kib(m.peak_rss_kib),
                    right,
                }
            }
            other => CorpusRow {
                file: file.to_string(),
                events: "-".into(),
                verdict: format!("✗ {} (expected {expected})", failure(other)),
                time: "-".into(),
                reference,
                speedup: "-".into(),
                peak: "-".into(),
                right: false,
            },
        }
    }
}

/// One synthetic case.
#[derive(Tabled)]
pub struct SynthRow {
    #[tabled(rename = "history")]
    pub name: String,
    #[tabled(rename = "events")]
    pub events: String,
    #[tabled(rename = "verdict")]
    pub verdict: String,
    #[tabled(rename = "check time")]
    pub time: String,
    #[tabled(rename = "Porcupine (2 cores)")]
    pub reference: String,
    #[tabled(rename = "speed-up")]
    pub speedup: String,
    #[tabled(rename = "peak RSS")]
    pub peak: String,
    #[tabled(rename = "target")]
    pub target: String,
    /// Whether the verdict was the expected one.
    #[tabled(skip)]
    pub right: bool,
}

impl SynthRow {
    /// Builds the row from a child's outcome and judges the target.
    pub fn new(
        name: &str,
        expected: &str,
        reference_text: &str,
        reference_s: Option<f64>,
        target: &Target,
        outcome: &Outcome,
    ) -> SynthRow {
        let reference = match reference_s {
            Some(r) => secs(r),
            None if reference_text.is_empty() => "-".to_string(),
            None => reference_text.to_string(),
        };
        let Outcome::Measured(m) = outcome else {
            return SynthRow {
                name: name.to_string(),
                events: "-".into(),
                verdict: format!("✗ {}", failure(outcome)),
                time: "-".into(),
                reference,
                speedup: "-".into(),
                peak: "-".into(),
                target: "MISSED".into(),
                right: false,
            };
        };
        let right = m.verdict == expected;
        let target = match target {
            Target::Speedup(x) => {
                let got = reference_s.unwrap_or(0.0) / m.check_s.max(1e-9);
                format!("≥ {x}x faster: {}", met(right && got >= *x))
            }
            Target::Within(s, mem) => {
                let time_ok = m.check_s < *s;
                match mem {
                    Some(limit) => {
                        let mem_ok = m.peak_rss_kib.is_some_and(|p| p < *limit);
                        format!(
                            "< {s} s, < {}: {}",
                            kib(Some(*limit)),
                            met(right && time_ok && mem_ok)
                        )
                    }
                    None => format!("{expected} in < {s} s: {}", met(right && time_ok)),
                }
            }
            Target::Decided => format!("{expected}: {}", met(right)),
        };
        SynthRow {
            name: name.to_string(),
            events: m.events.to_string(),
            verdict: verdict_cell(&m.verdict, expected),
            time: secs(m.check_s),
            reference,
            speedup: reference_s.map_or("-".to_string(), |r| ratio(r, m.check_s)),
            peak: kib(m.peak_rss_kib),
            target,
            right,
        }
    }
}

/// The corpus table with a total row.
pub fn corpus_table(rows: &[CorpusRow], ours: f64, reference: f64, peak_max: u64) -> String {
    let mut all: Vec<CorpusRow> = Vec::with_capacity(rows.len() + 1);
    for r in rows {
        all.push(CorpusRow {
            file: r.file.clone(),
            events: r.events.clone(),
            verdict: r.verdict.clone(),
            time: r.time.clone(),
            reference: r.reference.clone(),
            speedup: r.speedup.clone(),
            peak: r.peak.clone(),
            right: r.right,
        });
    }
    all.push(CorpusRow {
        file: format!("TOTAL ({} files)", rows.len()),
        events: String::new(),
        verdict: format!(
            "{} of {} right",
            rows.iter().filter(|r| r.right).count(),
            rows.len()
        ),
        time: secs(ours),
        reference: secs(reference),
        speedup: ratio(reference, ours),
        peak: format!("max {}", kib(Some(peak_max))),
        right: true,
    });
    Table::new(all).with(Style::psql()).to_string()
}

/// The synthetic table.
pub fn synth_table(rows: &[SynthRow]) -> String {
    Table::new(rows).with(Style::psql()).to_string()
}

fn verdict_cell(got: &str, expected: &str) -> String {
    if got == expected {
        got.to_string()
    } else {
        format!("✗ {got} (expected {expected})")
    }
}

fn failure(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Measured(m) => m.verdict.clone(),
        Outcome::Killed(d) => format!("killed after {}", secs(d.as_secs_f64())),
        Outcome::Failed(err) => format!("error: {}", err.lines().last().unwrap_or("")),
    }
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

/// Seconds in a readable unit.
pub fn secs(s: f64) -> String {
    if s < 0.001 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// How many times faster we are than the reference.
fn ratio(reference: f64, ours: f64) -> String {
    format!("{:.1}x", reference / ours.max(1e-9))
}

/// KiB as MiB or GiB.
fn kib(k: Option<u64>) -> String {
    match k {
        None => "-".to_string(),
        Some(k) if k >= 1024 * 1024 => format!("{:.2} GiB", k as f64 / (1024.0 * 1024.0)),
        Some(k) => format!("{:.1} MiB", k as f64 / 1024.0),
    }
}
