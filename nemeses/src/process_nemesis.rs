//! Process faults through `NodeControl`: kill -9 / restart and pause / resume.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::control::{BoxFuture, NodeControl};
use crate::error::NemesisError;
use crate::kind::NemesisKind;
use crate::nemesis::Nemesis;
use crate::rounds::Rounds;
use crate::sink::EventSink;
use crate::targets::{TargetSelection, select_targets};

/// Which process fault a [`ProcessNemesis`] injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessFault {
    /// Kill hard; heal restarts. Records `kill` / `start`.
    Kill,
    /// SIGSTOP; heal sends SIGCONT. Records `pause` / `resume`.
    Pause,
}

impl ProcessFault {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            ProcessFault::Kill => (
                NemesisKind::Kill.start_event(),
                NemesisKind::Kill.stop_event(),
            ),
            ProcessFault::Pause => (
                NemesisKind::Pause.start_event(),
                NemesisKind::Pause.stop_event(),
            ),
        }
    }
}

impl ProcessFault {
    /// The kind of fault, as `--nemesis` names it.
    pub fn kind(self) -> NemesisKind {
        match self {
            ProcessFault::Kill => NemesisKind::Kill,
            ProcessFault::Pause => NemesisKind::Pause,
        }
    }

    /// The target rules a fault draws from by default on `n` nodes:
    /// [`TargetSelection::KILL_DEFAULT`] or [`TargetSelection::PAUSE_DEFAULT`]
    /// without the rules that repeat another's size there.
    pub fn default_targets(self, n: usize) -> Vec<TargetSelection> {
        let rules: &[TargetSelection] = match self {
            ProcessFault::Kill => &TargetSelection::KILL_DEFAULT,
            ProcessFault::Pause => &TargetSelection::PAUSE_DEFAULT,
        };
        TargetSelection::distinct_on(rules, n)
    }
}

/// Kills or pauses nodes chosen by a [`TargetSelection`] drawn per fault,
/// in rounds: every `k` faults of `k` rules use each rule once, in a seeded
/// order, so the leader, a majority and every node all get their turn.
pub struct ProcessNemesis {
    fault: ProcessFault,
    control: Arc<dyn NodeControl>,
    selections: Mutex<Rounds<TargetSelection>>,
    // Nodes currently down/frozen; heal removes a node only once it is back.
    affected: Mutex<BTreeSet<String>>,
}

impl ProcessNemesis {
    /// Kill -9 with restart on heal; `selections` empty means
    /// [`ProcessFault::default_targets`] for the control's nodes.
    pub fn kill(control: Arc<dyn NodeControl>, selections: Vec<TargetSelection>) -> Self {
        Self::new(ProcessFault::Kill, control, selections)
    }

    /// SIGSTOP with SIGCONT on heal; `selections` empty means
    /// [`ProcessFault::default_targets`] for the control's nodes.
    pub fn pause(control: Arc<dyn NodeControl>, selections: Vec<TargetSelection>) -> Self {
        Self::new(ProcessFault::Pause, control, selections)
    }

    /// A process nemesis of the given fault.
    pub fn new(
        fault: ProcessFault,
        control: Arc<dyn NodeControl>,
        selections: Vec<TargetSelection>,
    ) -> Self {
        let selections = if selections.is_empty() {
            fault.default_targets(control.nodes().len())
        } else {
            selections
        };
        ProcessNemesis {
            fault,
            control,
            selections: Mutex::new(Rounds::new(selections)),
            affected: Mutex::new(BTreeSet::new()),
        }
    }

    /// The target rules one round holds.
    pub fn targets(&self) -> Vec<TargetSelection> {
        self.selections
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .choices()
            .to_vec()
    }

    /// Nodes currently killed or paused by this nemesis.
    pub fn affected(&self) -> BTreeSet<String> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.affected
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Nemesis for ProcessNemesis {
    fn name(&self) -> &str {
        self.fault.names().0
    }

    fn kind(&self) -> Option<NemesisKind> {
        Some(self.fault.kind())
    }

    fn invoke<'a>(
        &'a self,
        rng: &'a mut ChaCha8Rng,
        sink: &'a dyn EventSink,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let selection = self
                .selections
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .next(rng)
                .unwrap_or(TargetSelection::One);
            let leader = if selection == TargetSelection::Leader {
                self.control.leader().await
            } else {
                None
            };
            let nodes = self.control.nodes();
            let already = self.affected();
            let candidates: Vec<String> =
                nodes.into_iter().filter(|n| !already.contains(n)).collect();
            let targets = select_targets(selection, &candidates, leader.as_deref(), rng);
            let (fault_f, _) = self.fault.names();
            let mut done = Vec::new();
            let mut failure = None;
            for node in &targets {
                // Recorded as affected first, so a fault that half-happened still gets healed.
                self.lock().insert(node.clone());
                let result = match self.fault {
                    ProcessFault::Kill => self.control.kill(node).await,
                    ProcessFault::Pause => self.control.pause(node).await,
                };
                match result {
                    Ok(()) => done.push(node.clone()),
                    Err(e) => {
                        // A fault that definitely did nothing must not be
                        // "healed": that would start a node nobody killed.
                        if e.had_no_effect() {
                            self.lock().remove(node);
                        }
                        failure = Some(e);
                        break;
                    }
                }
            }
            if !done.is_empty() {
                let mut value = json!({"nodes": done, "target": selection.as_str()});
                // Leaderless systems (or an election in progress): the victim
                // was drawn at random, and the history says so.
                let leader_known = leader.as_ref().is_some_and(|l| candidates.contains(l));
                if selection == TargetSelection::Leader
                    && !leader_known
                    && let Some(obj) = value.as_object_mut()
                {
                    obj.insert("leader".into(), Value::Null);
                    obj.insert("fallback".into(), json!("random"));
                }
                sink.record(fault_f, value);
            }
            failure.map_or(Ok(()), Err)
        })
    }

    fn heal<'a>(&'a self, sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let nodes = self.affected();
            if nodes.is_empty() {
                return Ok(());
            }
            let (_, heal_f) = self.fault.names();
            let mut healed = Vec::new();
            let mut failure = None;
            // Try every node even if one fails, so one bad node leaves no others down.
            for node in &nodes {
                let result = match self.fault {
                    ProcessFault::Kill => self.control.start(node).await,
                    ProcessFault::Pause => self.control.resume(node).await,
                };
                match result {
                    Ok(()) => {
                        self.lock().remove(node);
                        healed.push(node.clone());
                    }
                    Err(e) => {
                        failure.get_or_insert(e);
                    }
                }
            }
            if !healed.is_empty() {
                sink.record(heal_f, json!({"nodes": healed}));
            }
            failure.map_or(Ok(()), Err)
        })
    }
}
