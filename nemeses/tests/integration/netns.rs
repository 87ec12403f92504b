//! Netns + nftables partitions, in namespaces this test creates and deletes.
//! Needs root, iproute2 and nftables: skipped with a line saying so
//! elsewhere, a failure where `FAULTLINE_REQUIRE` names `root` (as in CI).

use crate::common;
use crate::requirements;

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::SERVER;
use faultline_nemeses::{Link, NetnsLab, NetnsPartition, PartitionBackend};

/// Kills the server inside the namespace even if an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn ping_from(namespace: &str, target: &str, timeout_ms: u64) -> bool {
    Command::new("ip")
        .args([
            "netns",
            "exec",
            namespace,
            SERVER,
            "ping",
            target,
            &timeout_ms.to_string(),
        ])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn eventually_ping_from(namespace: &str, target: &str) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if ping_from(namespace, target, 1000) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[tokio::test]
async fn nft_cut_blocks_traffic_between_namespaces_and_heal_restores_it() {
    if !requirements::have(
        requirements::Need::Root,
        "nft_cut_blocks_traffic_between_namespaces_and_heal_restores_it",
    ) {
        return;
    }
    let nodes = vec!["n1".to_string(), "n2".to_string()];
    let lab = NetnsLab::create(&nodes).unwrap();
    let n1 = lab.nodes()["n1"].clone();
    let n2 = lab.nodes()["n2"].clone();
    let target = format!("{}:7000", n1.address);
    let _server = Server(
        Command::new("ip")
            .args(["netns", "exec", &n1.namespace, SERVER, "serve", &target])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    assert!(
        eventually_ping_from(&n2.namespace, &target),
        "no traffic before the cut"
    );

    let partition = NetnsPartition::new(lab.nodes().clone()).unwrap();
    let cuts = BTreeSet::from([Link::new("n2", "n1"), Link::new("n1", "n2")]);
    partition.cut(&cuts).await.unwrap();
    assert!(
        !ping_from(&n2.namespace, &target, 1000),
        "traffic crossed the cut"
    );

    partition.heal().await.unwrap();
    assert!(
        eventually_ping_from(&n2.namespace, &target),
        "no traffic after heal"
    );
    // Healing twice is harmless.
    partition.heal().await.unwrap();
}
