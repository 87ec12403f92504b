//! The Jepsen process model on tokio: each worker is a logical process that
//! invokes one operation at a time. After an `info` completion the process
//! is considered crashed (its operation may still take effect at any time),
//! so the worker continues under a new process id: old id + concurrency.

use super::progress::Counters;
use super::recorder::{EventBody, Recorder};
use faultline_checkers::{EventType, ProcessId};
use faultline_workloads::client::SutClient;
use faultline_workloads::generator::{Pacer, WorkerGenerator};
use faultline_workloads::{Completion, Op};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// What every worker shares.
#[derive(Debug)]
pub struct Shared {
    /// The SUT client (with its connection pool and balancer).
    pub client: SutClient,
    /// Where events go.
    pub recorder: Arc<Recorder>,
    /// Progress counters.
    pub counters: Arc<Counters>,
    /// Number of workers (the process id stride).
    pub concurrency: usize,
}

/// One worker: a logical process with its generator and its own RNG for node choice.
#[derive(Debug)]
pub struct Worker {
    /// Current process id.
    pub process: u64,
    /// Its reproducible operation stream.
    pub generator: WorkerGenerator,
    /// Node choice (kept apart so that it never perturbs the operation stream).
    pub rng: ChaCha8Rng,
    /// Pacing to the target rate.
    pub pacer: Pacer,
}

impl Worker {
    /// Invokes one operation as this process: record invoke, send, record completion.
    pub async fn invoke(&mut self, shared: &Shared, op: &Op) -> Completion {
        self.send(shared, op, None, Duration::ZERO).await
    }

    /// Like [`Worker::invoke`], on endpoint `node` instead of the balancer's pick.
    pub async fn invoke_on(&mut self, shared: &Shared, op: &Op, node: usize) -> Completion {
        self.send(shared, op, Some(node), Duration::ZERO).await
    }

    /// Like [`Worker::invoke`], but stalls for `stall` between recording the
    /// invoke and sending: the operation is in flight while the process is
    /// paused (how a client GC pause delays a request it already issued).
    pub async fn invoke_after(&mut self, shared: &Shared, op: &Op, stall: Duration) -> Completion {
        self.send(shared, op, None, stall).await
    }

    /// Records the invoke, waits `stall`, sends to `node` (or the balancer's
    /// pick) and records the completion.
    async fn send(
        &mut self,
        shared: &Shared,
        op: &Op,
        node: Option<usize>,
        stall: Duration,
    ) -> Completion {
        let process = ProcessId::Client(self.process);
        let key = op.key.as_deref();
        shared.counters.invoked();
        shared.recorder.record(EventBody {
            process,
            kind: EventType::Invoke,
            f: &op.f,
            key,
            value: &op.value,
            node: None,
            error: None,
            detail: None,
        });
        if !stall.is_zero() {
            tokio::time::sleep(stall).await;
        }
        let c = match node {
            Some(idx) => shared.client.invoke_at(idx, op).await,
            None => shared.client.invoke(op, &mut self.rng).await,
        };
        // A failed operation keeps its arguments, so a failed cas still
        // says which `from` it compared against.
        let value = if c.kind == EventType::Fail {
            &op.value
        } else {
            &c.value
        };
        shared.recorder.record(EventBody {
            process,
            kind: c.kind,
            f: &op.f,
            key,
            value,
            node: c.node.as_deref(),
            error: c.history_error(),
            detail: c.history_detail(),
        });
        shared.counters.count(c.kind, c.reason);
        if c.kind == EventType::Info {
            self.process += shared.concurrency as u64;
        }
        c
    }

    /// Waits for the pacer's next slot; false once the run is over
    /// (`deadline` passed or reached before the slot, or `stop`).
    pub async fn wait_turn(&mut self, deadline: Instant, stop: &CancellationToken) -> bool {
        if stop.is_cancelled() || Instant::now() >= deadline {
            return false;
        }
        let start_at = self.pacer.next_deadline(Instant::now());
        if start_at >= deadline {
            return false;
        }
        if start_at > Instant::now() {
            tokio::select! {
                _ = stop.cancelled() => return false,
                _ = tokio::time::sleep_until(start_at) => {}
            }
        }
        true
    }
}
