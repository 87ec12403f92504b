//! Turns `--nemesis` / `--nemesis-interval` / `--seed` into a ready nemesis and schedule.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::{ClockNemesis, DEFAULT_MAX_OFFSET};
use crate::compose::ComposedNemesis;
use crate::control::NodeControl;
use crate::error::NemesisError;
use crate::kind::{NemesisKind, NemesisKinds};
use crate::latency::{LatencyBackend, LatencyNemesis};
use crate::nemesis::Nemesis;
use crate::partition::{PartitionBackend, PartitionNemesis};
use crate::process_nemesis::{ProcessFault, ProcessNemesis};
use crate::proxy::ProxyMesh;
use crate::schedule::Schedule;
use crate::topology::TopologyKind;

/// Latency fault defaults: enough to exceed typical election/heartbeat slack on loopback.
pub const DEFAULT_DELAY: Duration = Duration::from_millis(100);
/// Share dropped by a loss fault: enough that retransmissions and resets
/// show in latencies and timeouts, not so much that the links are as good
/// as cut (which is the partition's job).
pub const DEFAULT_LOSS: f64 = 0.2;
/// Jitter added on top of [`DEFAULT_DELAY`].
pub const DEFAULT_JITTER: Duration = Duration::from_millis(50);

/// Every how many windows one is a combination, when the kinds can pair:
/// every other one, so a run has as many overlapping faults as lone ones.
pub const COMBINE_EVERY: usize = 2;

/// The schedule [`build_nemesis`] gives `kinds`: `interval` faulty and
/// `interval` healthy, every [`COMBINE_EVERY`]-th window a combination when
/// two of the kinds pair.
pub fn default_schedule(kinds: &NemesisKinds, interval: Duration, seed: u64) -> Schedule {
    let schedule = Schedule::interval(interval, seed);
    if kinds.can_combine() {
        schedule.with_combinations_every(COMBINE_EVERY)
    } else {
        schedule
    }
}

/// What one round of each kind's faults targets on `nodes` nodes with the
/// default choices: kill, pause and clock target rules, partition
/// topologies, and `None` for latency (every link).
pub fn planned_targets(
    kinds: &NemesisKinds,
    nodes: usize,
) -> Vec<(NemesisKind, Option<&'static str>)> {
    let mut planned = Vec::new();
    for kind in kinds.iter() {
        match kind {
            NemesisKind::Kill | NemesisKind::Pause => {
                let fault = if kind == NemesisKind::Kill {
                    ProcessFault::Kill
                } else {
                    ProcessFault::Pause
                };
                planned.extend(
                    fault
                        .default_targets(nodes)
                        .into_iter()
                        .map(|t| (kind, Some(t.as_str()))),
                );
            }
            NemesisKind::Partition => planned.extend(
                TopologyKind::searching(nodes)
                    .into_iter()
                    .map(|t| (kind, Some(t.as_str()))),
            ),
            NemesisKind::Latency | NemesisKind::Loss => planned.push((kind, None)),
            NemesisKind::Clock => planned.extend(
                ClockNemesis::default_targets(nodes)
                    .into_iter()
                    .map(|t| (kind, Some(t.as_str()))),
            ),
        }
    }
    planned
}

/// A nemesis and its schedule, ready for [`crate::run_schedule`].
pub struct BuiltNemesis {
    /// The (composed) nemesis; `None` when the kinds were `none`.
    pub nemesis: Option<Arc<dyn Nemesis>>,
    /// [`default_schedule`]: `interval` faulty, `interval` healthy, with
    /// combination windows when the kinds pair.
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
    let backends = NetworkBackends {
        partitions,
        latency: mesh.clone().map(|m| m as Arc<dyn LatencyBackend>),
        loss: mesh.map(|m| m as Arc<dyn LatencyBackend>),
    };
    build_nemesis_on(kinds, interval, seed, control, backends)
}

/// What network faults act through; either may be missing, and then the
/// kinds that need it are refused.
#[derive(Default, Clone)]
pub struct NetworkBackends {
    /// Cuts links (a proxy mesh, netns, user commands).
    pub partitions: Option<Arc<dyn PartitionBackend>>,
    /// Slows links (a proxy mesh, user commands).
    pub latency: Option<Arc<dyn LatencyBackend>>,
    /// Drops a share of what crosses links (a proxy mesh, nftables on SSH
    /// nodes): a [`LatencyBackend`] asked for loss alone.
    pub loss: Option<Arc<dyn LatencyBackend>>,
}

/// Like [`build_nemesis`] with any partition and latency backends.
pub fn build_nemesis_on(
    kinds: &NemesisKinds,
    interval: Duration,
    seed: u64,
    control: Arc<dyn NodeControl>,
    backends: NetworkBackends,
) -> Result<BuiltNemesis, NemesisError> {
    let NetworkBackends {
        partitions,
        latency,
        loss,
    } = backends;
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
                // The topologies that differ on this many nodes.
                Arc::new(PartitionNemesis::new(backend, control.clone(), Vec::new()))
            }
            NemesisKind::Latency => {
                let backend = latency.clone().ok_or(NemesisError::Missing {
                    kind: kind.to_string(),
                    needs: "a latency backend (a proxy mesh the nodes' peer URLs go through, or latency commands)",
                })?;
                Arc::new(LatencyNemesis::new(backend, DEFAULT_DELAY, DEFAULT_JITTER))
            }
            NemesisKind::Loss => {
                let backend = loss.clone().ok_or(NemesisError::Missing {
                    kind: kind.to_string(),
                    needs: "a loss backend (a proxy mesh the nodes' peer URLs go through, or nftables on SSH nodes)",
                })?;
                Arc::new(LatencyNemesis::loss(backend, DEFAULT_LOSS))
            }
            NemesisKind::Clock => Arc::new(ClockNemesis::new(
                control.clone(),
                Vec::new(),
                DEFAULT_MAX_OFFSET,
            )),
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
        schedule: default_schedule(kinds, interval, seed),
    })
}
