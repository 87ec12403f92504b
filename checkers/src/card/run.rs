//! Running a list of checkers over one history, each to a [`Verdict`].

use super::kind::CheckerKind;
use crate::bank::{BankOptions, check_bank};
use crate::eventual::{EventualOptions, check_eventual};
use crate::history::Event;
use crate::linearizability::{CheckOptions, check_linearizable};
use crate::model::ModelKind;
use crate::sequential::check_sequential;
use crate::session::check_session;
use crate::staleness::{StalenessOptions, check_staleness};
use crate::txn::{TxnOptions, check_txn};
use crate::verdict::{Validity, Verdict};

/// Everything the checkers of a card need besides the history.
#[derive(Debug, Clone)]
pub struct CardOptions {
    /// Model for linearizable and sequential.
    pub model: ModelKind,
    /// Deadline, cancellation and initial value (linearizable, sequential).
    pub check: CheckOptions,
    /// Quiet period of the eventual checker.
    pub eventual: EventualOptions,
    /// Limits of the staleness checker.
    pub staleness: StalenessOptions,
    /// Search limits of the bank checker.
    pub bank: BankOptions,
    /// The transactional checker's model and limits.
    pub txn: TxnOptions,
}

impl CardOptions {
    /// Options with defaults for everything but the model.
    pub fn new(model: ModelKind) -> CardOptions {
        CardOptions {
            model,
            check: CheckOptions::default(),
            eventual: EventualOptions::default(),
            staleness: StalenessOptions::default(),
            bank: BankOptions::default(),
            txn: TxnOptions::default(),
        }
    }
}

/// Runs each checker in order; a history a checker cannot read becomes an
/// `unknown` verdict with the reason, so every requested row is present.
pub fn run_checkers(events: &[Event], kinds: &[CheckerKind], opts: &CardOptions) -> Vec<Verdict> {
    let mut out: Vec<Verdict> = Vec::with_capacity(kinds.len());
    for &kind in kinds {
        let mut v = run_checker(events, kind, opts);
        // Linearizability implies sequential consistency: an undecided
        // sequential search does not make the card worse than it is.
        if kind == CheckerKind::Sequential
            && v.valid == Validity::Unknown
            && out.iter().any(|l| {
                l.checker == CheckerKind::Linearizable.as_str() && l.valid == Validity::Valid
            })
        {
            v.valid = Validity::Valid;
            v.summary = format!("implied by linearizability ({})", v.summary);
        }
        out.push(v);
    }
    out
}

/// Runs one checker.
pub fn run_checker(events: &[Event], kind: CheckerKind, opts: &CardOptions) -> Verdict {
    let result: Result<Verdict, String> = match kind {
        CheckerKind::Linearizable => check_linearizable(events, opts.model, &opts.check)
            .map(|r| r.to_verdict())
            .map_err(|e| e.to_string()),
        CheckerKind::Sequential => check_sequential(events, opts.model, &opts.check)
            .map(|r| r.to_verdict())
            .map_err(|e| e.to_string()),
        CheckerKind::Session => check_session(events)
            .map(|r| r.to_verdict())
            .map_err(|e| e.to_string()),
        CheckerKind::Eventual => check_eventual(events, &opts.eventual)
            .map(|r| r.to_verdict())
            .map_err(|e| e.to_string()),
        CheckerKind::Staleness => check_staleness(events, &opts.staleness)
            .map(|r| r.to_verdict())
            .map_err(|e| e.to_string()),
        CheckerKind::Lock => crate::lock::check_lock(events)
            .map(|r| r.to_verdict())
            .map_err(|e| e.to_string()),
        CheckerKind::Bank => check_bank(events, &opts.bank)
            .map(|r| r.to_verdict())
            .map_err(|e| e.to_string()),
        CheckerKind::Txn => check_txn(events, &opts.txn)
            .map(|r| r.to_verdict())
            .map_err(|e| e.to_string()),
        CheckerKind::Counter => crate::counter_bounds::check_counter(events)
            .map(|r| r.to_verdict())
            .map_err(|e| e.to_string()),
        CheckerKind::SetFull => crate::set_full::check_set_full(events)
            .map(|r| r.to_verdict())
            .map_err(|e| e.to_string()),
    };
    result.unwrap_or_else(|reason| Verdict {
        checker: kind.as_str().to_string(),
        valid: Validity::Unknown,
        summary: format!("the history could not be checked: {reason}"),
        details: serde_json::Value::Null,
    })
}
