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

/// Reads every key the workers touched on every node, spread over the
/// workers; a read with an unknown outcome is retried (as a new process
/// after an `info`). Each read is attributed to its node in the history, so
/// the eventual checker can compare what the nodes hold; a mode that forwards
/// reads (Raft followers) still answers each one linearizably.
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
    let reads: Vec<(String, usize)> = keys
        .into_iter()
        .flat_map(|k| (0..nodes).map(move |node| (k.clone(), node)))
        .collect();
    counters.set_final_reads(reads.len());
    let n = workers.len().max(1);
    let mut tasks = Vec::new();
    for (i, worker) in workers.into_iter().enumerate() {
        let mine: Vec<(String, usize)> = reads.iter().skip(i).step_by(n).cloned().collect();
        let (shared, stop) = (shared.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut worker = worker;
            for (key, node) in mine {
                for _ in 0..FINAL_ATTEMPTS {
                    if stop.is_cancelled() {
                        return;
                    }
                    let c = worker
                        .invoke_on(&shared, &workload.final_read(&key), node)
                        .await;
                    // A definite failure (e.g. `not_leader` from a store
                    // that does not forward) will not change on a retry.
                    if c.kind != EventType::Info {
                        break;
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}
