//! A report card over a history read back in batches of whole keys, for
//! runs too long to hold: every checker that judges each key on its own
//! (all of `all`) reads one batch at a time and keeps only what its report
//! needs, so the card's peak memory is that of the largest batch.

use super::checker::CheckerError;
use super::kind::CheckerKind;
use super::options::CardOptions;
use super::report::Report;
use super::run::card_verdicts;
use crate::eventual::{self, EventualTally};
use crate::history::Event;
use crate::linearizability::check_linearizable_batches;
use crate::sequential::{SequentialPartition, SequentialReport, check_sequential};
use crate::session::SessionTally;
use crate::staleness::StalenessTally;
use crate::verdict::Verdict;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// A checker that needs the whole history at once, asked for batch by batch.
#[derive(Debug, thiserror::Error)]
#[error("the {0} checker reads the whole history at once, not a batch of keys at a time")]
pub struct WholeHistoryChecker(pub CheckerKind);

impl CheckerKind {
    /// Whether this checker judges each key on its own, so that it can read
    /// a history a batch of whole keys at a time ([`run_keyed_checkers`]).
    pub fn judges_keys_apart(self) -> bool {
        CheckerKind::ALL.contains(&self)
    }
}

/// Runs `kinds` over the history that `open` hands over in batches: every
/// event of a key in one batch, no key in two (unkeyed client events all in
/// one). `open` is called once per checker pass (the linearizable checker,
/// then the others together; first one more when the eventual checker needs
/// the run's last write), so each call must start the history over.
/// `last_heal` is the time (ns) of the run's last nemesis event, which the
/// batches need not carry.
///
/// The verdicts are those of [`run_checkers`](super::run_checkers) on the
/// whole history, in the order of `kinds`, bar elapsed times and the
/// linearizable checker's details: its batches stop at the first invalid
/// key, and its counterexamples number operations within their batch (they
/// are drawn by event index). Each checker's deadline is for its own
/// search, as in one check; a cancelled check stops reading, and the
/// checkers it interrupted are unknown.
pub fn run_keyed_checkers<I, F>(
    mut open: F,
    kinds: &[CheckerKind],
    opts: &CardOptions,
    last_heal: Option<u64>,
) -> Result<Vec<Verdict>, WholeHistoryChecker>
where
    F: FnMut() -> I,
    I: IntoIterator<Item = Vec<Event>>,
{
    if let Some(&k) = kinds.iter().find(|k| !k.judges_keys_apart()) {
        return Err(WholeHistoryChecker(k));
    }
    let mut tallies: Vec<(CheckerKind, Result<Tally, CheckerError>)> = Vec::new();
    for &kind in kinds {
        let tally = match kind {
            CheckerKind::Sequential => Tally::Sequential {
                parts: Vec::new(),
                model: None,
                spent: Duration::ZERO,
            },
            CheckerKind::Session => Tally::Session(Box::default()),
            CheckerKind::Staleness => Tally::Staleness(StalenessTally::default()),
            CheckerKind::Eventual => match last_write(&mut open, opts) {
                Ok(w) => Tally::Eventual(EventualTally::new(last_heal, w, &opts.eventual)),
                Err(e) => {
                    tallies.push((kind, Err(e)));
                    continue;
                }
            },
            // Searched in a pass of its own below; the rest cannot be here.
            _ => continue,
        };
        tallies.push((kind, Ok(tally)));
    }
    let linearizable = kinds.contains(&CheckerKind::Linearizable).then(|| {
        check_linearizable_batches(open(), opts.model, &opts.check)
            .map(Report::Linearizable)
            .map_err(CheckerError::from)
    });
    if !tallies.is_empty() {
        for batch in open() {
            // A cancelled check stops reading: the keys not read would
            // otherwise count as judged.
            if cancelled(opts) {
                for (_, tally) in tallies.iter_mut() {
                    *tally = Err(CheckerError::Cancelled);
                }
                break;
            }
            for (_, tally) in tallies.iter_mut() {
                if let Ok(t) = tally
                    && let Err(e) = t.add(&batch, opts)
                {
                    *tally = Err(e);
                }
            }
        }
    }
    let mut reports: Vec<(CheckerKind, Result<Report, CheckerError>)> = tallies
        .into_iter()
        .map(|(kind, tally)| (kind, tally.map(|t| t.finish(opts))))
        .collect();
    reports.extend(linearizable.map(|r| (CheckerKind::Linearizable, r)));
    reports.sort_by_key(|(kind, _)| kinds.iter().position(|k| k == kind));
    Ok(card_verdicts(reports))
}

/// The latest write of the history's batches, for the eventual checker.
fn last_write<I, F>(open: &mut F, opts: &CardOptions) -> Result<Option<u64>, CheckerError>
where
    F: FnMut() -> I,
    I: IntoIterator<Item = Vec<Event>>,
{
    let mut last = None;
    for batch in open() {
        if cancelled(opts) {
            return Err(CheckerError::Cancelled);
        }
        last = last.max(eventual::last_write(&batch)?);
    }
    Ok(last)
}

fn cancelled(opts: &CardOptions) -> bool {
    opts.check
        .cancel
        .as_ref()
        .is_some_and(|c| c.load(Ordering::Relaxed))
}

/// What one checker keeps between batches.
enum Tally {
    Sequential {
        /// The keys' results.
        parts: Vec<SequentialPartition>,
        /// The model's name as the search gives it.
        model: Option<String>,
        /// Time in the search so far: its deadline is for the search alone,
        /// as in one check of a whole history, not for the other checkers
        /// reading the same batches.
        spent: Duration,
    },
    /// Boxed: its four witnesses make it the largest by far.
    Session(Box<SessionTally>),
    Eventual(EventualTally),
    Staleness(StalenessTally),
}

impl Tally {
    fn add(&mut self, batch: &[Event], opts: &CardOptions) -> Result<(), CheckerError> {
        match self {
            Tally::Sequential {
                parts,
                model,
                spent,
            } => {
                let start = Instant::now();
                let mut check = opts.check.clone();
                check.timeout = check.timeout.map(|t| t.saturating_sub(*spent));
                // The progress counts the linearizable pass's keys; the
                // search's own linearizability check would count them again.
                check.progress = None;
                let report = check_sequential(batch, opts.model, &check)?;
                *spent += start.elapsed();
                parts.extend(report.partitions);
                model.get_or_insert(report.model);
            }
            Tally::Session(t) => t.add(batch)?,
            Tally::Eventual(t) => t.add(batch)?,
            Tally::Staleness(t) => t.add(batch)?,
        }
        Ok(())
    }

    fn finish(self, opts: &CardOptions) -> Report {
        match self {
            Tally::Sequential {
                parts,
                model,
                spent,
            } => Report::Sequential(SequentialReport::joined(
                model.unwrap_or_else(|| opts.model.as_str().to_string()),
                parts,
                spent.as_secs_f64() * 1000.0,
            )),
            Tally::Session(t) => Report::Session(t.finish()),
            Tally::Eventual(t) => Report::Eventual(t.finish()),
            Tally::Staleness(t) => Report::Staleness(t.finish(&opts.staleness)),
        }
    }
}
