//! The partition nemesis and the backends that actually cut links.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::control::{BoxFuture, NodeControl};
use crate::error::NemesisError;
use crate::kind::NemesisKind;
use crate::nemesis::Nemesis;
use crate::rounds::Rounds;
use crate::sink::EventSink;
use crate::topology::{Link, TopologyKind, plan_partition};

/// Something that can cut directed links between nodes and heal them all.
pub trait PartitionBackend: Send + Sync {
    /// Backend name for logs and the history (`proxy-mesh`, `netns`, `user-command`).
    fn name(&self) -> &'static str;

    /// Cuts the given directed links (in addition to any already cut).
    fn cut<'a>(&'a self, cuts: &'a BTreeSet<Link>) -> BoxFuture<'a, Result<(), NemesisError>>;

    /// Restores every link this backend ever cut.
    fn heal(&self) -> BoxFuture<'_, Result<(), NemesisError>>;
}

/// Splits the network into a topology drawn from `kinds` on each fault, in
/// rounds: every `k` partitions of `k` topologies use each once, in a
/// seeded order.
pub struct PartitionNemesis {
    backend: Arc<dyn PartitionBackend>,
    control: Arc<dyn NodeControl>,
    kinds: Mutex<Rounds<TopologyKind>>,
    active: AtomicBool,
}

impl PartitionNemesis {
    /// A nemesis that picks one of `kinds` per fault (if empty:
    /// [`TopologyKind::searching`] for the control's nodes).
    pub fn new(
        backend: Arc<dyn PartitionBackend>,
        control: Arc<dyn NodeControl>,
        kinds: Vec<TopologyKind>,
    ) -> Self {
        let kinds = if kinds.is_empty() {
            TopologyKind::searching(control.nodes().len())
        } else {
            kinds
        };
        PartitionNemesis {
            backend,
            control,
            kinds: Mutex::new(Rounds::new(kinds)),
            active: AtomicBool::new(false),
        }
    }

    /// The topologies one round holds.
    pub fn topologies(&self) -> Vec<TopologyKind> {
        self.kinds
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .choices()
            .to_vec()
    }
}

impl Nemesis for PartitionNemesis {
    fn name(&self) -> &str {
        "partition"
    }

    fn kind(&self) -> Option<NemesisKind> {
        Some(NemesisKind::Partition)
    }

    fn invoke<'a>(
        &'a self,
        rng: &'a mut ChaCha8Rng,
        sink: &'a dyn EventSink,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let kind = self
                .kinds
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .next(rng)
                .unwrap_or(TopologyKind::IsolateOne);
            let leader = if kind == TopologyKind::IsolateLeader {
                self.control.leader().await
            } else {
                None
            };
            let nodes = self.control.nodes();
            let partition = plan_partition(kind, &nodes, leader.as_deref(), rng)?;
            // Marked before cutting: a half-applied cut must still be healed.
            self.active.store(true, Ordering::SeqCst);
            self.backend.cut(&partition.cuts).await?;
            let mut value = partition.description;
            if let Some(obj) = value.as_object_mut() {
                obj.insert("backend".into(), json!(self.backend.name()));
            }
            sink.record(NemesisKind::Partition.start_event(), value);
            Ok(())
        })
    }

    fn heal<'a>(&'a self, sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            if !self.active.load(Ordering::SeqCst) {
                return Ok(());
            }
            self.backend.heal().await?;
            self.active.store(false, Ordering::SeqCst);
            sink.record(
                NemesisKind::Partition.stop_event(),
                json!({"backend": self.backend.name()}),
            );
            Ok(())
        })
    }
}
