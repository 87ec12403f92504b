//! The bank checker: money moves between accounts by transfers and is
//! observed by whole-bank reads. It judges every `ok` read: the total is the
//! initial total, no balance is negative, and the balances are the initial
//! ones plus every transfer that must precede the read plus some subset of
//! those that may (concurrent or unknown). A read that follows every
//! acknowledged transfer and is not so explained has lost one of them.
//!
//! Jepsen's bank histories have no setup write: the test's configuration
//! holds the total (`:total-amount`), and Jepsen's checker holds every read
//! to it and to no negative and no `nil` balance. Without a setup write the
//! total is the one given ([`BankOptions::total`]) or, failing that, the
//! one most reads show, and only those per-read properties are judged: the
//! transfers cannot be replayed without the initial balances.

mod explain;
mod history;
mod local_search;
mod report;

pub use explain::{Delta, Explained, explain};
pub use history::{BankError, BankHistory, Read, Transfer};
pub use report::{BankProperty, BankReport, BankViolation, ReadRef, TotalSource};

use crate::history::Event;
use crate::verdict::Validity;
use rustc_hash::FxHashSet;

/// Unexplained reads after which the search stops (but for the final
/// reads): once the balances have gone wrong every later read is
/// unexplained too, each at the cost of a full search, and the first ones
/// are the counterexample.
const MAX_UNEXPLAINED: usize = 10;

/// Limits of the explanation search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BankOptions {
    /// Search nodes per read before that read is left undecided.
    pub per_read_budget: u64,
    /// Search nodes over all reads before the remaining reads are left undecided.
    pub total_budget: u64,
    /// Flips of the local search per read the exhaustive search gave up on
    /// (the local search can find an explanation, never rule one out).
    pub per_read_flips: u64,
    /// Flips of the local search over all reads.
    pub total_flips: u64,
    /// The total every read must show when the history has no setup write
    /// (Jepsen's `:total-amount`); `None`: the total most reads show.
    pub total: Option<i64>,
}

impl Default for BankOptions {
    fn default() -> Self {
        BankOptions {
            per_read_budget: 100_000,
            total_budget: 10_000_000,
            per_read_flips: 1_000_000,
            total_flips: 50_000_000,
            total: None,
        }
    }
}

/// Checks a bank history (see the module documentation for the properties).
pub fn check_bank(events: &[Event], opts: &BankOptions) -> Result<BankReport, BankError> {
    let h = BankHistory::from_events(events)?;
    let mut report = BankReport {
        valid: Validity::Unknown,
        accounts: h.accounts.clone(),
        initial_total: None,
        total_source: None,
        reads: h.reads.len(),
        transfers_ok: h.transfers.iter().filter(|t| t.certain).count(),
        transfers_unknown: h.transfers.iter().filter(|t| !t.certain).count(),
        violations: Vec::new(),
        undecided: Vec::new(),
        explanations_skipped: 0,
        reason: None,
    };
    if h.reads.is_empty() {
        report.reason = Some("no ok whole-bank read to check".into());
        return Ok(report);
    }
    if h.initial.is_none() && h.setup_attempted {
        report.reason = Some(
            "the setup write of the initial balances did not complete ok, so the total is unknown"
                .into(),
        );
        return Ok(report);
    }
    let (total, source) = match (&h.initial, opts.total) {
        (Some(initial), _) => (initial.iter().sum(), TotalSource::Setup),
        (None, Some(t)) => (t, TotalSource::Given),
        (None, None) => (most_common_total(&h.reads), TotalSource::Reads),
    };
    report.initial_total = Some(total);
    report.total_source = Some(source);
    let last_ack = h
        .transfers
        .iter()
        .filter(|t| t.certain)
        .filter_map(|t| t.complete_pos)
        .max();
    let mut budget_left = opts.total_budget;
    let mut flips_left = opts.total_flips;
    // Unknown transfers that explained the previous read: most likely still
    // in the next one, so the search tries them first.
    let mut hint: FxHashSet<usize> = FxHashSet::default();
    for read in &h.reads {
        let balances: Vec<i64> = read.balances.iter().map(|b| b.unwrap_or(0)).collect();
        let at = describe_read(read);
        let jepsen = h.initial.is_none();
        let sum: i64 = balances.iter().sum();
        let violation = |property, text: String| BankViolation {
            property,
            read: read_ref(read),
            text,
        };
        // Jepsen's checker refuses a read with a nil balance; faultline's
        // own bank reads every account its setup created.
        if jepsen
            && let Some(name) = read
                .raw
                .as_object()
                .and_then(|m| m.iter().find(|(_, v)| v.is_null()).map(|(k, _)| k))
        {
            report.violations.push(violation(
                BankProperty::NoNil,
                format!("{at} shows no balance (nil) for {name}: {}", read.raw),
            ));
            continue;
        }
        if sum != total {
            let what = match source {
                TotalSource::Setup => "the initial",
                TotalSource::Given => "the given total",
                TotalSource::Reads => "the total most reads show,",
            };
            report.violations.push(violation(
                BankProperty::TotalConserved,
                format!("{at} totals {sum}, not {what} {total}: {}", read.raw),
            ));
            continue;
        }
        if let Some((a, b)) = balances.iter().enumerate().find(|(_, b)| **b < 0) {
            report.violations.push(violation(
                BankProperty::NoNegative,
                format!("{at} shows {} at {b}: {}", h.accounts[a], read.raw),
            ));
            continue;
        }
        // Without initial balances the transfers cannot be replayed.
        let Some(initial) = &h.initial else {
            continue;
        };
        let unexplained = report
            .violations
            .iter()
            .filter(|v| {
                matches!(
                    v.property,
                    BankProperty::Explained | BankProperty::AckedVisible
                )
            })
            .count();
        // Reads after the last acknowledged transfer are few and decide
        // acked-visible, so they are always searched.
        let after_all_acks = last_ack.is_none_or(|p| p < read.invoke_pos);
        if unexplained >= MAX_UNEXPLAINED && !after_all_acks {
            report.explanations_skipped += 1;
            continue;
        }
        // Transfers acknowledged before the read began must be in it; ones
        // that overlap it or never answered may be.
        let mut residual: Vec<i64> = balances.iter().zip(initial).map(|(b, i)| b - i).collect();
        let mut optional: Vec<Delta> = Vec::new();
        let mut optional_ops: Vec<&Transfer> = Vec::new();
        let mut must = 0usize;
        for t in &h.transfers {
            let delta: Delta = [(t.from, -t.amount), (t.to, t.amount)];
            match t.complete_pos {
                Some(done) if t.certain && done < read.invoke_pos => {
                    must += 1;
                    for (a, d) in delta {
                        residual[a] -= d;
                    }
                }
                _ if t.invoke_pos < read.complete_pos => {
                    optional.push(delta);
                    optional_ops.push(t);
                }
                _ => {}
            }
        }
        let allowance = opts.per_read_budget.min(budget_left);
        let mut budget = allowance;
        let prefer: Vec<bool> = optional_ops
            .iter()
            .map(|t| t.certain || hint.contains(&t.op))
            .collect();
        let mut chosen = Vec::new();
        let mut answer = explain(&residual, &optional, &prefer, &mut budget, &mut chosen);
        budget_left -= allowance - budget;
        if answer == Explained::GaveUp {
            let allowance = opts.per_read_flips.min(flips_left);
            let mut flips = allowance;
            if local_search::local_search(&residual, &optional, &prefer, &mut flips, &mut chosen) {
                answer = Explained::Yes;
            }
            flips_left -= allowance - flips;
        }
        match answer {
            Explained::Yes => {
                hint = chosen
                    .iter()
                    .map(|&i| optional_ops[i])
                    .filter(|t| !t.certain)
                    .map(|t| t.op)
                    .collect();
            }
            Explained::GaveUp => report.undecided.push(read_ref(read)),
            Explained::No => {
                let diff = describe_diff(&h.accounts, &residual);
                let (property, what) = if after_all_acks {
                    (
                        BankProperty::AckedVisible,
                        "began after every acknowledged transfer but does not reflect them all",
                    )
                } else {
                    (
                        BankProperty::Explained,
                        "shows balances no set of transfers explains",
                    )
                };
                report.violations.push(violation(
                    property,
                    format!(
                        "{at} {what}: it differs from the initial balances plus the {must} transfer(s) acknowledged before it by {diff}, which no subset of the {} concurrent or unknown transfer(s) makes up: {}",
                        optional.len(),
                        read.raw
                    ),
                ));
            }
        }
    }
    report.valid = if !report.violations.is_empty() {
        Validity::Invalid
    } else if !report.undecided.is_empty() {
        Validity::Unknown
    } else {
        Validity::Valid
    };
    Ok(report)
}

/// The total most reads show (the earliest such read's on a tie): without
/// the test's configured total, the best guess at what every read should
/// show, since one wrong read cannot outvote the rest.
fn most_common_total(reads: &[Read]) -> i64 {
    let mut counts: Vec<(i64, usize)> = Vec::new();
    for r in reads {
        let sum: i64 = r.balances.iter().map(|b| b.unwrap_or(0)).sum();
        match counts.iter_mut().find(|(t, _)| *t == sum) {
            Some((_, n)) => *n += 1,
            None => counts.push((sum, 1)),
        }
    }
    // max_by_key keeps the last of equals; reversed, that is the earliest.
    counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .map_or(0, |(t, _)| *t)
}

fn read_ref(r: &Read) -> ReadRef {
    ReadRef {
        op: r.op,
        index: r.index,
        time: r.time,
        process: r.process,
        node: r.node.clone(),
        balances: r.raw.clone(),
    }
}

/// `read at index 41 (process 3, 1.234 s, node n2)`.
fn describe_read(r: &Read) -> String {
    let node = r
        .node
        .as_deref()
        .map(|n| format!(", node {n}"))
        .unwrap_or_default();
    format!(
        "read at index {} (process {}, {:.3} s{node})",
        r.index,
        r.process,
        r.time as f64 / 1e9
    )
}

/// `{a1: -5, a4: +5}`: the accounts whose balance is off, and by how much.
fn describe_diff(accounts: &[String], residual: &[i64]) -> String {
    let parts: Vec<String> = residual
        .iter()
        .enumerate()
        .filter(|(_, d)| **d != 0)
        .map(|(a, d)| format!("{}: {d:+}", accounts[a]))
        .collect();
    format!("{{{}}}", parts.join(", "))
}
