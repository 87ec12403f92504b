//! A test-owned TCP forwarder per directed link, so a test can partition
//! nodes without the harness's proxy mesh: cutting a link refuses new
//! connections and drops open ones.

use faultline_cluster::NodeId;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

struct Link {
    cut: AtomicBool,
    generation: watch::Sender<u64>,
}

/// Forwarders for every directed pair of nodes.
pub struct Mesh {
    links: BTreeMap<(NodeId, NodeId), (Arc<Link>, String)>,
}

impl Mesh {
    /// Starts one forwarder per directed pair; `targets` are the real addresses.
    pub async fn start(targets: &BTreeMap<NodeId, SocketAddr>) -> Mesh {
        let mut links = BTreeMap::new();
        for from in targets.keys() {
            for (to, addr) in targets {
                if from == to {
                    continue;
                }
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let url = format!("http://{}", listener.local_addr().unwrap());
                let link = Arc::new(Link {
                    cut: AtomicBool::new(false),
                    generation: watch::Sender::new(0),
                });
                tokio::spawn(serve(listener, *addr, link.clone()));
                links.insert((from.clone(), to.clone()), (link, url));
            }
        }
        Mesh { links }
    }

    /// The peer URLs for `ClusterSpec::peer_urls`.
    pub fn peer_urls(&self) -> BTreeMap<NodeId, BTreeMap<NodeId, String>> {
        let mut out: BTreeMap<NodeId, BTreeMap<NodeId, String>> = BTreeMap::new();
        for ((from, to), (_, url)) in &self.links {
            out.entry(from.clone())
                .or_default()
                .insert(to.clone(), url.clone());
        }
        out
    }

    /// Cuts (or heals) every link between `node` and the others, both ways.
    pub fn isolate(&self, node: &NodeId, cut: bool) {
        for ((from, to), (link, _)) in &self.links {
            if from == node || to == node {
                link.cut.store(cut, Ordering::SeqCst);
                if cut {
                    link.generation.send_modify(|g| *g += 1);
                }
            }
        }
    }
}

async fn serve(listener: TcpListener, target: SocketAddr, link: Arc<Link>) {
    loop {
        let Ok((inbound, _)) = listener.accept().await else {
            continue;
        };
        if link.cut.load(Ordering::SeqCst) {
            drop(inbound);
            continue;
        }
        let mut cut = link.generation.subscribe();
        tokio::spawn(async move {
            let Ok(outbound) = TcpStream::connect(target).await else {
                return;
            };
            let (mut ri, mut wi) = inbound.into_split();
            let (mut ro, mut wo) = outbound.into_split();
            tokio::select! {
                _ = tokio::io::copy(&mut ri, &mut wo) => {}
                _ = tokio::io::copy(&mut ro, &mut wi) => {}
                _ = cut.changed() => {}
            }
        });
    }
}
