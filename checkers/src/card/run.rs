//! Running a list of checkers over one history, each to a [`Verdict`].

use super::checker::{Checker, CheckerError};
use super::kind::CheckerKind;
use super::options::CardOptions;
use super::report::Report;
use crate::history::Event;
use crate::verdict::{Validity, Verdict};

/// Runs each checker in order; a history a checker cannot read becomes an
/// `unknown` verdict with the reason, so every requested row is present.
pub fn run_checkers(events: &[Event], kinds: &[CheckerKind], opts: &CardOptions) -> Vec<Verdict> {
    let checkers: Vec<Box<dyn Checker>> = kinds.iter().map(|k| k.checker(opts)).collect();
    run_all(events, &checkers)
}

/// Runs each of `checkers` in order, as [`run_checkers`] does.
pub fn run_all(events: &[Event], checkers: &[Box<dyn Checker>]) -> Vec<Verdict> {
    card_verdicts(
        checkers
            .iter()
            .map(|c| (c.kind(), c.check(events)))
            .collect(),
    )
}

/// The verdicts of a card's reports, in their order.
pub(super) fn card_verdicts(
    reports: Vec<(CheckerKind, Result<Report, CheckerError>)>,
) -> Vec<Verdict> {
    let linearizable = reports
        .iter()
        .any(|(_, r)| matches!(r, Ok(Report::Linearizable(l)) if l.valid == Validity::Valid));
    reports
        .iter()
        .map(|(kind, report)| {
            let mut v = verdict_of(*kind, report);
            // Linearizability implies sequential consistency: an undecided
            // sequential search does not make the card worse than it is.
            if *kind == CheckerKind::Sequential && v.valid == Validity::Unknown && linearizable {
                v.valid = Validity::Valid;
                v.summary = format!("implied by linearizability ({})", v.summary);
            }
            v
        })
        .collect()
}

/// Runs one checker.
pub fn run_checker(events: &[Event], kind: CheckerKind, opts: &CardOptions) -> Verdict {
    verdict_of(kind, &kind.checker(opts).check(events))
}

fn verdict_of(kind: CheckerKind, report: &Result<Report, CheckerError>) -> Verdict {
    match report {
        Ok(r) => r.to_verdict(),
        Err(reason) => Verdict {
            checker: kind.as_str().to_string(),
            valid: Validity::Unknown,
            summary: format!("the history could not be checked: {reason}"),
            details: serde_json::Value::Null,
        },
    }
}
