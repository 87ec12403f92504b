//! User-command nemesis: argv commands from a TOML config, with substitution.

use std::collections::BTreeSet;
use std::sync::Arc;

use faultline_nemeses::{
    LatencyBackend, Link, MemorySink, Nemesis, NemesisError, NetworkBackends, NodeControl,
    PartitionBackend, PartitionNemesis, ProcessNemesis, TargetSelection, TopologyKind,
    UserCommandConfig, UserCommands, build_nemesis_on,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn config(dir: &std::path::Path) -> UserCommandConfig {
    let d = dir.display();
    let text = format!(
        r#"
nodes = ["n1", "n2", "n3"]
hosts = {{ n1 = "10.0.0.1", n2 = "10.0.0.2" }}
kill = ["touch", "{d}/killed-{{node}}"]
start = ["touch", "{d}/started-{{node}}"]
pause = ["touch", "{d}/paused-{{node}}@{{host}}"]
resume = ["rm", "{d}/paused-{{node}}@{{host}}"]
partition = ["touch", "{d}/cut-{{peer}}-to-{{node}}"]
heal = ["touch", "{d}/healed-{{node}}"]
leader = ["echo", "n3"]
timeout_secs = 10
"#
    );
    toml::from_str(&text).unwrap()
}

fn files(dir: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

#[tokio::test]
async fn kill_and_start_run_with_the_node_substituted() {
    let dir = tempfile::tempdir().unwrap();
    let commands = Arc::new(UserCommands::new(config(dir.path())).unwrap());
    assert_eq!(commands.leader().await.as_deref(), Some("n3"));
    let nemesis = ProcessNemesis::kill(commands.clone(), vec![TargetSelection::Leader]);
    let sink = MemorySink::new();
    nemesis
        .invoke(&mut ChaCha8Rng::seed_from_u64(0), &sink)
        .await
        .unwrap();
    nemesis.heal(&sink).await.unwrap();
    assert_eq!(
        files(dir.path()),
        BTreeSet::from(["killed-n3".into(), "started-n3".into()])
    );
    assert_eq!(sink.fs(), ["kill", "start"]);
}

#[tokio::test]
async fn pause_uses_hosts_and_unknown_hosts_fall_back_to_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let commands = UserCommands::new(config(dir.path())).unwrap();
    commands.pause("n1").await.unwrap();
    commands.pause("n3").await.unwrap();
    assert_eq!(
        files(dir.path()),
        BTreeSet::from(["paused-n1@10.0.0.1".into(), "paused-n3@n3".into()])
    );
    commands.resume("n1").await.unwrap();
    commands.resume("n3").await.unwrap();
    assert!(files(dir.path()).is_empty());
    assert!(matches!(
        commands.pause("n9").await,
        Err(NemesisError::UnknownNode(_))
    ));
}

#[tokio::test]
async fn partition_runs_once_per_cut_link_and_heal_once_per_node() {
    let dir = tempfile::tempdir().unwrap();
    let commands = Arc::new(UserCommands::new(config(dir.path())).unwrap());
    let nemesis = PartitionNemesis::new(
        commands.clone(),
        commands.clone(),
        vec![TopologyKind::Halves],
    );
    let sink = MemorySink::new();
    nemesis
        .invoke(&mut ChaCha8Rng::seed_from_u64(0), &sink)
        .await
        .unwrap();
    nemesis.heal(&sink).await.unwrap();
    let expected: BTreeSet<String> = [
        "cut-n1-to-n3",
        "cut-n2-to-n3",
        "cut-n3-to-n1",
        "cut-n3-to-n2",
        "healed-n1",
        "healed-n2",
        "healed-n3",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(files(dir.path()), expected);
    assert_eq!(sink.events()[0].1["backend"], "user-command");
}

#[tokio::test]
async fn a_failing_command_reports_argv_status_and_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.partition = Some(vec!["ls".into(), "/nonexistent-{node}".into()]);
    let commands = UserCommands::new(cfg).unwrap();
    let err = PartitionBackend::cut(&commands, &BTreeSet::from([Link::new("n1", "n2")]))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("/nonexistent-n2"), "{text}");
    assert!(text.contains("exit status"), "{text}");
    assert!(text.contains("No such file"), "{text}");
}

#[test]
fn bad_configs_are_rejected() {
    let mut cfg = UserCommandConfig {
        nodes: vec!["n1".into()],
        ..Default::default()
    };
    cfg.kill = Some(vec![]);
    assert!(UserCommands::new(cfg.clone()).is_err());
    cfg.kill = Some(vec!["{node}".into()]);
    assert!(UserCommands::new(cfg.clone()).is_err());
    cfg.kill = None;
    cfg.nodes = vec![];
    assert!(UserCommands::new(cfg).is_err());
    assert!(toml::from_str::<UserCommandConfig>("nodes = [\"n1\"]\nkil = [\"x\"]").is_err());
}

#[tokio::test]
async fn missing_command_is_a_clear_error() {
    let commands = UserCommands::new(UserCommandConfig {
        nodes: vec!["n1".into()],
        ..Default::default()
    })
    .unwrap();
    let err = commands.kill("n1").await.unwrap_err();
    assert!(err.to_string().contains("no `kill` command"), "{err}");
}

#[tokio::test]
async fn latency_and_ports_go_through_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let mut cfg = config(dir.path());
    cfg.ports = [("n1", "7001"), ("n2", "7002"), ("n3", "7003")]
        .into_iter()
        .map(|(n, p)| (n.to_string(), p.to_string()))
        .collect();
    cfg.partition = Some(vec![
        "touch".into(),
        format!("{d}/cut-{{peer_port}}-to-{{port}}"),
    ]);
    cfg.latency = Some(vec![
        "touch".into(),
        format!("{d}/slow-{{node}}-{{delay_ms}}-{{jitter_ms}}"),
    ]);
    cfg.latency_heal = Some(vec!["rm".into(), format!("{d}/slow-{{node}}-100-50")]);
    let commands = Arc::new(UserCommands::new(cfg).unwrap());
    assert!(commands.can_partition() && commands.can_slow());
    PartitionBackend::cut(&*commands, &BTreeSet::from([Link::new("n1", "n2")]))
        .await
        .unwrap();
    assert_eq!(
        files(dir.path()),
        BTreeSet::from(["cut-7001-to-7002".into()])
    );
    std::fs::remove_file(dir.path().join("cut-7001-to-7002")).unwrap();

    let built = build_nemesis_on(
        &"latency".parse().unwrap(),
        std::time::Duration::from_secs(1),
        1,
        commands.clone(),
        NetworkBackends {
            partitions: None,
            latency: Some(commands.clone() as Arc<dyn LatencyBackend>),
            loss: None,
        },
    )
    .unwrap();
    let nemesis = built.nemesis.unwrap();
    let sink = MemorySink::new();
    nemesis
        .invoke(&mut ChaCha8Rng::seed_from_u64(0), &sink)
        .await
        .unwrap();
    assert_eq!(
        files(dir.path()),
        ["slow-n1-100-50", "slow-n2-100-50", "slow-n3-100-50"]
            .into_iter()
            .map(String::from)
            .collect()
    );
    assert_eq!(sink.events()[0].1["backend"], "user-command");
    assert_eq!(sink.events()[0].1["delay_ms"], 100);
    nemesis.heal(&sink).await.unwrap();
    assert!(files(dir.path()).is_empty());
    assert_eq!(sink.fs(), ["start-latency", "stop-latency"]);
}
