//! The default final operations: every key the workers touched, read back
//! on every node once the faults healed.

use crate::run::progress::Counters;
use crate::run::worker::{Shared, Worker};
use faultline_checkers::EventType;
use faultline_workloads::workload::WorkloadKind;
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Attempts per final operation (one that fails or times out is retried).
pub const FINAL_ATTEMPTS: usize = 5;

/// Rounds of final reads; the second starts once the first has finished.
pub const FINAL_ROUNDS: usize = 2;

/// Reads every key the workers touched on every node, spread over the
/// workers; a read with an unknown outcome is retried (as a new process
/// after an `info`). Each read is attributed to its node in the history, so
/// the eventual checker can compare what the nodes hold; a mode that forwards
/// reads (Raft followers) still answers each one linearizably.
///
/// Two rounds: a write whose effect was unknown may still land during the
/// first (a Paxos read's round chooses a value only a minority had
/// accepted), and nodes that read differently in the first round may just
/// have been read before and after it landed. The second round tells that
/// apart from nodes that diverged: they still differ, after values they
/// left behind were read.
pub async fn final_reads(
    shared: &Arc<Shared>,
    workers: Vec<Worker>,
    workload: WorkloadKind,
    counters: &Counters,
    stop: &CancellationToken,
) {
    let keys: BTreeSet<String> = workers
        .iter()
        .flat_map(|w| w.generator.keys_used())
        .collect();
    let nodes = shared.client.endpoints().len().max(1);
    let reads: Arc<Vec<(String, usize)>> = Arc::new(
        keys.into_iter()
            .flat_map(|k| (0..nodes).map(move |node| (k.clone(), node)))
            .collect(),
    );
    counters.set_final_reads(reads.len() * FINAL_ROUNDS);
    let mut workers = workers;
    for _ in 0..FINAL_ROUNDS {
        let n = workers.len().max(1);
        let mut tasks = Vec::new();
        for (i, worker) in workers.into_iter().enumerate() {
            let (shared, stop, reads) = (shared.clone(), stop.clone(), reads.clone());
            tasks.push(tokio::spawn(async move {
                let mut worker = worker;
                for (key, node) in reads.iter().skip(i).step_by(n) {
                    for _ in 0..FINAL_ATTEMPTS {
                        if stop.is_cancelled() {
                            return worker;
                        }
                        let c = worker
                            .invoke_on(&shared, &workload.final_read(key), *node)
                            .await;
                        // A definite failure (e.g. `not_leader` from a store
                        // that does not forward) will not change on a retry.
                        if c.kind != EventType::Info {
                            break;
                        }
                    }
                }
                worker
            }));
        }
        workers = Vec::with_capacity(tasks.len());
        for t in tasks {
            // A worker whose task panicked is gone; the others read on.
            if let Ok(w) = t.await {
                workers.push(w);
            }
        }
        if stop.is_cancelled() {
            return;
        }
    }
}
