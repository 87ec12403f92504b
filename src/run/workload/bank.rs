//! The bank workload: a setup transaction writes the initial balances,
//! workers transfer between accounts, and at the end every worker reads
//! the whole bank, which shows whether acknowledged transfers survived.

use super::args::WorkloadArgs;
use super::final_reads::FINAL_ATTEMPTS;
use super::unit::{Judges, PhaseFuture, Workload};
use crate::run::progress::Counters;
use crate::run::sut::capability::Capability;
use crate::run::worker::{Shared, Worker};
use faultline_checkers::{CheckerKind, EventType};
use faultline_workloads::generator::{KeyPicker, WorkerGenerator};
use faultline_workloads::workload::WorkloadKind;
use faultline_workloads::workload::bank::{Accounts, DEFAULT_ACCOUNTS};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Attempts of the setup transaction before the run gives up.
const SETUP_ATTEMPTS: usize = 20;

/// The bank workload's options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(rename_all = "kebab-case", default)]
pub struct BankArgs {
    /// Bank accounts (bank workload).
    #[arg(long, default_value_t = BankArgs::default().accounts)]
    pub accounts: usize,
}

impl Default for BankArgs {
    fn default() -> Self {
        BankArgs {
            accounts: DEFAULT_ACCOUNTS,
        }
    }
}

impl WorkloadArgs for BankArgs {
    const WORKLOAD: WorkloadKind = WorkloadKind::Bank;

    fn validate(&self) -> anyhow::Result<()> {
        if self.accounts < 2 {
            anyhow::bail!(
                "the bank workload needs at least 2 accounts, got {}",
                self.accounts
            );
        }
        Ok(())
    }
}

/// The bank workload over `accounts` accounts.
#[derive(Debug)]
pub struct Bank {
    /// How many accounts.
    pub accounts: usize,
}

impl Workload for Bank {
    fn kind(&self) -> WorkloadKind {
        WorkloadKind::Bank
    }

    fn judges(&self) -> Judges {
        // Transfers are multi-key transactions no register model reads.
        Judges {
            default: CheckerKind::Bank,
            sole: true,
        }
    }

    fn needs(&self) -> Vec<Capability> {
        // Transfers are multi-key transactions, before any operation.
        vec![Capability::Txn, Capability::Serve(WorkloadKind::Bank)]
    }

    fn generator(
        &self,
        keys: KeyPicker,
        seed: u64,
        worker: usize,
        concurrency: usize,
        key_prefix: &str,
    ) -> WorkerGenerator {
        WorkerGenerator::new(self.kind(), keys, seed, worker, concurrency)
            .with_accounts(Accounts::new(key_prefix, self.accounts))
    }

    /// Writes the initial balances as one transaction, recorded like any
    /// operation so the checker knows the total; retried until it is `ok`
    /// (a leader election may be under way).
    fn setup<'a>(
        &'a self,
        shared: &'a Shared,
        worker: &'a mut Worker,
        stop: &'a CancellationToken,
    ) -> PhaseFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let op = worker.generator.accounts().setup_op();
            let mut last = String::new();
            for _ in 0..SETUP_ATTEMPTS {
                if stop.is_cancelled() {
                    anyhow::bail!("interrupted during the bank setup");
                }
                let c = worker.invoke(shared, &op).await;
                if c.kind == EventType::Ok {
                    return Ok(());
                }
                last = c.describe();
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            anyhow::bail!(
                "the bank setup (one transaction writing {} accounts) did not succeed in \
                 {SETUP_ATTEMPTS} attempts; last error: {last}",
                worker.generator.accounts().names().len()
            )
        })
    }

    /// One whole-bank read per worker, each retried until `ok`: reads that
    /// begin after every transfer ended show whether acknowledged ones survived.
    fn final_ops<'a>(
        &'a self,
        shared: &'a Arc<Shared>,
        workers: Vec<Worker>,
        counters: &'a Counters,
        stop: &'a CancellationToken,
    ) -> PhaseFuture<'a, ()> {
        Box::pin(async move {
            counters.set_final_reads(workers.len());
            let mut tasks = Vec::new();
            for mut worker in workers {
                let (shared, stop) = (shared.clone(), stop.clone());
                tasks.push(tokio::spawn(async move {
                    let op = worker.generator.accounts().read_op();
                    for _ in 0..FINAL_ATTEMPTS {
                        if stop.is_cancelled() {
                            return;
                        }
                        if worker.invoke(&shared, &op).await.kind == EventType::Ok {
                            return;
                        }
                    }
                }));
            }
            for t in tasks {
                let _ = t.await;
            }
        })
    }
}
