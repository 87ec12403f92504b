//! The lock workload: each worker loops acquire → work → (pause) → lease
//! check → write the resource with the token → release → read the
//! resource. Each step depends on the previous answer (the token), so
//! unlike the keyed workloads it cannot be a stream of independent operations.

use super::unit::{Judges, PhaseFuture, Workload};
use crate::run::worker::{Shared, Worker};
use faultline_checkers::{CheckerKind, EventType};
use faultline_workloads::Op;
use faultline_workloads::workload::WorkloadKind;
use faultline_workloads::workload::lock::{LockCycle, LockOptions, PausePoint};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The lock workload with its clients' behaviour.
#[derive(Debug)]
pub struct Lock {
    /// Lease length, pauses, and whether clients check their lease.
    pub options: LockOptions,
}

impl Workload for Lock {
    fn kind(&self) -> WorkloadKind {
        WorkloadKind::Lock
    }

    fn judges(&self) -> Judges {
        // A lock history has no register model to linearize against.
        Judges {
            default: CheckerKind::Lock,
            sole: false,
        }
    }

    /// Runs lock cycles until `deadline` or `stop`; a cycle in progress
    /// finishes (its waits are bounded by the TTL and the pause length).
    fn run_worker<'a>(
        &'a self,
        worker: &'a mut Worker,
        shared: &'a Shared,
        deadline: Instant,
        stop: &'a CancellationToken,
    ) -> PhaseFuture<'a, ()> {
        Box::pin(async move {
            while worker.wait_turn(deadline, stop).await {
                let cycle = worker.generator.next_lock_cycle(&self.options);
                lock_cycle(worker, shared, &self.options, &cycle).await;
            }
        })
    }
}

async fn lock_cycle(worker: &mut Worker, shared: &Shared, opts: &LockOptions, cycle: &LockCycle) {
    let holder = format!("p{}", worker.process);
    // Taken before the invoke: the lease cannot have started earlier,
    // so judging it from here is on the safe side.
    let asked = Instant::now();
    let c = worker.invoke(shared, &cycle.acquire(opts, &holder)).await;
    let Some(token) = c.value.as_u64().filter(|_| c.kind == EventType::Ok) else {
        return;
    };
    tokio::time::sleep(cycle.work).await;
    let mut stall = Duration::ZERO;
    match cycle.pause {
        Some((PausePoint::BeforeCheck, d)) => tokio::time::sleep(d).await,
        Some((PausePoint::InFlight, d)) => stall = d,
        None => {}
    }
    if opts.lease_still_valid(asked.elapsed()) {
        let w = worker
            .invoke_after(shared, &cycle.write(token), stall)
            .await;
        if w.kind == EventType::Info {
            // This process crashed, and a release from its successor's
            // id would not count as the holder's: let the lease expire.
            return;
        }
    }
    worker.invoke(shared, &cycle.release(token)).await;
    worker.invoke(shared, &Op::read(cycle.key.clone())).await;
}
