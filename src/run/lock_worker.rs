//! The lock workload's worker loop: acquire → work → (pause) → lease check
//! → write the resource with the token → release → read the resource. Each
//! step depends on the previous answer (the token), so unlike the other
//! workloads it cannot be a stream of independent operations.

use super::worker::{Shared, Worker};
use faultline_checkers::EventType;
use faultline_workloads::Op;
use faultline_workloads::workload::lock::{LockCycle, LockOptions, PausePoint};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

impl Worker {
    /// Runs lock cycles until `deadline` or `stop`; a cycle in progress
    /// finishes (its waits are bounded by the TTL and the pause length).
    pub async fn run_lock(
        &mut self,
        shared: &Shared,
        opts: &LockOptions,
        deadline: Instant,
        stop: &CancellationToken,
    ) {
        while self.wait_turn(deadline, stop).await {
            let cycle = self.generator.next_lock_cycle(opts);
            self.lock_cycle(shared, opts, &cycle).await;
        }
    }

    async fn lock_cycle(&mut self, shared: &Shared, opts: &LockOptions, cycle: &LockCycle) {
        let holder = format!("p{}", self.process);
        // Taken before the invoke: the lease cannot have started earlier,
        // so judging it from here is on the safe side.
        let asked = Instant::now();
        let c = self.invoke(shared, &cycle.acquire(opts, &holder)).await;
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
            let w = self.invoke_after(shared, &cycle.write(token), stall).await;
            if w.kind == EventType::Info {
                // This process crashed, and a release from its successor's
                // id would not count as the holder's: let the lease expire.
                return;
            }
        }
        self.invoke(shared, &cycle.release(token)).await;
        self.invoke(shared, &Op::read(cycle.key.clone())).await;
    }
}
