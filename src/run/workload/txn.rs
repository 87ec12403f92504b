//! The transactional workloads (list-append, rw-register): keyed
//! transactions judged by the txn checker alone, whose store is probed with
//! transactions.

use super::unit::{Judges, Workload};
use crate::run::probe::Probe;
use faultline_checkers::CheckerKind;
use faultline_workloads::workload::WorkloadKind;
use faultline_workloads::workload::txn::TxnFlavor;

/// A transactional workload.
#[derive(Debug)]
pub struct Transactions {
    /// Which one.
    pub kind: WorkloadKind,
    /// Its kind of transactions.
    pub flavor: TxnFlavor,
}

impl Workload for Transactions {
    fn kind(&self) -> WorkloadKind {
        self.kind
    }

    fn judges(&self) -> Judges {
        Judges {
            default: CheckerKind::Txn,
            sole: true,
        }
    }

    fn probe(&self) -> Probe {
        Probe::Txn(self.flavor)
    }
}
