//! The [`Checker`] trait and one implementation per [`CheckerKind`], so a
//! report card is a list of checker values run in a loop.

use super::kind::CheckerKind;
use super::options::CardOptions;
use super::report::Report;
use crate::bank::{BankError, BankOptions, check_bank};
use crate::counter_bounds::{CounterError, check_counter};
use crate::eventual::{EventualOptions, check_eventual};
use crate::history::{Event, HistoryError};
use crate::linearizability::{CheckError, CheckOptions, check_linearizable};
use crate::lock::check_lock;
use crate::model::ModelKind;
use crate::register_view::ViewError;
use crate::sequential::check_sequential;
use crate::session::check_session;
use crate::set_full::{SetFullError, check_set_full};
use crate::staleness::{StalenessOptions, check_staleness};
use crate::txn::{TxnError, TxnOptions, check_txn};

/// A consistency checker: judges one history and returns its typed report.
pub trait Checker: Send + Sync {
    /// Which checker this is (its name in verdicts and on the command line).
    fn kind(&self) -> CheckerKind;

    /// Checks `events`; an error means the history could not be read as
    /// this checker needs it.
    fn check(&self, events: &[Event]) -> Result<Report, CheckerError>;
}

/// Why a checker could not judge a history.
#[derive(Debug, thiserror::Error)]
pub enum CheckerError {
    /// The linearizable or sequential search could not run.
    #[error(transparent)]
    Search(#[from] CheckError),
    /// The history has no register view (session, eventual, staleness).
    #[error(transparent)]
    View(#[from] ViewError),
    /// The history's operations do not pair up (lock).
    #[error(transparent)]
    History(#[from] HistoryError),
    /// Not a bank history.
    #[error(transparent)]
    Bank(#[from] BankError),
    /// Not a history of transactions.
    #[error(transparent)]
    Txn(#[from] TxnError),
    /// Not a counter history.
    #[error(transparent)]
    Counter(#[from] CounterError),
    /// Not a set history.
    #[error(transparent)]
    SetFull(#[from] SetFullError),
    /// The check was stopped (its deadline passed, or it was interrupted)
    /// before every key was read.
    #[error(
        "stopped before every key was read (the check's deadline passed, or it was interrupted)"
    )]
    Cancelled,
}

impl CheckerKind {
    /// This checker, configured from the card's options.
    pub fn checker(self, opts: &CardOptions) -> Box<dyn Checker> {
        match self {
            CheckerKind::Linearizable => Box::new(Linearizable {
                model: opts.model,
                options: opts.check.clone(),
            }),
            CheckerKind::Sequential => Box::new(Sequential {
                model: opts.model,
                options: opts.check.clone(),
            }),
            CheckerKind::Session => Box::new(Session),
            CheckerKind::Eventual => Box::new(Eventual(opts.eventual)),
            CheckerKind::Staleness => Box::new(Staleness(opts.staleness)),
            CheckerKind::Lock => Box::new(Lock),
            CheckerKind::Bank => Box::new(Bank(opts.bank)),
            CheckerKind::Txn => Box::new(Txn(opts.txn.clone())),
            CheckerKind::Counter => Box::new(Counter),
            CheckerKind::SetFull => Box::new(SetFull),
        }
    }
}

struct Linearizable {
    model: ModelKind,
    options: CheckOptions,
}

impl Checker for Linearizable {
    fn kind(&self) -> CheckerKind {
        CheckerKind::Linearizable
    }
    fn check(&self, events: &[Event]) -> Result<Report, CheckerError> {
        Ok(Report::Linearizable(check_linearizable(
            events,
            self.model,
            &self.options,
        )?))
    }
}

struct Sequential {
    model: ModelKind,
    options: CheckOptions,
}

impl Checker for Sequential {
    fn kind(&self) -> CheckerKind {
        CheckerKind::Sequential
    }
    fn check(&self, events: &[Event]) -> Result<Report, CheckerError> {
        Ok(Report::Sequential(check_sequential(
            events,
            self.model,
            &self.options,
        )?))
    }
}

struct Session;

impl Checker for Session {
    fn kind(&self) -> CheckerKind {
        CheckerKind::Session
    }
    fn check(&self, events: &[Event]) -> Result<Report, CheckerError> {
        Ok(Report::Session(check_session(events)?))
    }
}

struct Eventual(EventualOptions);

impl Checker for Eventual {
    fn kind(&self) -> CheckerKind {
        CheckerKind::Eventual
    }
    fn check(&self, events: &[Event]) -> Result<Report, CheckerError> {
        Ok(Report::Eventual(check_eventual(events, &self.0)?))
    }
}

struct Staleness(StalenessOptions);

impl Checker for Staleness {
    fn kind(&self) -> CheckerKind {
        CheckerKind::Staleness
    }
    fn check(&self, events: &[Event]) -> Result<Report, CheckerError> {
        Ok(Report::Staleness(check_staleness(events, &self.0)?))
    }
}

struct Lock;

impl Checker for Lock {
    fn kind(&self) -> CheckerKind {
        CheckerKind::Lock
    }
    fn check(&self, events: &[Event]) -> Result<Report, CheckerError> {
        Ok(Report::Lock(check_lock(events)?))
    }
}

struct Bank(BankOptions);

impl Checker for Bank {
    fn kind(&self) -> CheckerKind {
        CheckerKind::Bank
    }
    fn check(&self, events: &[Event]) -> Result<Report, CheckerError> {
        Ok(Report::Bank(check_bank(events, &self.0)?))
    }
}

struct Txn(TxnOptions);

impl Checker for Txn {
    fn kind(&self) -> CheckerKind {
        CheckerKind::Txn
    }
    fn check(&self, events: &[Event]) -> Result<Report, CheckerError> {
        Ok(Report::Txn(check_txn(events, &self.0)?))
    }
}

struct Counter;

impl Checker for Counter {
    fn kind(&self) -> CheckerKind {
        CheckerKind::Counter
    }
    fn check(&self, events: &[Event]) -> Result<Report, CheckerError> {
        Ok(Report::Counter(check_counter(events)?))
    }
}

struct SetFull;

impl Checker for SetFull {
    fn kind(&self) -> CheckerKind {
        CheckerKind::SetFull
    }
    fn check(&self, events: &[Event]) -> Result<Report, CheckerError> {
        Ok(Report::SetFull(check_set_full(events)?))
    }
}
