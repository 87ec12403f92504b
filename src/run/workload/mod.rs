//! How each workload runs: its generators, its setup, what each worker
//! does in the main phase, its final operations, what it needs of the SUT,
//! which checkers judge it and how its store is probed. The controller runs
//! these phases without knowing which workload it drives; the operations
//! themselves come from the workloads crate.
//!
//! Adding a workload with a run of its own (a setup, a loop whose steps
//! depend on earlier answers, a checker of its own) means one file here and
//! one arm in [`unit`]; a workload that is a stream of independent
//! keyed operations judged by linearizability needs none. Options of its
//! own are a struct in that file ([`args::WorkloadArgs`]), listed once in
//! [`options::WorkloadOptions`], which makes them flags and config keys.

pub mod args;
mod bank;
mod final_reads;
mod keyed;
mod lock;
pub mod options;
mod txn;
mod unit;

use faultline_cluster::Bug;
use faultline_workloads::workload::WorkloadKind;
use options::WorkloadOptions;
use std::sync::Arc;

pub use unit::{Judges, Workload};

/// Workload `kind` with its `options`; `bugs` are the bundled cluster's
/// switched-on bugs, of which `lease-ignores-pause` is the lock clients'.
pub fn unit(kind: WorkloadKind, options: &WorkloadOptions, bugs: &[Bug]) -> Arc<dyn Workload> {
    match kind {
        WorkloadKind::Bank => Arc::new(bank::Bank {
            accounts: options.bank.accounts,
        }),
        WorkloadKind::Lock => Arc::new(lock::Lock {
            options: options
                .lock
                .options(!bugs.contains(&Bug::LeaseIgnoresPause)),
        }),
        kind => match kind.txn_flavor() {
            Some(flavor) => Arc::new(txn::Transactions { kind, flavor }),
            None => Arc::new(keyed::Keyed { kind }),
        },
    }
}

/// Which checkers judge workload `kind` (the same whatever its options).
pub fn judges_of(kind: WorkloadKind) -> Judges {
    unit(kind, &WorkloadOptions::default(), &[]).judges()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::probe::Probe;
    use faultline_workloads::workload::txn::TxnFlavor;

    /// What a store is asked before the load follows from the workload.
    #[test]
    fn each_workload_says_how_its_store_is_probed() {
        let probe = |workload| unit(workload, &WorkloadOptions::default(), &[]).probe();
        assert_eq!(
            probe(WorkloadKind::Register),
            Probe::Register { cas: false }
        );
        assert_eq!(
            probe(WorkloadKind::CasRegister),
            Probe::Register { cas: true }
        );
        assert_eq!(probe(WorkloadKind::Kv), Probe::Register { cas: true });
        assert_eq!(
            probe(WorkloadKind::ListAppend),
            Probe::Txn(TxnFlavor::ListAppend)
        );
        assert_eq!(
            probe(WorkloadKind::RwRegister),
            Probe::Txn(TxnFlavor::RwRegister)
        );
        for w in [
            WorkloadKind::Append,
            WorkloadKind::Set,
            WorkloadKind::Counter,
            WorkloadKind::Lock,
            WorkloadKind::Bank,
        ] {
            assert_eq!(probe(w), Probe::None, "{w}");
        }
    }
}
