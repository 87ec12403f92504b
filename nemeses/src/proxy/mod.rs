//! The proxy mesh: one TCP proxy per directed peer link, so partitions,
//! latency and loss need no root. Nodes reach each other through
//! [`ProxyMesh::peer_url`] instead of each other's real address.

mod link;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use link::LinkConfig;
use link::LinkProxy;

use crate::control::BoxFuture;
use crate::error::NemesisError;
use crate::partition::PartitionBackend;
use crate::topology::Link;

/// Proxies for every ordered pair of nodes; dropping the mesh stops them all.
#[derive(Debug)]
pub struct ProxyMesh {
    nodes: Vec<String>,
    links: BTreeMap<Link, Arc<LinkProxy>>,
    shutdown: CancellationToken,
}

impl ProxyMesh {
    /// Binds one listener per directed link on 127.0.0.1 (ephemeral ports),
    /// forwarding to the given real listen addresses. Must be called inside a
    /// tokio runtime (the forwarding tasks run on it).
    pub fn start(targets: &[(String, SocketAddr)]) -> Result<ProxyMesh, NemesisError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| NemesisError::NoRuntime)?;
        let shutdown = CancellationToken::new();
        let mut links = BTreeMap::new();
        let mut listeners = Vec::new();
        for (from, _) in targets {
            for (to, target) in targets {
                if from == to {
                    continue;
                }
                let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0))
                    .map_err(|e| NemesisError::io(format!("binding proxy {from}->{to}"), e))?;
                std_listener
                    .set_nonblocking(true)
                    .map_err(|e| NemesisError::io("proxy listener non-blocking", e))?;
                let listen = std_listener
                    .local_addr()
                    .map_err(|e| NemesisError::io("proxy listener address", e))?;
                let proxy = Arc::new(LinkProxy::new(listen, *target));
                links.insert(Link::new(from.clone(), to.clone()), proxy.clone());
                listeners.push((proxy, std_listener));
            }
        }
        let _guard = runtime.enter();
        for (proxy, std_listener) in listeners {
            let listener = tokio::net::TcpListener::from_std(std_listener)
                .map_err(|e| NemesisError::io("registering proxy listener", e))?;
            runtime.spawn(link::serve(proxy, listener, shutdown.clone()));
        }
        Ok(ProxyMesh {
            nodes: targets.iter().map(|(n, _)| n.clone()).collect(),
            links,
            shutdown,
        })
    }

    /// The nodes, in the order given to `start`.
    pub fn nodes(&self) -> &[String] {
        &self.nodes
    }

    /// Every directed link.
    pub fn links(&self) -> Vec<Link> {
        self.links.keys().cloned().collect()
    }

    /// The URL `from` must use to reach `to` (`http://127.0.0.1:PORT`).
    pub fn peer_url(&self, from: &str, to: &str) -> Option<String> {
        self.link_addr(from, to).map(|a| format!("http://{a}"))
    }

    /// For each node, the URL of each peer through the mesh (shape of the cluster's `peer_urls`).
    pub fn peer_urls(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut urls: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (link, proxy) in &self.links {
            urls.entry(link.from.clone())
                .or_default()
                .insert(link.to.clone(), format!("http://{}", proxy.listen));
        }
        urls
    }

    /// The proxy's listen address for `from`→`to`.
    pub fn link_addr(&self, from: &str, to: &str) -> Option<SocketAddr> {
        self.links.get(&Link::new(from, to)).map(|p| p.listen)
    }

    /// The current settings of a link.
    pub fn link_config(&self, from: &str, to: &str) -> Option<LinkConfig> {
        self.links
            .get(&Link::new(from, to))
            .map(|p| p.config.borrow().clone())
    }

    /// Bytes forwarded on a link so far (both directions).
    pub fn bytes_forwarded(&self, from: &str, to: &str) -> u64 {
        self.links
            .get(&Link::new(from, to))
            .map_or(0, |p| p.bytes.load(Ordering::Relaxed))
    }

    /// Connections forwarded on a link so far (not counting refused ones).
    pub fn connections_forwarded(&self, from: &str, to: &str) -> u64 {
        self.links
            .get(&Link::new(from, to))
            .map_or(0, |p| p.connections.load(Ordering::Relaxed))
    }

    /// Links that are currently cut.
    pub fn cut_links(&self) -> BTreeSet<Link> {
        self.links
            .iter()
            .filter(|(_, p)| p.config.borrow().cut)
            .map(|(l, _)| l.clone())
            .collect()
    }

    /// Whether every link is a plain wire again.
    pub fn is_healthy(&self) -> bool {
        self.links.values().all(|p| p.config.borrow().is_healthy())
    }

    /// Changes the settings of each given link; unknown links are an error and change nothing.
    pub fn update<'a>(
        &self,
        links: impl IntoIterator<Item = &'a Link>,
        change: impl Fn(&mut LinkConfig),
    ) -> Result<(), NemesisError> {
        let proxies = links
            .into_iter()
            .map(|l| {
                self.links
                    .get(l)
                    .ok_or_else(|| NemesisError::UnknownNode(l.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        for proxy in proxies {
            proxy.config.send_modify(|c| {
                change(c);
                if c.cut {
                    // Before receivers are notified, so they see the new epoch.
                    proxy.cut_epoch.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
        Ok(())
    }

    /// Cuts the given links: no new connections, and open ones are dropped.
    pub fn cut<'a>(&self, links: impl IntoIterator<Item = &'a Link>) -> Result<(), NemesisError> {
        self.update(links, |c| c.cut = true)
    }

    /// Adds `delay` plus up to `jitter` to every chunk on the given links.
    pub fn set_latency<'a>(
        &self,
        links: impl IntoIterator<Item = &'a Link>,
        delay: Duration,
        jitter: Duration,
    ) -> Result<(), NemesisError> {
        self.update(links, |c| {
            c.delay = delay;
            c.jitter = jitter;
        })
    }

    /// Makes the given links lossy with probability `p` (see [`LinkConfig::loss`]).
    pub fn set_loss<'a>(
        &self,
        links: impl IntoIterator<Item = &'a Link>,
        p: f64,
    ) -> Result<(), NemesisError> {
        self.update(links, |c| c.loss = p.clamp(0.0, 1.0))
    }

    /// Restores every link to a plain wire. Synchronous and infallible, so a
    /// Ctrl-C handler can call it directly.
    pub fn heal_all(&self) {
        for proxy in self.links.values() {
            proxy.config.send_replace(LinkConfig::default());
        }
    }

    /// Stops all proxies (also done on drop).
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }
}

impl Drop for ProxyMesh {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl PartitionBackend for ProxyMesh {
    fn name(&self) -> &'static str {
        "proxy-mesh"
    }

    fn cut<'a>(&'a self, cuts: &'a BTreeSet<Link>) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move { ProxyMesh::cut(self, cuts) })
    }

    fn heal(&self) -> BoxFuture<'_, Result<(), NemesisError>> {
        Box::pin(async move {
            for proxy in self.links.values() {
                proxy.config.send_modify(|c| c.cut = false);
            }
            Ok(())
        })
    }
}
