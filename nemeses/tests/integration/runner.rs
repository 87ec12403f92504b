//! The schedule runner: events in order, same seed same faults, and a heal always.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::{NamesOnly, ProcessControl, eventually_pings};
use faultline_nemeses::{
    EventSink, MemorySink, Nemesis, NemesisKinds, PartitionNemesis, ProcessNemesis, ProxyMesh,
    Schedule, TopologyKind, build_nemesis, heal_all, run_schedule,
};
use tokio_util::sync::CancellationToken;

const BOUND: Duration = Duration::from_secs(10);

fn names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("n{i}")).collect()
}

#[tokio::test]
async fn runner_alternates_start_and_stop_and_ends_healed() {
    let control = ProcessControl::start(3);
    let mesh = Arc::new(ProxyMesh::start(&control.targets()).unwrap());
    let nemesis: Arc<dyn Nemesis> = Arc::new(PartitionNemesis::new(
        mesh.clone(),
        Arc::new(NamesOnly(names(3))),
        vec![TopologyKind::Halves],
    ));
    let sink = Arc::new(MemorySink::new());
    let schedule = Schedule::interval(Duration::from_millis(30), 1).with_max_faults(3);
    let summary = run_schedule(nemesis, schedule, sink.clone(), CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(summary.faults, 3);
    assert!(!summary.cancelled);
    assert_eq!(
        sink.fs(),
        [
            "start-partition",
            "stop-partition",
            "start-partition",
            "stop-partition",
            "start-partition",
            "stop-partition"
        ]
    );
    assert_eq!(
        sink.events()[0].1["groups"],
        serde_json::json!([["n1", "n2"], ["n3"]])
    );
    assert!(mesh.is_healthy());
}

#[tokio::test]
async fn cancelling_mid_fault_still_heals() {
    let control = Arc::new(ProcessControl::start(3));
    let nemesis: Arc<dyn Nemesis> = Arc::new(ProcessNemesis::kill(control.clone(), Vec::new()));
    let sink = Arc::new(MemorySink::new());
    let cancel = CancellationToken::new();
    // A fault that would last a minute; the test cancels it as soon as it starts.
    let schedule = Schedule::interval(Duration::from_secs(60), 5);
    let schedule = Schedule {
        timing: faultline_nemeses::Timing::Interval {
            faulty: Duration::from_secs(60),
            healthy: Duration::from_millis(10),
        },
        ..schedule
    };
    let run = tokio::spawn(run_schedule(
        nemesis,
        schedule,
        sink.clone(),
        cancel.clone(),
    ));
    let start = tokio::time::Instant::now();
    while !sink.fs().contains(&"kill".to_string()) && start.elapsed() < BOUND {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(sink.fs(), ["kill"]);
    cancel.cancel();
    let summary = tokio::time::timeout(BOUND, run)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(summary.cancelled);
    assert_eq!(sink.fs(), ["kill", "start"]);
    for node in names(3) {
        assert!(control.running(&node));
        assert!(
            eventually_pings(control.addr(&node), BOUND).await,
            "{node} not back"
        );
    }
}

#[tokio::test]
async fn heal_all_from_sync_code_resumes_paused_nodes() {
    let control = Arc::new(ProcessControl::start(3));
    let nemesis = ProcessNemesis::pause(control.clone(), Vec::new());
    let sink = MemorySink::new();
    let mut rng = Schedule::interval(Duration::ZERO, 8).fault_rng();
    nemesis.invoke(&mut rng, &sink).await.unwrap();
    let paused = nemesis.affected();
    assert!(!paused.is_empty());
    // As a Ctrl-C handler would, from a plain thread.
    let healed = std::thread::scope(|s| s.spawn(|| heal_all(&nemesis, &sink)).join().unwrap());
    healed.unwrap();
    assert!(nemesis.affected().is_empty());
    for node in &paused {
        assert!(eventually_pings(control.addr(node), BOUND).await);
    }
    assert_eq!(sink.fs(), ["pause", "resume"]);
}

async fn fault_sequence(seed: u64) -> Vec<(String, serde_json::Value)> {
    let control = ProcessControl::start(5);
    let mesh = Arc::new(ProxyMesh::start(&control.targets()).unwrap());
    let kinds: NemesisKinds = "partition,latency".parse().unwrap();
    let built = build_nemesis(
        &kinds,
        Duration::from_millis(1),
        seed,
        Arc::new(NamesOnly(names(5))),
        Some(mesh.clone()),
    )
    .unwrap();
    let sink = Arc::new(MemorySink::new());
    let schedule = built.schedule.with_max_faults(8);
    run_schedule(
        built.nemesis.unwrap(),
        schedule,
        sink.clone(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(mesh.is_healthy());
    sink.events()
}

#[tokio::test]
async fn same_seed_gives_the_same_faults() {
    let a = fault_sequence(77).await;
    let b = fault_sequence(77).await;
    let c = fault_sequence(78).await;
    // Eight faults at most (combinations count two); each fault and heal.
    assert!(a.len() >= 10 && a.len() % 2 == 0, "{a:?}");
    assert_eq!(a, b);
    assert_ne!(a, c);
}

struct FailingNemesis(MemorySink);

impl Nemesis for FailingNemesis {
    fn name(&self) -> &str {
        "failing"
    }
    fn invoke<'a>(
        &'a self,
        _rng: &'a mut rand_chacha::ChaCha8Rng,
        _sink: &'a dyn EventSink,
    ) -> faultline_nemeses::BoxFuture<'a, Result<(), faultline_nemeses::NemesisError>> {
        Box::pin(async { Err(faultline_nemeses::NemesisError::BadCommand("boom".into())) })
    }
    fn heal<'a>(
        &'a self,
        _sink: &'a dyn EventSink,
    ) -> faultline_nemeses::BoxFuture<'a, Result<(), faultline_nemeses::NemesisError>> {
        Box::pin(async move {
            self.0.record("healed", serde_json::Value::Null);
            Ok(())
        })
    }
}

#[tokio::test]
async fn a_failing_fault_is_reported_after_the_final_heal() {
    let nemesis = Arc::new(FailingNemesis(MemorySink::new()));
    let sink = Arc::new(MemorySink::new());
    let schedule = Schedule::interval(Duration::from_millis(1), 0).with_max_faults(5);
    let err = run_schedule(
        nemesis.clone(),
        schedule,
        sink.clone(),
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("boom"));
    assert_eq!(nemesis.0.fs(), ["healed"]);
    assert_eq!(sink.fs(), ["nemesis-error"]);
}

#[tokio::test]
async fn builder_composes_what_was_asked_and_needs_a_mesh_for_network_faults() {
    let control = Arc::new(NamesOnly(names(3)));
    let interval = Duration::from_secs(10);
    let none = build_nemesis(&"none".parse().unwrap(), interval, 1, control.clone(), None).unwrap();
    assert!(none.nemesis.is_none());

    assert!(
        build_nemesis(
            &"kill".parse().unwrap(),
            Duration::ZERO,
            1,
            control.clone(),
            None
        )
        .is_err()
    );
    let kill = build_nemesis(&"kill".parse().unwrap(), interval, 1, control.clone(), None).unwrap();
    assert_eq!(kill.nemesis.unwrap().name(), "kill");
    assert_eq!(
        kill.schedule.windows().next().unwrap(),
        faultline_nemeses::Window::single(interval, interval)
    );

    let err = build_nemesis(
        &"partition".parse().unwrap(),
        interval,
        1,
        control.clone(),
        None,
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("proxy mesh"), "{err}");

    let servers = ProcessControl::start(3);
    let mesh = Arc::new(ProxyMesh::start(&servers.targets()).unwrap());
    let all = build_nemesis(&"all".parse().unwrap(), interval, 1, control, Some(mesh)).unwrap();
    assert_eq!(all.nemesis.unwrap().name(), "kill,pause,partition,latency");
}

#[tokio::test]
async fn halves_partition_blocks_cross_links_during_the_fault_only() {
    let control = ProcessControl::start(3);
    let mesh = Arc::new(ProxyMesh::start(&control.targets()).unwrap());
    let nemesis: Arc<dyn Nemesis> = Arc::new(PartitionNemesis::new(
        mesh.clone(),
        Arc::new(NamesOnly(names(3))),
        vec![TopologyKind::Halves],
    ));
    let sink = Arc::new(MemorySink::new());
    let cancel = CancellationToken::new();
    let schedule = Schedule {
        timing: faultline_nemeses::Timing::Interval {
            faulty: Duration::from_secs(60),
            healthy: Duration::from_millis(10),
        },
        ..Schedule::interval(Duration::ZERO, 2)
    };
    let run = tokio::spawn(run_schedule(
        nemesis,
        schedule,
        sink.clone(),
        cancel.clone(),
    ));
    let start = tokio::time::Instant::now();
    while sink.fs().is_empty() && start.elapsed() < BOUND {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(sink.fs(), ["start-partition"]);
    let link = |a: &str, b: &str| mesh.link_addr(a, b).unwrap();
    // [n1, n2] | [n3]
    assert!(eventually_pings(link("n1", "n2"), BOUND).await);
    assert!(eventually_pings(link("n2", "n1"), BOUND).await);
    for (a, b) in [("n1", "n3"), ("n3", "n1"), ("n2", "n3"), ("n3", "n2")] {
        assert!(
            !common::ping(link(a, b), Duration::from_millis(300)).await,
            "{a}->{b} open"
        );
    }
    cancel.cancel();
    tokio::time::timeout(BOUND, run)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(sink.fs(), ["start-partition", "stop-partition"]);
    assert!(eventually_pings(link("n3", "n1"), BOUND).await);
}
