//! The latency nemesis: slows (and optionally makes lossy) every proxied link.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::control::BoxFuture;
use crate::error::NemesisError;
use crate::kind::NemesisKind;
use crate::nemesis::Nemesis;
use crate::proxy::ProxyMesh;
use crate::sink::EventSink;

/// Adds `delay` + up to `jitter` per chunk on all mesh links, and loss if set.
pub struct LatencyNemesis {
    mesh: Arc<ProxyMesh>,
    delay: Duration,
    jitter: Duration,
    loss: f64,
    active: AtomicBool,
}

impl LatencyNemesis {
    /// A latency fault of `delay` plus up to `jitter`, without loss.
    pub fn new(mesh: Arc<ProxyMesh>, delay: Duration, jitter: Duration) -> Self {
        LatencyNemesis {
            mesh,
            delay,
            jitter,
            loss: 0.0,
            active: AtomicBool::new(false),
        }
    }
}

impl Nemesis for LatencyNemesis {
    fn name(&self) -> &str {
        "latency"
    }

    fn kind(&self) -> Option<NemesisKind> {
        Some(NemesisKind::Latency)
    }

    fn invoke<'a>(
        &'a self,
        _rng: &'a mut ChaCha8Rng,
        sink: &'a dyn EventSink,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let links = self.mesh.links();
            self.active.store(true, Ordering::SeqCst);
            self.mesh.set_latency(&links, self.delay, self.jitter)?;
            if self.loss > 0.0 {
                self.mesh.set_loss(&links, self.loss)?;
            }
            let pairs: Vec<[&str; 2]> = links
                .iter()
                .map(|l| [l.from.as_str(), l.to.as_str()])
                .collect();
            sink.record(
                NemesisKind::Latency.start_event(),
                json!({
                    "links": pairs,
                    "delay_ms": self.delay.as_millis() as u64,
                    "jitter_ms": self.jitter.as_millis() as u64,
                    "loss": self.loss,
                }),
            );
            Ok(())
        })
    }

    fn heal<'a>(&'a self, sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            if !self.active.swap(false, Ordering::SeqCst) {
                return Ok(());
            }
            let links = self.mesh.links();
            self.mesh.update(&links, |c| {
                c.delay = Duration::ZERO;
                c.jitter = Duration::ZERO;
                c.loss = 0.0;
            })?;
            sink.record(NemesisKind::Latency.stop_event(), json!({}));
            Ok(())
        })
    }
}
