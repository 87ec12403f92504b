//! Clock faults through `NodeControl::set_clock_offset`: `bump` steps the
//! wall clocks of some nodes by a drawn offset and leaves them there for
//! the window; `strobe` flips them between two drawn offsets every
//! [`STROBE_PERIOD`] until the heal; the heal resets every skewed node to
//! offset 0. Faults alternate between bump and strobe in rounds, and the
//! targets are drawn like a process fault's (one, leader, minority,
//! majority, all).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::control::{BoxFuture, NodeControl};
use crate::error::NemesisError;
use crate::kind::NemesisKind;
use crate::nemesis::Nemesis;
use crate::rounds::Rounds;
use crate::sink::EventSink;
use crate::targets::{TargetSelection, select_targets};

/// Smallest offset drawn: below it a skew hides in scheduling noise.
pub const MIN_OFFSET: Duration = Duration::from_millis(100);
/// Largest offset drawn by default: well past the leases and timeouts of
/// the bundled cluster, so a forward step expires whatever trusts it.
pub const DEFAULT_MAX_OFFSET: Duration = Duration::from_secs(5);
/// How often a strobe flips a node's clock.
pub const STROBE_PERIOD: Duration = Duration::from_millis(50);
/// Most flips of one strobe, whatever the window: a heal that never comes
/// (a harness stuck elsewhere) must not leave it flipping for ever.
const STROBE_MAX_FLIPS: u64 = 12_000;

/// Which clock fault a window brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockFault {
    /// One step per target, held for the window.
    Bump,
    /// Back and forth between two offsets per target, for the window.
    Strobe,
}

impl ClockFault {
    /// The name in the history's `fault` field.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockFault::Bump => "bump",
            ClockFault::Strobe => "strobe",
        }
    }
}

/// A strobe in progress: its task and how to stop it.
struct Strobe {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

/// Skews the wall clocks of nodes chosen per fault.
pub struct ClockNemesis {
    control: Arc<dyn NodeControl>,
    max_offset: Duration,
    selections: Mutex<Rounds<TargetSelection>>,
    faults: Mutex<Rounds<ClockFault>>,
    // Nodes whose clock may be off; heal forgets a node once it is reset.
    skewed: Mutex<BTreeSet<String>>,
    strobe: Mutex<Option<Strobe>>,
}

impl ClockNemesis {
    /// Clock faults on `control`'s nodes with offsets up to `max_offset`
    /// (at least [`MIN_OFFSET`]); `selections` empty means
    /// [`ClockNemesis::default_targets`].
    pub fn new(
        control: Arc<dyn NodeControl>,
        selections: Vec<TargetSelection>,
        max_offset: Duration,
    ) -> Self {
        let selections = if selections.is_empty() {
            Self::default_targets(control.nodes().len())
        } else {
            selections
        };
        ClockNemesis {
            control,
            max_offset: max_offset.max(MIN_OFFSET),
            selections: Mutex::new(Rounds::new(selections)),
            faults: Mutex::new(Rounds::new(vec![ClockFault::Bump, ClockFault::Strobe])),
            skewed: Mutex::new(BTreeSet::new()),
            strobe: Mutex::new(None),
        }
    }

    /// The target rules a clock fault draws from on `n` nodes: every rule
    /// (a step of every clock at once moves the cluster against real time,
    /// which is what leases are measured in).
    pub fn default_targets(n: usize) -> Vec<TargetSelection> {
        TargetSelection::distinct_on(&TargetSelection::ALL, n)
    }

    /// Nodes whose clocks this nemesis may have moved and not reset.
    pub fn skewed(&self) -> BTreeSet<String> {
        locked(&self.skewed).clone()
    }

    /// An offset of [`MIN_OFFSET`] to `max_offset`, ahead or behind.
    fn draw_offset(&self, rng: &mut ChaCha8Rng) -> i64 {
        let lo = MIN_OFFSET.as_millis() as i64;
        let hi = (self.max_offset.as_millis() as i64).max(lo);
        let magnitude = rng.random_range(lo..=hi);
        if rng.random_bool(0.5) {
            magnitude
        } else {
            -magnitude
        }
    }

    /// Sets each node's offset of `offsets` (the node noted as skewed
    /// first, so a half-done step is reset too); the nodes done, and the
    /// first error.
    async fn step(&self, offsets: &BTreeMap<String, i64>) -> (Vec<String>, Option<NemesisError>) {
        let mut done = Vec::new();
        for (node, offset) in offsets {
            locked(&self.skewed).insert(node.clone());
            match self.control.set_clock_offset(node, *offset).await {
                Ok(()) => done.push(node.clone()),
                Err(e) => {
                    if e.had_no_effect() {
                        locked(&self.skewed).remove(node);
                    }
                    return (done, Some(e));
                }
            }
        }
        (done, None)
    }

    /// Starts flipping each node between its two offsets; the task runs
    /// until the heal stops it (or [`STROBE_MAX_FLIPS`]).
    fn start_strobe(&self, flips: BTreeMap<String, [i64; 2]>) -> Result<(), NemesisError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| NemesisError::NoRuntime)?;
        let stop = CancellationToken::new();
        let control = self.control.clone();
        let token = stop.clone();
        let task = runtime.spawn(async move {
            for flip in 0..STROBE_MAX_FLIPS {
                tokio::select! {
                    () = token.cancelled() => return,
                    () = tokio::time::sleep(STROBE_PERIOD) => {}
                }
                let side = usize::from(flip % 2 == 0);
                for (node, offsets) in &flips {
                    if token.is_cancelled() {
                        return;
                    }
                    // A missed flip only makes the strobe slower; the heal
                    // resets every node it touched either way.
                    if let Err(e) = control.set_clock_offset(node, offsets[side]).await {
                        tracing::debug!("clock strobe on {node}: {e}");
                    }
                }
            }
        });
        // Faults of one kind never overlap, so there is no earlier strobe;
        // were there one, it must not flip on unseen until its flip limit.
        if let Some(earlier) = locked(&self.strobe).replace(Strobe { stop, task }) {
            earlier.stop.cancel();
        }
        Ok(())
    }

    /// Stops a strobe in progress and waits until its last flip is done,
    /// so the reset that follows is the final word on every clock.
    async fn stop_strobe(&self) {
        let strobe = locked(&self.strobe).take();
        if let Some(Strobe { stop, task }) = strobe {
            stop.cancel();
            // A flip is one bounded call per node; the task ends soon after.
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Nemesis for ClockNemesis {
    fn name(&self) -> &str {
        "clock"
    }

    fn kind(&self) -> Option<NemesisKind> {
        Some(NemesisKind::Clock)
    }

    fn invoke<'a>(
        &'a self,
        rng: &'a mut ChaCha8Rng,
        sink: &'a dyn EventSink,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let fault = locked(&self.faults).next(rng).unwrap_or(ClockFault::Bump);
            let selection = locked(&self.selections)
                .next(rng)
                .unwrap_or(TargetSelection::One);
            let leader = if selection == TargetSelection::Leader {
                self.control.leader().await
            } else {
                None
            };
            let nodes = self.control.nodes();
            let targets = select_targets(selection, &nodes, leader.as_deref(), rng);
            let pairs: BTreeMap<String, [i64; 2]> = targets
                .iter()
                .map(|n| (n.clone(), [self.draw_offset(rng), self.draw_offset(rng)]))
                .collect();
            let first: BTreeMap<String, i64> =
                pairs.iter().map(|(n, o)| (n.clone(), o[0])).collect();
            let (done, failure) = self.step(&first).await;
            if done.is_empty() {
                return failure.map_or(Ok(()), Err);
            }
            let offsets: Value = match fault {
                ClockFault::Bump => json!(first),
                ClockFault::Strobe => json!(pairs),
            };
            let mut value = json!({
                "fault": fault.as_str(),
                "nodes": done,
                "target": selection.as_str(),
                "offsets_ms": offsets,
            });
            if let Some(obj) = value.as_object_mut() {
                if fault == ClockFault::Strobe {
                    obj.insert("period_ms".into(), json!(STROBE_PERIOD.as_millis() as u64));
                }
                let leader_known = leader.as_ref().is_some_and(|l| nodes.contains(l));
                if selection == TargetSelection::Leader && !leader_known {
                    obj.insert("leader".into(), Value::Null);
                    obj.insert("fallback".into(), json!("random"));
                }
            }
            sink.record(NemesisKind::Clock.start_event(), value);
            if let Some(e) = failure {
                return Err(e);
            }
            if fault == ClockFault::Strobe {
                self.start_strobe(pairs)?;
            }
            Ok(())
        })
    }

    fn heal<'a>(&'a self, sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            self.stop_strobe().await;
            let nodes = self.skewed();
            if nodes.is_empty() {
                return Ok(());
            }
            let mut reset = Vec::new();
            let mut failure = None;
            // Every node even if one fails, so one bad node leaves no other skewed.
            for node in &nodes {
                match self.control.set_clock_offset(node, 0).await {
                    Ok(()) => {
                        locked(&self.skewed).remove(node);
                        reset.push(node.clone());
                    }
                    Err(e) => {
                        failure.get_or_insert(e);
                    }
                }
            }
            if !reset.is_empty() {
                sink.record(
                    NemesisKind::Clock.stop_event(),
                    json!({"nodes": reset, "offset_ms": 0}),
                );
            }
            failure.map_or(Ok(()), Err)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::MemorySink;
    use rand::SeedableRng;

    /// Nodes that remember every offset set on them.
    struct Clocks {
        set: Mutex<Vec<(String, i64)>>,
    }

    impl NodeControl for Clocks {
        fn nodes(&self) -> Vec<String> {
            vec!["n1".into(), "n2".into(), "n3".into()]
        }
        fn kill<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
            Box::pin(async { Ok(()) })
        }
        fn start<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
            Box::pin(async { Ok(()) })
        }
        fn pid(&self, _: &str) -> Option<u32> {
            None
        }
        fn leader(&self) -> BoxFuture<'_, Option<String>> {
            Box::pin(async { Some("n2".to_string()) })
        }
        fn set_clock_offset<'a>(
            &'a self,
            node: &'a str,
            offset_ms: i64,
        ) -> BoxFuture<'a, Result<(), NemesisError>> {
            Box::pin(async move {
                locked(&self.set).push((node.to_string(), offset_ms));
                Ok(())
            })
        }
    }

    /// Whether a strobe's two offsets lie on opposite sides of the true time.
    fn sides(offsets: &[i64; 2]) -> bool {
        offsets[0].signum() != offsets[1].signum()
    }

    fn last_offsets(clocks: &Clocks) -> BTreeMap<String, i64> {
        locked(&clocks.set).iter().cloned().collect()
    }

    #[tokio::test]
    async fn bumps_and_strobes_are_reset_on_heal() {
        let clocks = Arc::new(Clocks {
            set: Mutex::new(Vec::new()),
        });
        let nemesis = ClockNemesis::new(clocks.clone(), Vec::new(), DEFAULT_MAX_OFFSET);
        let sink = MemorySink::new();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut faults = BTreeSet::new();
        for _ in 0..4 {
            nemesis.invoke(&mut rng, &sink).await.unwrap();
            // Give a strobe time for a few flips (bounded: 20 periods).
            for _ in 0..20 {
                if locked(&clocks.set).len() > 6 {
                    break;
                }
                tokio::time::sleep(STROBE_PERIOD).await;
            }
            assert!(!nemesis.skewed().is_empty());
            nemesis.heal(&sink).await.unwrap();
            assert!(nemesis.skewed().is_empty());
            assert!(last_offsets(&clocks).values().all(|o| *o == 0));
            locked(&clocks.set).clear();
        }
        for (f, v) in sink.events() {
            if f == "start-clock" {
                faults.insert(v["fault"].as_str().unwrap_or("").to_string());
                let offsets = v["offsets_ms"].as_object().unwrap();
                for o in offsets.values() {
                    let drawn: Vec<i64> = match o.as_array() {
                        Some(pair) => pair.iter().filter_map(Value::as_i64).collect(),
                        None => o.as_i64().into_iter().collect(),
                    };
                    assert!(drawn.iter().all(|d| { (100..=5_000).contains(&d.abs()) }));
                }
            } else {
                assert_eq!(f, "stop-clock");
            }
        }
        assert_eq!(
            faults.into_iter().collect::<Vec<_>>(),
            ["bump", "strobe"],
            "two faults of each kind in rounds"
        );
    }

    #[test]
    fn offsets_are_drawn_both_ways() {
        let clocks = Arc::new(Clocks {
            set: Mutex::new(Vec::new()),
        });
        let nemesis = ClockNemesis::new(clocks, Vec::new(), Duration::from_millis(300));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let pairs: Vec<[i64; 2]> = (0..50)
            .map(|_| [nemesis.draw_offset(&mut rng), nemesis.draw_offset(&mut rng)])
            .collect();
        assert!(pairs.iter().any(sides) && pairs.iter().any(|p| !sides(p)));
        assert!(
            pairs
                .iter()
                .flatten()
                .all(|o| (100..=300).contains(&o.abs()))
        );
    }
}
