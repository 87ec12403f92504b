//! Properties of the default schedule over many seeds, on a fake cluster
//! (no processes, no sockets: the runner awaits each step in order, so what
//! happens does not depend on how fast the machine is): every target rule
//! and topology of every kind happens within the faults a default-length
//! run holds, combinations pair a process fault with a network fault, and
//! every window, combined or not, ends with everything healed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use faultline_nemeses::{
    BoxFuture, Link, MemorySink, NemesisError, NemesisKind, NemesisKinds, NodeControl,
    PartitionBackend, ProxyMesh, build_nemesis_with, planned_targets, run_schedule,
};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// Nodes that only change state, refusing what a real node could not do.
struct FakeCluster {
    nodes: Vec<String>,
    leader: Option<String>,
    down: Mutex<BTreeSet<String>>,
    paused: Mutex<BTreeSet<String>>,
}

impl FakeCluster {
    fn new(n: usize, leader: Option<&str>) -> Self {
        FakeCluster {
            nodes: (1..=n).map(|i| format!("n{i}")).collect(),
            leader: leader.map(str::to_string),
            down: Mutex::default(),
            paused: Mutex::default(),
        }
    }

    fn refuse(op: &'static str, node: &str, why: &str) -> NemesisError {
        NemesisError::Control {
            op,
            node: node.to_string(),
            message: why.to_string(),
        }
    }

    fn healthy(&self) -> bool {
        self.down.lock().unwrap().is_empty() && self.paused.lock().unwrap().is_empty()
    }
}

impl NodeControl for FakeCluster {
    fn nodes(&self) -> Vec<String> {
        self.nodes.clone()
    }
    fn kill<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            if !self.down.lock().unwrap().insert(node.to_string()) {
                return Err(Self::refuse("kill", node, "already down"));
            }
            Ok(())
        })
    }
    fn start<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            if !self.down.lock().unwrap().remove(node) {
                return Err(Self::refuse("start", node, "not down"));
            }
            Ok(())
        })
    }
    fn pause<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            if self.down.lock().unwrap().contains(node) {
                return Err(Self::refuse("pause", node, "not running"));
            }
            if !self.paused.lock().unwrap().insert(node.to_string()) {
                return Err(Self::refuse("pause", node, "already paused"));
            }
            Ok(())
        })
    }
    fn resume<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            if !self.paused.lock().unwrap().remove(node) {
                return Err(Self::refuse("resume", node, "not paused"));
            }
            Ok(())
        })
    }
    fn pid(&self, _node: &str) -> Option<u32> {
        None
    }
    fn leader(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async move { self.leader.clone() })
    }
}

/// A partition backend that only remembers what is cut.
#[derive(Default)]
struct FakeNetwork {
    cut: Mutex<BTreeSet<Link>>,
}

impl PartitionBackend for FakeNetwork {
    fn name(&self) -> &'static str {
        "fake"
    }
    fn cut<'a>(&'a self, cuts: &'a BTreeSet<Link>) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            self.cut.lock().unwrap().extend(cuts.iter().cloned());
            Ok(())
        })
    }
    fn heal(&self) -> BoxFuture<'_, Result<(), NemesisError>> {
        Box::pin(async move {
            self.cut.lock().unwrap().clear();
            Ok(())
        })
    }
}

/// What a run of the default schedule did.
struct Run {
    events: Vec<(String, Value)>,
    cluster: Arc<FakeCluster>,
    network: Arc<FakeNetwork>,
}

impl Run {
    /// `kill all`, `partition bridge`, ... for every fault that started.
    fn targets(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|(f, v)| {
                let kind = NemesisKind::started_by(f)?;
                let target = v.get("target").or_else(|| v.get("kind"));
                Some(match target.and_then(Value::as_str) {
                    Some(t) => format!("{kind} {t}"),
                    None => kind.to_string(),
                })
            })
            .collect()
    }

    /// Each fault that started while another was in effect, with that one's kind.
    fn combinations(&self) -> Vec<(NemesisKind, NemesisKind)> {
        let mut active: Vec<NemesisKind> = Vec::new();
        let mut pairs = Vec::new();
        for (f, _) in &self.events {
            if let Some(kind) = NemesisKind::started_by(f) {
                assert!(
                    active.len() <= 1,
                    "a third fault started: {:?}",
                    self.events
                );
                if let Some(first) = active.first() {
                    pairs.push((*first, kind));
                }
                active.push(kind);
            } else if let Some(kind) = NemesisKind::stopped_by(f) {
                let before = active.len();
                active.retain(|k| *k != kind);
                assert_eq!(before, active.len() + 1, "{f} healed nothing");
            }
        }
        assert!(active.is_empty(), "the run ended with {active:?} in effect");
        pairs
    }
}

/// A default-length run (20 s, faults every 1 s) of the default schedule
/// of `kinds` on `n` nodes, cancelled at 20 s as the run's main phase is.
/// The tests run on paused time: the windows take no real time, and what
/// happens does not depend on how fast the machine is.
async fn default_run(kinds: &str, n: usize, seed: u64, leader: Option<&str>) -> Run {
    let kinds: NemesisKinds = kinds.parse().unwrap();
    let interval = Duration::from_secs(1);
    let cluster = Arc::new(FakeCluster::new(n, leader));
    let network = Arc::new(FakeNetwork::default());
    // Latency acts on a proxy mesh; one over unused addresses is enough.
    let mesh = kinds.contains(NemesisKind::Latency).then(|| {
        let targets: Vec<(String, std::net::SocketAddr)> = cluster
            .nodes
            .iter()
            .map(|n| (n.clone(), "127.0.0.1:9".parse().unwrap()))
            .collect();
        Arc::new(ProxyMesh::start(&targets).unwrap())
    });
    let built = build_nemesis_with(
        &kinds,
        interval,
        seed,
        cluster.clone(),
        Some(network.clone()),
        mesh,
    )
    .unwrap();
    let sink = Arc::new(MemorySink::new());
    let cancel = CancellationToken::new();
    let run = tokio::spawn(run_schedule(
        built.nemesis.unwrap(),
        built.schedule,
        sink.clone(),
        cancel.clone(),
    ));
    tokio::time::sleep(Duration::from_secs(20)).await;
    cancel.cancel();
    run.await.unwrap().unwrap();
    Run {
        events: sink.events(),
        cluster,
        network,
    }
}

fn labels(kinds: &str, n: usize) -> BTreeSet<String> {
    planned_targets(&kinds.parse().unwrap(), n)
        .into_iter()
        .map(|(kind, target)| match target {
            Some(t) => format!("{kind} {t}"),
            None => kind.to_string(),
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_default_length_run_hits_every_target_of_every_kind_on_three_nodes() {
    let planned = labels("partition,kill,pause", 3);
    assert_eq!(
        planned,
        [
            "kill all",
            "kill leader",
            "kill majority",
            "kill one",
            "partition bridge",
            "partition isolate-leader",
            "partition isolate-one",
            "pause leader",
            "pause majority",
            "pause one",
        ]
        .map(String::from)
        .into_iter()
        .collect()
    );
    let mut orders = BTreeSet::new();
    for seed in 0..300 {
        let run = default_run("partition,kill,pause", 3, seed, Some("n2")).await;
        let targets = run.targets();
        // Nine windows; four combinations, each with a second fault when a
        // kind that pairs is left in the round (at least three do).
        assert!(
            (12..=13).contains(&targets.len()),
            "seed {seed}: {targets:?}"
        );
        let seen: BTreeSet<String> = targets.iter().cloned().collect();
        assert_eq!(seen, planned, "seed {seed}: {targets:?}");
        // Each kind's first faults are one round of its targets.
        for kind in ["kill", "pause", "partition"] {
            let of_kind: Vec<&String> = targets
                .iter()
                .filter(|t| t.starts_with(&format!("{kind} ")))
                .collect();
            let round = planned.iter().filter(|p| p.starts_with(kind)).count();
            let first: BTreeSet<&String> = of_kind[..round].iter().copied().collect();
            assert_eq!(first.len(), round, "seed {seed}: {kind} {of_kind:?}");
        }
        orders.insert(targets);
        assert!(run.cluster.healthy() && run.network.cut.lock().unwrap().is_empty());
    }
    assert!(orders.len() > 250, "seeds hardly change the order");
}

#[tokio::test(start_paused = true)]
async fn every_other_window_combines_a_process_fault_with_a_partition_and_heals_both() {
    let mut seen = BTreeSet::new();
    for seed in 0..300 {
        let run = default_run("partition,kill,pause", 3, seed, Some("n2")).await;
        let pairs = run.combinations();
        // Windows 2, 4, 6 and 8 of 9 are combinations; a second fault
        // starts in those whose round still holds a kind that pairs.
        assert!((3..=4).contains(&pairs.len()), "seed {seed}: {pairs:?}");
        for (first, second) in &pairs {
            assert!(
                first.pairs_with(*second),
                "seed {seed}: {first} then {second}"
            );
            seen.insert((*first, *second));
        }
        assert!(run.cluster.healthy() && run.network.cut.lock().unwrap().is_empty());
    }
    use NemesisKind::*;
    let want: BTreeSet<_> = [
        (Partition, Kill),
        (Kill, Partition),
        (Partition, Pause),
        (Pause, Partition),
    ]
    .into_iter()
    .collect();
    assert_eq!(seen, want);
}

#[tokio::test(start_paused = true)]
async fn five_nodes_get_minorities_majorities_and_every_topology() {
    let planned = labels("all", 5);
    for want in [
        "kill minority",
        "kill majority",
        "pause minority",
        "partition majorities-ring",
        "partition random-halves",
        "latency",
    ] {
        assert!(planned.contains(want), "{want} not planned: {planned:?}");
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for seed in 0..100 {
        let run = default_run("all", 5, seed, Some("n4")).await;
        for t in run.targets() {
            *counts.entry(t).or_default() += 1;
        }
        run.combinations();
        assert!(run.cluster.healthy() && run.network.cut.lock().unwrap().is_empty());
    }
    let seen: BTreeSet<String> = counts.keys().cloned().collect();
    assert_eq!(seen, planned, "{counts:?}");
}

#[tokio::test(start_paused = true)]
async fn without_a_known_leader_leader_faults_fall_back_visibly() {
    let run = default_run("partition,kill,pause", 3, 7, None).await;
    let leader_faults: Vec<&Value> = run
        .events
        .iter()
        .filter(|(f, v)| {
            NemesisKind::started_by(f).is_some()
                && (v["target"] == "leader" || v["kind"] == "isolate-leader")
        })
        .map(|(_, v)| v)
        .collect();
    // One round of each kind's targets holds one leader fault.
    assert!(leader_faults.len() >= 3, "{:?}", run.events);
    for v in leader_faults {
        assert_eq!(v["leader"], Value::Null, "{v}");
        if v.get("target").is_some() {
            assert_eq!(v["fallback"], "random", "{v}");
        }
    }
}
