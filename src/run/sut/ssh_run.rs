//! SSH nodes once started: their control, their firewall partitions, and
//! the end of their run — heal, resume, fetch the logs, stop — which runs
//! on every way out of a run that reaches `Sut::stop` (the end, a refusal,
//! Ctrl-C) and after a start that failed half-way.

use anyhow::Context;
use faultline_nemeses::{SshNodes, SshPartition, Step};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long every node together may take to accept connections after `start`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A run's nodes on hosts.
pub struct SshRun {
    /// Kill, start, pause, resume through the `[db]` templates.
    pub control: Arc<SshNodes>,
    /// Firewall partitions, when the run injects them.
    pub partition: Option<Arc<SshPartition>>,
    /// Where the nodes' logs go (`results/<run>/nodes`).
    pub nodes_dir: PathBuf,
    finished: AtomicBool,
}

impl std::fmt::Debug for SshRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshRun")
            .field("nodes", &self.control.remote_nodes().len())
            .finish()
    }
}

impl SshRun {
    /// A run of `control`'s nodes, not yet prepared.
    pub fn new(
        control: Arc<SshNodes>,
        partition: Option<Arc<SshPartition>>,
        nodes_dir: PathBuf,
    ) -> SshRun {
        SshRun {
            control,
            partition,
            nodes_dir,
            finished: AtomicBool::new(false),
        }
    }

    /// Finds each host's firewall and clears what an earlier run may have
    /// left, then wipes, sets up and starts the database on every node and
    /// waits until each node's URL accepts connections.
    pub async fn prepare(&self) -> anyhow::Result<()> {
        if let Some(partition) = &self.partition {
            partition
                .detect()
                .await
                .context("finding nftables or iptables on each node (for partitions)")?;
            self.control
                .clear_firewalls()
                .await
                .context("removing faultline's firewall rules left by an earlier run")?;
        }
        for step in [Step::Wipe, Step::Setup, Step::Start] {
            self.control
                .on_all(step)
                .await
                .with_context(|| format!("[db] {step} on the nodes"))?;
        }
        self.wait_until_listening().await
    }

    async fn wait_until_listening(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        for node in self.control.remote_nodes() {
            let addr = authority(&node.url).with_context(|| {
                format!("node {}: url {:?} has no host:port", node.name, node.url)
            })?;
            loop {
                let attempt = tokio::time::timeout(
                    Duration::from_secs(1),
                    tokio::net::TcpStream::connect(addr.as_str()),
                )
                .await;
                if matches!(attempt, Ok(Ok(_))) {
                    break;
                }
                if Instant::now() >= deadline {
                    anyhow::bail!(
                        "node {} does not accept connections at {addr} {} s after [db] start \
                         (see its logs under {})",
                        node.name,
                        READY_TIMEOUT.as_secs(),
                        self.nodes_dir.display()
                    );
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Ok(())
    }

    /// The end of the run, once: heal faultline's firewall rules, resume
    /// paused nodes, fetch the logs, stop the database, close the SSH
    /// connections. Failures are logged, not returned: each later step
    /// must still run.
    pub async fn finish(&self) {
        if self.finished.swap(true, Ordering::SeqCst) {
            return;
        }
        if self.partition.is_some()
            && let Err(e) = self.control.clear_firewalls().await
        {
            tracing::warn!("healing the SSH nodes' firewalls: {e}");
        }
        if self.control.has(Step::Resume)
            && let Err(e) = self.control.on_all(Step::Resume).await
        {
            tracing::warn!("[db] resume at the end of the run: {e}");
        }
        for problem in self.control.download_logs(&self.nodes_dir).await {
            tracing::warn!("fetching logs: {problem}");
        }
        let last = if self.control.has(Step::Stop) {
            Step::Stop
        } else {
            Step::Kill
        };
        if let Err(e) = self.control.on_all(last).await {
            tracing::warn!("[db] {last} at the end of the run: {e}");
        }
        self.control.client().close().await;
    }
}

/// `http://host:port/path` → `host:port` (brackets of an IPv6 host kept).
fn authority(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next()?;
    let (_, port) = authority.rsplit_once(':')?;
    (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())).then(|| authority.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_need_a_port() {
        assert_eq!(
            authority("http://10.0.0.1:7000/x").as_deref(),
            Some("10.0.0.1:7000")
        );
        assert_eq!(authority("http://db-1").as_deref(), None);
    }
}
