//! The workload as a unit: what a run needs to know of it, phase by phase.

use super::final_reads::final_reads;
use crate::run::probe::Probe;
use crate::run::progress::Counters;
use crate::run::sut::capability::Capability;
use crate::run::worker::{Shared, Worker};
use faultline_checkers::CheckerKind;
use faultline_workloads::generator::{KeyPicker, WorkerGenerator};
use faultline_workloads::workload::WorkloadKind;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// A boxed future of a workload's phase (the trait is used as `dyn`).
pub type PhaseFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Which checkers judge a workload's histories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judges {
    /// The checker of a run that names none.
    pub default: CheckerKind,
    /// Only that checker can read the histories (bank transfers,
    /// transactions): naming another refuses the run.
    pub sole: bool,
}

/// What a run needs to know of its workload.
pub trait Workload: Send + Sync + std::fmt::Debug {
    /// Which workload it is.
    fn kind(&self) -> WorkloadKind;

    /// Which checkers judge its histories: by default linearizability
    /// (with the workload's model), besides any other the run names.
    fn judges(&self) -> Judges {
        Judges {
            default: CheckerKind::Linearizable,
            sole: false,
        }
    }

    /// What each endpoint of a store faultline did not start is asked
    /// before the load: by default nothing (the first answers of the run
    /// show whether the store speaks the protocol).
    fn probe(&self) -> Probe {
        Probe::None
    }

    /// What it needs of the SUT: serving its operations, and more for some.
    fn needs(&self) -> Vec<Capability> {
        vec![Capability::Serve(self.kind())]
    }

    /// The operation stream of worker `worker` of `concurrency`, over
    /// `keys`, under the run's `key_prefix`.
    fn generator(
        &self,
        keys: KeyPicker,
        seed: u64,
        worker: usize,
        concurrency: usize,
        key_prefix: &str,
    ) -> WorkerGenerator {
        let _ = key_prefix;
        WorkerGenerator::new(self.kind(), keys, seed, worker, concurrency)
    }

    /// Runs before the main phase, as the first worker; an error refuses
    /// the run.
    fn setup<'a>(
        &'a self,
        shared: &'a Shared,
        worker: &'a mut Worker,
        stop: &'a CancellationToken,
    ) -> PhaseFuture<'a, anyhow::Result<()>> {
        let _ = (shared, worker, stop);
        Box::pin(async { Ok(()) })
    }

    /// One worker's main phase, until `deadline` or `stop`; an operation in
    /// flight finishes, so every invoke gets its completion.
    fn run_worker<'a>(
        &'a self,
        worker: &'a mut Worker,
        shared: &'a Shared,
        deadline: Instant,
        stop: &'a CancellationToken,
    ) -> PhaseFuture<'a, ()> {
        Box::pin(async move {
            while worker.wait_turn(deadline, stop).await {
                let op = worker.generator.next_op();
                worker.invoke(shared, &op).await;
            }
        })
    }

    /// The operations after the faults healed, which show what the SUT
    /// kept: by default every key the workers touched, read on every node.
    fn final_ops<'a>(
        &'a self,
        shared: &'a Arc<Shared>,
        workers: Vec<Worker>,
        counters: &'a Counters,
        stop: &'a CancellationToken,
    ) -> PhaseFuture<'a, ()> {
        Box::pin(final_reads(shared, workers, self.kind(), counters, stop))
    }
}
