//! Turns `--nemesis` / `--nemesis-interval` / `--seed` into a ready nemesis and schedule.

use std::sync::Arc;
use std::time::Duration;

use crate::compose::ComposedNemesis;
use crate::control::NodeControl;
use crate::error::NemesisError;
use crate::kind::{NemesisKind, NemesisKinds};
use crate::latency::LatencyNemesis;
use crate::nemesis::Nemesis;
use crate::partition::{PartitionBackend, PartitionNemesis};
use crate::process_nemesis::ProcessNemesis;
use crate::proxy::ProxyMesh;
use crate::schedule::Schedule;

/// Latency fault defaults: enough to exceed typical election/heartbeat slack on loopback.
pub const DEFAULT_DELAY: Duration = Duration::from_millis(100);
/// Jitter added on top of [`DEFAULT_DELAY`].
pub const DEFAULT_JITTER: Duration = Duration::from_millis(50);

/// A nemesis and its schedule, ready for [`crate::run_schedule`].
pub struct BuiltNemesis {
    /// The (composed) nemesis; `None` when the kinds were `none`.
    pub nemesis: Option<Arc<dyn Nemesis>>,
    /// Fixed-interval schedule: `interval` faulty, `interval` healthy.
    pub schedule: Schedule,
}

/// Builds the nemesis for `kinds` against `control`, partitions and latency
/// through `mesh`. Kinds that need the mesh are an error without one.
pub fn build_nemesis(
    kinds: &NemesisKinds,
    interval: Duration,
    seed: u64,
    control: Arc<dyn NodeControl>,
    mesh: Option<Arc<ProxyMesh>>,
) -> Result<BuiltNemesis, NemesisError> {
    let partitions = mesh.clone().map(|m| m as Arc<dyn PartitionBackend>);
    build_nemesis_with(kinds, interval, seed, control, partitions, mesh)
}

/// Like [`build_nemesis`] with any partition backend (netns, user commands).
pub fn build_nemesis_with(
    kinds: &NemesisKinds,
    interval: Duration,
    seed: u64,
    control: Arc<dyn NodeControl>,
    partitions: Option<Arc<dyn PartitionBackend>>,
    mesh: Option<Arc<ProxyMesh>>,
) -> Result<BuiltNemesis, NemesisError> {
    if interval.is_zero() && !kinds.is_none() {
        // A zero interval would inject and heal faults in a tight loop.
        return Err(NemesisError::Parse {
            input: "0".into(),
            reason: "the nemesis interval must be positive".into(),
        });
    }
    let mut members: Vec<Arc<dyn Nemesis>> = Vec::new();
    for kind in kinds.iter() {
        let member: Arc<dyn Nemesis> = match kind {
            NemesisKind::Kill => Arc::new(ProcessNemesis::kill(control.clone(), Vec::new())),
            NemesisKind::Pause => Arc::new(ProcessNemesis::pause(control.clone(), Vec::new())),
            NemesisKind::Partition => {
                let backend = partitions.clone().ok_or(NemesisError::Missing {
                    kind: kind.to_string(),
                    needs: "a partition backend (a proxy mesh the nodes' peer URLs go through)",
                })?;
                // majorities-ring cuts nothing on 3 nodes; leave it out there.
                let kinds = crate::topology::TopologyKind::ALL
                    .into_iter()
                    .filter(|k| {
                        control.nodes().len() >= 4
                            || *k != crate::topology::TopologyKind::MajoritiesRing
                    })
                    .collect();
                Arc::new(PartitionNemesis::new(backend, control.clone(), kinds))
            }
            NemesisKind::Latency => {
                let mesh = mesh.clone().ok_or(NemesisError::Missing {
                    kind: kind.to_string(),
                    needs: "a proxy mesh the nodes' peer URLs go through",
                })?;
                Arc::new(LatencyNemesis::new(mesh, DEFAULT_DELAY, DEFAULT_JITTER))
            }
        };
        members.push(member);
    }
    let nemesis: Option<Arc<dyn Nemesis>> = match members.len() {
        0 => None,
        1 => members.pop(),
        _ => Some(Arc::new(ComposedNemesis::new(kinds.to_string(), members))),
    };
    Ok(BuiltNemesis {
        nemesis,
        schedule: Schedule::interval(interval, seed),
    })
}
