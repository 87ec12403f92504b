//! How each workload runs: its generators, its setup, what each worker
//! does in the main phase, its final operations, what it needs of the SUT,
//! which checkers judge it and how its store is probed. The controller runs
//! these phases without knowing which workload it drives; the operations
//! themselves come from the workloads crate.
//!
//! Adding a workload with a run of its own (a setup, a loop whose steps
//! depend on earlier answers, a checker of its own) means one file here and
//! one arm in [`from_config`]; a workload that is a stream of independent
//! keyed operations judged by linearizability needs none.

mod bank;
mod final_reads;
mod keyed;
mod lock;
mod txn;
mod unit;

use super::config::RunConfig;
use faultline_workloads::workload::WorkloadKind;
use std::sync::Arc;

pub use unit::{Judges, Workload};

/// The workload `config` asks for.
pub fn from_config(config: &RunConfig) -> Arc<dyn Workload> {
    match config.workload {
        WorkloadKind::Bank => Arc::new(bank::Bank {
            accounts: config.accounts,
        }),
        WorkloadKind::Lock => Arc::new(lock::Lock {
            options: config.lock_options(),
        }),
        kind => match kind.txn_flavor() {
            Some(flavor) => Arc::new(txn::Transactions { kind, flavor }),
            None => Arc::new(keyed::Keyed { kind }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::probe::Probe;
    use faultline_workloads::workload::txn::TxnFlavor;

    /// What a store is asked before the load follows from the workload.
    #[test]
    fn each_workload_says_how_its_store_is_probed() {
        let probe = |workload| {
            from_config(&RunConfig {
                workload,
                ..RunConfig::default()
            })
            .probe()
        };
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
