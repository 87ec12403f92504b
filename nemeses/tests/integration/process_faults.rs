//! Kill/restart and pause/resume against real processes.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::{ProcessControl, eventually_pings, ping};
use faultline_nemeses::{
    MemorySink, Nemesis, NodeControl, PidSignals, ProcessNemesis, Schedule, TargetSelection,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

const BOUND: Duration = Duration::from_secs(10);

#[tokio::test]
async fn kill_removes_the_process_and_start_brings_it_back() {
    let control = ProcessControl::start(1);
    let addr = control.addr("n1");
    assert!(eventually_pings(addr, BOUND).await);
    let pid = control.pid("n1").unwrap();

    control.kill("n1").await.unwrap();
    assert!(!PidSignals::exists(pid), "killed pid {pid} still exists");
    assert!(!ping(addr, Duration::from_millis(500)).await);

    control.start("n1").await.unwrap();
    assert!(
        eventually_pings(addr, BOUND).await,
        "restarted node does not answer"
    );
    assert_ne!(control.pid("n1"), Some(pid));
}

#[tokio::test]
async fn paused_process_does_not_answer_until_resumed() {
    let control = ProcessControl::start(1);
    let addr = control.addr("n1");
    assert!(eventually_pings(addr, BOUND).await);

    control.pause("n1").await.unwrap();
    // The kernel still accepts the connection, but nobody echoes.
    assert!(
        !ping(addr, Duration::from_millis(700)).await,
        "paused process answered"
    );

    control.resume("n1").await.unwrap();
    assert!(
        eventually_pings(addr, BOUND).await,
        "resumed process does not answer"
    );
}

#[tokio::test]
async fn kill_nemesis_kills_the_leader_and_heal_restarts_it() {
    let control = Arc::new(ProcessControl::start(3));
    *control.leader.lock().unwrap() = Some("n2".into());
    let nemesis = ProcessNemesis::kill(control.clone(), vec![TargetSelection::Leader]);
    let sink = MemorySink::new();
    let mut rng = ChaCha8Rng::seed_from_u64(1);

    nemesis.invoke(&mut rng, &sink).await.unwrap();
    assert!(!control.running("n2"));
    assert!(!ping(control.addr("n2"), Duration::from_millis(500)).await);
    assert!(control.running("n1") && control.running("n3"));

    nemesis.heal(&sink).await.unwrap();
    assert!(eventually_pings(control.addr("n2"), BOUND).await);
    assert_eq!(
        sink.events(),
        vec![
            (
                "kill".to_string(),
                json!({"nodes":["n2"],"target":"leader"})
            ),
            ("start".to_string(), json!({"nodes":["n2"]})),
        ]
    );
    // A second heal has nothing to do and records nothing.
    nemesis.heal(&sink).await.unwrap();
    assert_eq!(sink.events().len(), 2);
}

#[tokio::test]
async fn kill_leader_without_a_leader_kills_a_random_node_and_says_so() {
    let control = Arc::new(ProcessControl::start(3));
    let nemesis = ProcessNemesis::kill(control.clone(), vec![TargetSelection::Leader]);
    let sink = MemorySink::new();
    let mut rng = ChaCha8Rng::seed_from_u64(1);

    nemesis.invoke(&mut rng, &sink).await.unwrap();
    let events = sink.events();
    assert_eq!(events.len(), 1);
    let (f, value) = &events[0];
    assert_eq!(f, "kill");
    assert_eq!(value["target"], json!("leader"));
    assert_eq!(value["leader"], serde_json::Value::Null);
    assert_eq!(value["fallback"], json!("random"));
    let victim = value["nodes"][0].as_str().unwrap().to_string();
    assert!(!control.running(&victim));
    nemesis.heal(&sink).await.unwrap();
    assert!(eventually_pings(control.addr(&victim), BOUND).await);
}

#[tokio::test]
async fn pause_nemesis_pauses_a_minority_and_resumes_it() {
    let control = Arc::new(ProcessControl::start(3));
    let nemesis = ProcessNemesis::pause(control.clone(), vec![TargetSelection::Minority]);
    let sink = MemorySink::new();
    let mut rng = ChaCha8Rng::seed_from_u64(Schedule::interval(Duration::ZERO, 3).seed);

    nemesis.invoke(&mut rng, &sink).await.unwrap();
    let paused = nemesis.affected();
    assert_eq!(paused.len(), 1);
    let victim = paused.iter().next().unwrap().clone();
    assert!(!ping(control.addr(&victim), Duration::from_millis(700)).await);

    nemesis.heal(&sink).await.unwrap();
    assert!(nemesis.affected().is_empty());
    assert!(eventually_pings(control.addr(&victim), BOUND).await);
    assert_eq!(sink.fs(), vec!["pause", "resume"]);
}
