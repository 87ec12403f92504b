//! Measures what the proxy mesh costs (run on demand: `cargo test -p faultline-nemeses
//! --test integration proxy_overhead:: -- --ignored --nocapture`). Prints numbers; asserts only sanity.

use crate::common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::ProcessControl;
use faultline_nemeses::{Link, ProxyMesh};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn round_trips(addr: SocketAddr, n: usize) -> Duration {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let mut buf = [0u8; 64];
    let start = Instant::now();
    for _ in 0..n {
        stream.write_all(&[7u8; 64]).await.unwrap();
        stream.read_exact(&mut buf).await.unwrap();
    }
    start.elapsed() / n as u32
}

async fn throughput(addr: SocketAddr, total: usize) -> f64 {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut r, mut w) = stream.into_split();
    let start = Instant::now();
    let writer = tokio::spawn(async move {
        let chunk = vec![1u8; 64 * 1024];
        let mut sent = 0;
        while sent < total {
            w.write_all(&chunk).await.unwrap();
            sent += chunk.len();
        }
    });
    let mut buf = vec![0u8; 64 * 1024];
    let mut got = 0;
    while got < total {
        let n = r.read(&mut buf).await.unwrap();
        assert!(n > 0);
        got += n;
    }
    writer.await.unwrap();
    got as f64 / start.elapsed().as_secs_f64() / 1e6
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement, not a check; prints numbers"]
async fn proxy_overhead() {
    let control = ProcessControl::start(2);
    let mesh = ProxyMesh::start(&control.targets()).unwrap();
    let direct = control.addr("n2");
    let proxied = mesh.link_addr("n1", "n2").unwrap();
    let n = 2000;
    let d = round_trips(direct, n).await;
    let p = round_trips(proxied, n).await;
    println!("echo round trip (64 B): direct {d:?}, through proxy {p:?}");
    let total = 256 * 1024 * 1024;
    let td = throughput(direct, total).await;
    let tp = throughput(proxied, total).await;
    println!("echo throughput: direct {td:.0} MB/s, through proxy {tp:.0} MB/s");
    mesh.set_latency(
        [&Link::new("n1", "n2")],
        Duration::from_millis(50),
        Duration::ZERO,
    )
    .unwrap();
    let l = round_trips(proxied, 20).await;
    println!("round trip with 50 ms link delay: {l:?}");
    assert!(l >= Duration::from_millis(100));
}
