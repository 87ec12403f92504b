//! Routes etcd's peer traffic through the proxy mesh.
//!
//! etcd advertises one peer URL per member, and every other member dials it,
//! so a port cannot tell who is sending. A front listener per member reads
//! the head of the first request on each connection: etcd's Raft transport
//! names the sender in `X-PeerURLs`. The connection then goes through the
//! mesh's proxy for sender→receiver, where partitions and latency act. A
//! connection that names no sender (health probes, version checks) goes
//! straight to the member with `Connection: close` added, so that it cannot
//! be reused later for Raft messages that would slip past a partition.

use anyhow::Context;
use faultline_nemeses::ProxyMesh;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// Longest request head we wait for before giving up on a connection.
const MAX_HEAD: usize = 64 * 1024;
/// How long a new connection may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// One member as the front sees it.
#[derive(Debug, Clone)]
struct Route {
    name: String,
    /// The URL the member advertises (this front's listener).
    front_url: String,
    /// Where the member really listens for peers.
    real: SocketAddr,
}

/// Front listeners for every member; dropping or [`PeerFront::shutdown`] stops them.
#[derive(Debug)]
pub struct PeerFront {
    urls: Vec<String>,
    shutdown: CancellationToken,
}

impl PeerFront {
    /// Binds one listener per member (`(name, real peer address)`), forwarding
    /// through `mesh`. Must be called inside a tokio runtime.
    pub fn start(
        members: &[(String, SocketAddr)],
        mesh: Arc<ProxyMesh>,
    ) -> anyhow::Result<PeerFront> {
        let mut listeners = Vec::new();
        let mut routes = Vec::new();
        for (name, real) in members {
            let l = std::net::TcpListener::bind(("127.0.0.1", 0))
                .with_context(|| format!("binding the peer front of {name}"))?;
            l.set_nonblocking(true).context("peer front non-blocking")?;
            let addr = l.local_addr().context("peer front address")?;
            routes.push(Route {
                name: name.clone(),
                front_url: format!("http://{addr}"),
                real: *real,
            });
            listeners.push(l);
        }
        let routes = Arc::new(routes);
        let shutdown = CancellationToken::new();
        for (i, l) in listeners.into_iter().enumerate() {
            let listener = TcpListener::from_std(l).context("registering a peer front listener")?;
            tokio::spawn(serve(
                listener,
                i,
                routes.clone(),
                mesh.clone(),
                shutdown.clone(),
            ));
        }
        Ok(PeerFront {
            urls: routes.iter().map(|r| r.front_url.clone()).collect(),
            shutdown,
        })
    }

    /// The URL each member must advertise as its peer URL, in member order.
    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    /// Stops accepting and drops every forwarded connection.
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }
}

impl Drop for PeerFront {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn serve(
    listener: TcpListener,
    to: usize,
    routes: Arc<Vec<Route>>,
    mesh: Arc<ProxyMesh>,
    shutdown: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => return,
            a = listener.accept() => a,
        };
        let Ok((inbound, _)) = accepted else {
            // Out of descriptors or similar: back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let (routes, mesh, shutdown) = (routes.clone(), mesh.clone(), shutdown.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = shutdown.cancelled() => {}
                r = forward(inbound, to, &routes, &mesh) => {
                    if let Err(e) = r {
                        tracing::debug!("etcd peer front of {}: {e:#}", routes[to].name);
                    }
                }
            }
        });
    }
}

async fn forward(
    mut inbound: TcpStream,
    to: usize,
    routes: &[Route],
    mesh: &ProxyMesh,
) -> anyhow::Result<()> {
    let _ = inbound.set_nodelay(true);
    let mut head = Vec::with_capacity(4096);
    tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut inbound, &mut head))
        .await
        .context("no request head in time")??;
    let sender = sender_of(&head, routes).filter(|from| *from != to);
    let target = match sender {
        Some(from) => mesh
            .link_addr(&routes[from].name, &routes[to].name)
            .context("the mesh has no link for this pair")?,
        None => {
            head = with_connection_close(&head);
            routes[to].real
        }
    };
    let mut outbound = TcpStream::connect(target)
        .await
        .with_context(|| format!("connecting to {target}"))?;
    let _ = outbound.set_nodelay(true);
    outbound.write_all(&head).await?;
    tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await?;
    Ok(())
}

/// Reads until the end of the first request head (`\r\n\r\n`) or `MAX_HEAD` bytes;
/// whatever body bytes came along stay in `buf` too.
async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> anyhow::Result<()> {
    let mut chunk = [0u8; 4096];
    loop {
        if head_end(buf).is_some() || buf.len() >= MAX_HEAD {
            return Ok(());
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            anyhow::bail!("closed before a request head");
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

/// The member named in the head's `X-PeerURLs` header.
fn sender_of(buf: &[u8], routes: &[Route]) -> Option<usize> {
    let end = head_end(buf)?;
    let head = String::from_utf8_lossy(&buf[..end]);
    let value = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("x-peerurls")
            .then(|| value.trim().to_string())
    })?;
    value.split(',').find_map(|url| {
        let url = url.trim().trim_end_matches('/');
        routes.iter().position(|r| r.front_url == url)
    })
}

/// The head with `Connection: close` inserted right after the request line.
fn with_connection_close(buf: &[u8]) -> Vec<u8> {
    match buf.windows(2).position(|w| w == b"\r\n") {
        Some(i) => {
            let mut out = Vec::with_capacity(buf.len() + 19);
            out.extend_from_slice(&buf[..i + 2]);
            out.extend_from_slice(b"Connection: close\r\n");
            out.extend_from_slice(&buf[i + 2..]);
            out
        }
        None => buf.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> Vec<Route> {
        (1..=3)
            .map(|i| Route {
                name: format!("n{i}"),
                front_url: format!("http://127.0.0.1:{}", 9000 + i),
                real: SocketAddr::from(([127, 0, 0, 1], 8000 + i as u16)),
            })
            .collect()
    }

    #[test]
    fn the_sender_comes_from_x_peerurls() {
        let head = b"GET /raft/stream/message/abc HTTP/1.1\r\nHost: x\r\nX-PeerURLs: http://127.0.0.1:9002\r\n\r\n";
        assert_eq!(sender_of(head, &routes()), Some(1));
        let probe = b"GET /raft/probing HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(sender_of(probe, &routes()), None);
        let partial = b"GET / HTTP/1.1\r\nX-PeerURLs: http://127.0.0.1:9002\r\n";
        assert_eq!(sender_of(partial, &routes()), None);
    }

    #[test]
    fn connection_close_goes_after_the_request_line() {
        let out = with_connection_close(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(
            out,
            b"GET /version HTTP/1.1\r\nConnection: close\r\nHost: x\r\n\r\n".to_vec()
        );
    }
}
