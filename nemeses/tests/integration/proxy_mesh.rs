//! The proxy mesh with real TCP: cuts stop all bytes, heal restores, latency adds delay.

use crate::common;

use std::time::{Duration, Instant};

use common::{ProcessControl, eventually_pings, ping};
use faultline_nemeses::{Link, ProxyMesh};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BOUND: Duration = Duration::from_secs(10);

async fn echo_once(stream: &mut TcpStream, timeout: Duration) -> bool {
    let attempt = async {
        stream.write_all(b"hello\n").await.ok()?;
        let mut buf = [0u8; 6];
        stream.read_exact(&mut buf).await.ok()?;
        Some(&buf == b"hello\n")
    };
    matches!(tokio::time::timeout(timeout, attempt).await, Ok(Some(true)))
}

#[tokio::test]
async fn mesh_gives_every_directed_link_its_own_url() {
    let control = ProcessControl::start(3);
    let mesh = ProxyMesh::start(&control.targets()).unwrap();
    assert_eq!(mesh.links().len(), 6);
    let urls = mesh.peer_urls();
    assert_eq!(urls["n1"].len(), 2);
    assert_ne!(mesh.peer_url("n1", "n2"), mesh.peer_url("n3", "n2"));
    assert!(mesh.peer_url("n1", "n1").is_none());
    // n1's route to n2 reaches n2's echo server.
    assert!(eventually_pings(mesh.link_addr("n1", "n2").unwrap(), BOUND).await);
    assert!(mesh.bytes_forwarded("n1", "n2") > 0);
    assert_eq!(mesh.bytes_forwarded("n2", "n1"), 0);
}

#[tokio::test]
async fn cut_stops_open_and_new_connections_and_heal_restores() {
    let control = ProcessControl::start(2);
    let mesh = ProxyMesh::start(&control.targets()).unwrap();
    let link = mesh.link_addr("n1", "n2").unwrap();
    let mut open = TcpStream::connect(link).await.unwrap();
    assert!(echo_once(&mut open, BOUND).await);

    mesh.cut([&Link::new("n1", "n2")]).unwrap();
    assert_eq!(mesh.cut_links().len(), 1);
    // The already-open connection carries nothing any more.
    assert!(!echo_once(&mut open, Duration::from_millis(700)).await);
    let before = mesh.bytes_forwarded("n1", "n2");
    // New connections get nothing either.
    assert!(!ping(link, Duration::from_millis(700)).await);
    assert_eq!(
        mesh.bytes_forwarded("n1", "n2"),
        before,
        "bytes crossed a cut link"
    );
    // The reverse link was not cut.
    assert!(eventually_pings(mesh.link_addr("n2", "n1").unwrap(), BOUND).await);

    mesh.heal_all();
    assert!(mesh.is_healthy());
    assert!(
        eventually_pings(link, BOUND).await,
        "healed link does not carry traffic"
    );
}

#[tokio::test]
async fn latency_raises_round_trip_time() {
    let control = ProcessControl::start(2);
    let mesh = ProxyMesh::start(&control.targets()).unwrap();
    let link = mesh.link_addr("n1", "n2").unwrap();
    let mut stream = TcpStream::connect(link).await.unwrap();
    assert!(echo_once(&mut stream, BOUND).await);

    let delay = Duration::from_millis(150);
    mesh.set_latency([&Link::new("n1", "n2")], delay, Duration::from_millis(20))
        .unwrap();
    let start = Instant::now();
    assert!(echo_once(&mut stream, BOUND).await);
    let rtt = start.elapsed();
    // Delay applies in each direction, so a round trip takes at least twice it.
    assert!(
        rtt >= 2 * delay,
        "round trip {rtt:?} under latency {delay:?}"
    );

    mesh.heal_all();
    assert!(mesh.link_config("n1", "n2").unwrap().is_healthy());
    assert!(echo_once(&mut stream, BOUND).await);
}

#[tokio::test]
async fn full_loss_refuses_every_connection() {
    let control = ProcessControl::start(2);
    let mesh = ProxyMesh::start(&control.targets()).unwrap();
    let link = mesh.link_addr("n1", "n2").unwrap();
    mesh.set_loss([&Link::new("n1", "n2")], 1.0).unwrap();
    for _ in 0..3 {
        assert!(!ping(link, Duration::from_millis(500)).await);
    }
    mesh.heal_all();
    assert!(eventually_pings(link, BOUND).await);
}

#[test]
fn starting_outside_a_runtime_is_a_clear_error() {
    let err = ProxyMesh::start(&[("n1".into(), "127.0.0.1:1".parse().unwrap())]).unwrap_err();
    assert!(err.to_string().contains("tokio runtime"));
}

#[tokio::test]
async fn a_cut_healed_at_once_still_drops_open_connections() {
    let control = ProcessControl::start(2);
    let mesh = ProxyMesh::start(&control.targets()).unwrap();
    let link = mesh.link_addr("n1", "n2").unwrap();
    let mut open = TcpStream::connect(link).await.unwrap();
    assert!(echo_once(&mut open, BOUND).await);
    assert_eq!(mesh.connections_forwarded("n1", "n2"), 1);

    mesh.cut([&Link::new("n1", "n2")]).unwrap();
    mesh.heal_all();
    // Open connections do not survive a cut, however short: a partition resets TCP state.
    assert!(!echo_once(&mut open, Duration::from_millis(700)).await);
    let mut fresh = TcpStream::connect(link).await.unwrap();
    assert!(echo_once(&mut fresh, BOUND).await);
}

#[tokio::test]
async fn jitter_never_reorders_bytes() {
    let control = ProcessControl::start(2);
    let mesh = ProxyMesh::start(&control.targets()).unwrap();
    mesh.set_latency(
        [&Link::new("n1", "n2")],
        Duration::from_millis(1),
        Duration::from_millis(30),
    )
    .unwrap();
    let stream = TcpStream::connect(mesh.link_addr("n1", "n2").unwrap())
        .await
        .unwrap();
    stream.set_nodelay(true).unwrap();
    let (mut r, mut w) = stream.into_split();
    let sent: Vec<u8> = (0..200u32).flat_map(|i| i.to_be_bytes()).collect();
    let to_send = sent.clone();
    let writer = tokio::spawn(async move {
        // Separate small writes, so the proxy sees (and jitters) many chunks.
        for chunk in to_send.chunks(4) {
            w.write_all(chunk).await.unwrap();
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        w
    });
    let mut received = vec![0u8; sent.len()];
    tokio::time::timeout(BOUND, r.read_exact(&mut received))
        .await
        .unwrap()
        .unwrap();
    drop(writer.await.unwrap());
    assert_eq!(received, sent);
}
