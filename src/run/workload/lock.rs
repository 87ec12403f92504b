//! The lock workload: each worker loops acquire → work → (pause) → lease
//! check → write the resource with the token → release → read the
//! resource. Each step depends on the previous answer (the token), so
//! unlike the keyed workloads it cannot be a stream of independent operations.

use super::args::WorkloadArgs;
use super::unit::{Judges, PhaseFuture, Workload};
use crate::run::worker::{Shared, Worker};
use faultline_checkers::{CheckerKind, EventType};
use faultline_workloads::Op;
use faultline_workloads::workload::WorkloadKind;
use faultline_workloads::workload::lock::{LockCycle, LockOptions, PausePoint};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The lock workload's options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(rename_all = "kebab-case", default)]
pub struct LockArgs {
    /// Lock workload: lease length in ms.
    #[arg(long, default_value_t = LockArgs::default().lock_ttl_ms)]
    pub lock_ttl_ms: u64,
    /// Lock workload: typical client pause in ms, each 0.75-1.25 x this.
    #[arg(long, default_value_t = LockArgs::default().lock_pause_ms)]
    pub lock_pause_ms: u64,
    /// Lock workload: chance that a cycle pauses.
    #[arg(long, default_value_t = LockArgs::default().lock_pause_probability)]
    pub lock_pause_probability: f64,
}

impl Default for LockArgs {
    fn default() -> Self {
        LockArgs {
            lock_ttl_ms: 300,
            lock_pause_ms: 450,
            lock_pause_probability: 0.2,
        }
    }
}

impl WorkloadArgs for LockArgs {
    const WORKLOAD: WorkloadKind = WorkloadKind::Lock;

    fn validate(&self) -> anyhow::Result<()> {
        let p = self.lock_pause_probability;
        if !(0.0..=1.0).contains(&p) {
            anyhow::bail!("lock-pause-probability must be between 0 and 1, got {p}");
        }
        Ok(())
    }
}

impl LockArgs {
    /// How the clients behave; `check_lease` is off under the
    /// `lease-ignores-pause` bug (a client-side bug of the bundled cluster).
    pub fn options(&self, check_lease: bool) -> LockOptions {
        LockOptions {
            ttl: Duration::from_millis(self.lock_ttl_ms.max(1)),
            pause: Duration::from_millis(self.lock_pause_ms),
            pause_probability: self.lock_pause_probability,
            check_lease,
        }
    }
}

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
