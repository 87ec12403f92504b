//! How each workload runs: its generators, its setup, what each worker
//! does in the main phase, its final operations, and what it needs of the
//! SUT. The controller runs these phases without knowing which workload it
//! drives; the operations themselves come from the workloads crate.
//!
//! Adding a workload with a run of its own (a setup, a loop whose steps
//! depend on earlier answers) means one file here and one arm in
//! [`from_config`]; a workload that is a stream of independent keyed
//! operations needs none.

mod bank;
mod final_reads;
mod keyed;
mod lock;
mod unit;

use super::config::RunConfig;
use faultline_workloads::workload::WorkloadKind;
use std::sync::Arc;

pub use unit::Workload;

/// The workload `config` asks for.
pub fn from_config(config: &RunConfig) -> Arc<dyn Workload> {
    match config.workload {
        WorkloadKind::Bank => Arc::new(bank::Bank {
            accounts: config.accounts,
        }),
        WorkloadKind::Lock => Arc::new(lock::Lock {
            options: config.lock_options(),
        }),
        kind => Arc::new(keyed::Keyed { kind }),
    }
}
