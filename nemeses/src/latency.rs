//! The latency and loss nemeses: slow, or make lossy, the links between
//! nodes, through whichever backend can: the proxy mesh's links, user
//! commands run on each node, or nftables on SSH nodes (loss only).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::control::BoxFuture;
use crate::error::NemesisError;
use crate::kind::NemesisKind;
use crate::nemesis::Nemesis;
use crate::proxy::ProxyMesh;
use crate::sink::EventSink;

/// How much a latency fault slows a link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slowdown {
    /// Added to every transfer.
    pub delay: Duration,
    /// Up to this much more, drawn per transfer.
    pub jitter: Duration,
    /// Fraction of connections or chunks dropped (0 for none).
    pub loss: f64,
}

/// Something that can slow every link between nodes and restore them.
pub trait LatencyBackend: Send + Sync {
    /// Backend name for logs and the history (`proxy-mesh`, `user-command`).
    fn name(&self) -> &'static str;

    /// Slows every link; answers what was slowed, for the history.
    fn slow(&self, slowdown: Slowdown) -> BoxFuture<'_, Result<Value, NemesisError>>;

    /// Removes every slowdown this backend set.
    fn restore(&self) -> BoxFuture<'_, Result<(), NemesisError>>;
}

impl LatencyBackend for ProxyMesh {
    fn name(&self) -> &'static str {
        "proxy-mesh"
    }

    fn slow(&self, slowdown: Slowdown) -> BoxFuture<'_, Result<Value, NemesisError>> {
        Box::pin(async move {
            let links = self.links();
            self.set_latency(&links, slowdown.delay, slowdown.jitter)?;
            if slowdown.loss > 0.0 {
                self.set_loss(&links, slowdown.loss)?;
            }
            let pairs: Vec<[&str; 2]> = links
                .iter()
                .map(|l| [l.from.as_str(), l.to.as_str()])
                .collect();
            Ok(json!({ "links": pairs }))
        })
    }

    fn restore(&self) -> BoxFuture<'_, Result<(), NemesisError>> {
        Box::pin(async move {
            let links = self.links();
            self.update(&links, |c| {
                c.delay = Duration::ZERO;
                c.jitter = Duration::ZERO;
                c.loss = 0.0;
            })?;
            Ok(())
        })
    }
}

/// Adds `delay` + up to `jitter` on every link of its backend, and loss if
/// set; as the loss nemesis, loss alone.
pub struct LatencyNemesis {
    backend: Arc<dyn LatencyBackend>,
    slowdown: Slowdown,
    kind: NemesisKind,
    active: AtomicBool,
}

impl LatencyNemesis {
    /// A latency fault of `delay` plus up to `jitter` through `backend`, without loss.
    pub fn new(backend: Arc<dyn LatencyBackend>, delay: Duration, jitter: Duration) -> Self {
        LatencyNemesis {
            backend,
            slowdown: Slowdown {
                delay,
                jitter,
                loss: 0.0,
            },
            kind: NemesisKind::Latency,
            active: AtomicBool::new(false),
        }
    }

    /// A loss fault: `loss` (0..=1) of what crosses every link dropped,
    /// nothing delayed.
    pub fn loss(backend: Arc<dyn LatencyBackend>, loss: f64) -> Self {
        LatencyNemesis {
            backend,
            slowdown: Slowdown {
                delay: Duration::ZERO,
                jitter: Duration::ZERO,
                loss: loss.clamp(0.0, 1.0),
            },
            kind: NemesisKind::Loss,
            active: AtomicBool::new(false),
        }
    }
}

impl Nemesis for LatencyNemesis {
    fn name(&self) -> &str {
        self.kind.as_str()
    }

    fn kind(&self) -> Option<NemesisKind> {
        Some(self.kind)
    }

    fn invoke<'a>(
        &'a self,
        _rng: &'a mut ChaCha8Rng,
        sink: &'a dyn EventSink,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            // Marked before acting: a half-applied slowdown must still be restored.
            self.active.store(true, Ordering::SeqCst);
            let mut value = self.backend.slow(self.slowdown).await?;
            if let Some(obj) = value.as_object_mut() {
                obj.insert(
                    "delay_ms".into(),
                    json!(self.slowdown.delay.as_millis() as u64),
                );
                obj.insert(
                    "jitter_ms".into(),
                    json!(self.slowdown.jitter.as_millis() as u64),
                );
                obj.insert("loss".into(), json!(self.slowdown.loss));
                obj.insert("backend".into(), json!(self.backend.name()));
            }
            sink.record(self.kind.start_event(), value);
            Ok(())
        })
    }

    fn heal<'a>(&'a self, sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            if !self.active.swap(false, Ordering::SeqCst) {
                return Ok(());
            }
            self.backend.restore().await?;
            sink.record(self.kind.stop_event(), json!({}));
            Ok(())
        })
    }
}
