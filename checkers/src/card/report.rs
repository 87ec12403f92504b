//! A checker's typed report, and the one place a verdict read back from
//! `results.json` becomes typed again.

use super::kind::CheckerKind;
use crate::bank::BankReport;
use crate::counter_bounds::CounterReport;
use crate::eventual::EventualReport;
use crate::linearizability::LinearizabilityReport;
use crate::lock::LockReport;
use crate::sequential::SequentialReport;
use crate::session::SessionReport;
use crate::set_full::SetFullReport;
use crate::staleness::StalenessReport;
use crate::txn::TxnReport;
use crate::verdict::{Validity, Verdict};

/// What a checker found, in its own type.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// Of [`CheckerKind::Linearizable`].
    Linearizable(LinearizabilityReport),
    /// Of [`CheckerKind::Sequential`].
    Sequential(SequentialReport),
    /// Of [`CheckerKind::Session`].
    Session(SessionReport),
    /// Of [`CheckerKind::Eventual`].
    Eventual(EventualReport),
    /// Of [`CheckerKind::Staleness`].
    Staleness(StalenessReport),
    /// Of [`CheckerKind::Lock`].
    Lock(LockReport),
    /// Of [`CheckerKind::Bank`].
    Bank(BankReport),
    /// Of [`CheckerKind::Txn`].
    Txn(TxnReport),
    /// Of [`CheckerKind::Counter`].
    Counter(CounterReport),
    /// Of [`CheckerKind::SetFull`].
    SetFull(SetFullReport),
}

impl Report {
    /// The checker that wrote it.
    pub fn kind(&self) -> CheckerKind {
        match self {
            Report::Linearizable(_) => CheckerKind::Linearizable,
            Report::Sequential(_) => CheckerKind::Sequential,
            Report::Session(_) => CheckerKind::Session,
            Report::Eventual(_) => CheckerKind::Eventual,
            Report::Staleness(_) => CheckerKind::Staleness,
            Report::Lock(_) => CheckerKind::Lock,
            Report::Bank(_) => CheckerKind::Bank,
            Report::Txn(_) => CheckerKind::Txn,
            Report::Counter(_) => CheckerKind::Counter,
            Report::SetFull(_) => CheckerKind::SetFull,
        }
    }

    /// The report as the verdict `results.json` stores (the report itself
    /// is the verdict's details).
    pub fn to_verdict(&self) -> Verdict {
        match self {
            Report::Linearizable(r) => r.to_verdict(),
            Report::Sequential(r) => r.to_verdict(),
            Report::Session(r) => r.to_verdict(),
            Report::Eventual(r) => r.to_verdict(),
            Report::Staleness(r) => r.to_verdict(),
            Report::Lock(r) => r.to_verdict(),
            Report::Bank(r) => r.to_verdict(),
            Report::Txn(r) => r.to_verdict(),
            Report::Counter(r) => r.to_verdict(),
            Report::SetFull(r) => r.to_verdict(),
        }
    }

    /// The report a checker's verdict carries, read back from its details;
    /// `None` for verdicts no checker wrote (`workload`, `faults`) and for
    /// details without a report (a history the checker could not read).
    pub fn from_verdict(v: &Verdict) -> Option<Report> {
        let kind: CheckerKind = v.checker.parse().ok()?;
        let d = v.details.clone();
        let typed = match kind {
            CheckerKind::Linearizable => Report::Linearizable(serde_json::from_value(d).ok()?),
            CheckerKind::Sequential => Report::Sequential(serde_json::from_value(d).ok()?),
            CheckerKind::Session => Report::Session(serde_json::from_value(d).ok()?),
            CheckerKind::Eventual => Report::Eventual(serde_json::from_value(d).ok()?),
            CheckerKind::Staleness => Report::Staleness(serde_json::from_value(d).ok()?),
            CheckerKind::Lock => Report::Lock(serde_json::from_value(d).ok()?),
            CheckerKind::Bank => Report::Bank(serde_json::from_value(d).ok()?),
            CheckerKind::Txn => Report::Txn(serde_json::from_value(d).ok()?),
            CheckerKind::Counter => Report::Counter(serde_json::from_value(d).ok()?),
            CheckerKind::SetFull => Report::SetFull(serde_json::from_value(d).ok()?),
        };
        Some(typed)
    }

    /// The combined answer.
    pub fn validity(&self) -> Validity {
        match self {
            Report::Linearizable(r) => r.valid,
            Report::Sequential(r) => r.valid,
            Report::Session(r) => r.valid,
            Report::Eventual(r) => r.valid,
            Report::Staleness(r) => r.valid,
            Report::Lock(r) => r.valid,
            Report::Bank(r) => r.valid,
            Report::Txn(r) => r.valid,
            Report::Counter(r) => r.valid,
            Report::SetFull(r) => r.valid,
        }
    }

    /// The linearizability report the per-key renderers (text, HTML
    /// timeline) draw: a linearizable report itself, and a sequential
    /// one's answers per key (its witnesses are words, not timelines).
    pub fn per_key_timeline(&self) -> Option<LinearizabilityReport> {
        match self {
            Report::Linearizable(r) => Some(r.clone()),
            Report::Sequential(r) => Some(r.answers_only()),
            _ => None,
        }
    }
}
