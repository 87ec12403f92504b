//! One directed link of the proxy mesh: a listener that forwards to the target
//! node, applying the link's current cut / delay / loss settings to every chunk.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::RngExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The fault settings of one directed link.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LinkConfig {
    /// No bytes flow: new connections are closed at once, open ones are dropped.
    pub cut: bool,
    /// Minimum extra delay of every forwarded chunk, in each direction.
    pub delay: Duration,
    /// Up to this much more delay, uniformly random per chunk (order is kept).
    pub jitter: Duration,
    /// Probability that a new connection is closed at once, and that a
    /// forwarded chunk instead resets its whole connection (TCP cannot lose
    /// single chunks without corrupting the stream).
    pub loss: f64,
}

impl LinkConfig {
    /// Whether the link behaves like a plain wire.
    pub fn is_healthy(&self) -> bool {
        !self.cut && self.delay.is_zero() && self.jitter.is_zero() && self.loss <= 0.0
    }
}

/// A running proxy for one directed link.
#[derive(Debug)]
pub(crate) struct LinkProxy {
    pub(crate) listen: SocketAddr,
    pub(crate) target: SocketAddr,
    pub(crate) config: watch::Sender<LinkConfig>,
    pub(crate) bytes: AtomicU64,
    pub(crate) connections: AtomicU64,
    /// Bumped on every cut, so a connection notices a cut even if the link
    /// was healed again before its task looked at the settings.
    pub(crate) cut_epoch: AtomicU64,
}

/// Upper bound for connecting to the real node; a dead node refuses at once anyway.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Chunks in flight per direction before reading pauses (bounds memory under delay).
const IN_FLIGHT_CHUNKS: usize = 1024;

impl LinkProxy {
    pub(crate) fn new(listen: SocketAddr, target: SocketAddr) -> Self {
        LinkProxy {
            listen,
            target,
            config: watch::Sender::new(LinkConfig::default()),
            bytes: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            cut_epoch: AtomicU64::new(0),
        }
    }

    fn roll_loss(&self) -> bool {
        let loss = self.config.borrow().loss;
        loss > 0.0 && rand::rng().random_bool(loss.min(1.0))
    }
}

/// Accepts connections until `shutdown`, forwarding each to the target.
pub(crate) async fn serve(
    link: Arc<LinkProxy>,
    listener: TcpListener,
    shutdown: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let inbound = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Usually EMFILE; back off instead of spinning.
                tracing::warn!(%error, listen = %link.listen, "proxy accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if link.config.borrow().cut || link.roll_loss() {
            drop(inbound);
            continue;
        }
        link.connections.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(forward(link.clone(), inbound, shutdown.clone()));
    }
}

async fn forward(link: Arc<LinkProxy>, inbound: TcpStream, shutdown: CancellationToken) {
    let outbound =
        match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(link.target)).await {
            Ok(Ok(stream)) => stream,
            // The caller sees its connection closed, as if the node were down.
            _ => return,
        };
    let _ = inbound.set_nodelay(true);
    let _ = outbound.set_nodelay(true);
    let (in_read, in_write) = inbound.into_split();
    let (out_read, out_write) = outbound.into_split();
    let mut config = link.config.subscribe();
    let epoch = link.cut_epoch.load(Ordering::SeqCst);
    let cut_link = link.clone();
    let cut_seen = async move {
        loop {
            if config.borrow_and_update().cut || cut_link.cut_epoch.load(Ordering::SeqCst) != epoch
            {
                return;
            }
            if config.changed().await.is_err() {
                // The mesh is gone; the shutdown token ends the connection.
                std::future::pending::<()>().await;
            }
        }
    };
    let both = async {
        tokio::try_join!(
            pump(link.clone(), in_read, out_write),
            pump(link.clone(), out_read, in_write)
        )
    };
    // Dropping the sockets (by leaving this function) is what stops the bytes.
    tokio::select! {
        _ = both => {}
        _ = cut_seen => {}
        _ = shutdown.cancelled() => {}
    }
}

fn broken(why: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::ConnectionReset, why.to_string())
}

/// Copies one direction. A reader stamps each chunk with its due time and a
/// writer sleeps until it, so delay adds latency without serialising chunks.
async fn pump(
    link: Arc<LinkProxy>,
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
) -> std::io::Result<()> {
    let (tx, mut rx) = mpsc::channel::<(Instant, Vec<u8>)>(IN_FLIGHT_CHUNKS);
    let reader_link = link.clone();
    let reader = async move {
        let mut buf = vec![0u8; 16 * 1024];
        let mut last_due = Instant::now();
        loop {
            let n = from.read(&mut buf).await?;
            if n == 0 {
                return Ok::<(), std::io::Error>(());
            }
            let (cut, delay, jitter) = {
                let c = reader_link.config.borrow();
                (c.cut, c.delay, c.jitter)
            };
            if cut {
                return Err(broken("link cut"));
            }
            if reader_link.roll_loss() {
                return Err(broken("link lossy"));
            }
            let extra = if jitter.is_zero() {
                Duration::ZERO
            } else {
                jitter.mul_f64(rand::rng().random_range(0.0..=1.0))
            };
            // The single FIFO writer already keeps bytes in order; the max only
            // makes a chunk queued behind a slower one count as that late.
            let due = (Instant::now() + delay + extra).max(last_due);
            last_due = due;
            if tx.send((due, buf[..n].to_vec())).await.is_err() {
                return Ok(());
            }
        }
    };
    let writer = async move {
        while let Some((due, chunk)) = rx.recv().await {
            // The timer has millisecond ticks: sleeping on an undelayed link
            // would add ~1 ms per chunk.
            if due > Instant::now() {
                tokio::time::sleep_until(due).await;
            }
            if link.config.borrow().cut {
                return Err(broken("link cut"));
            }
            to.write_all(&chunk).await?;
            link.bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        }
        to.shutdown().await
    };
    tokio::try_join!(reader, writer).map(|_| ())
}
