//! What the checkers of a report card are given besides the history.

use crate::bank::BankOptions;
use crate::eventual::EventualOptions;
use crate::linearizability::CheckOptions;
use crate::model::ModelKind;
use crate::staleness::StalenessOptions;
use crate::txn::TxnOptions;

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
