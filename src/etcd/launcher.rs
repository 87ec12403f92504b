//! Local etcd members as child processes: each with its own data directory
//! and log, killed with SIGKILL and restarted on the same data directory,
//! paused with SIGSTOP.

use anyhow::{Context, anyhow, bail};
use faultline_nemeses::PidSignals;
use faultline_workloads::client::base64;
use std::fs::OpenOptions;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What to start.
#[derive(Debug, Clone)]
pub struct EtcdSpec {
    /// The etcd executable.
    pub bin: PathBuf,
    /// Number of members.
    pub nodes: usize,
    /// Log directory: member `nI` writes `nI/log` and `nI/pid` under it.
    pub dir: PathBuf,
    /// Data directory: member `nI` keeps its data in `nI` under it.
    pub data_dir: PathBuf,
    /// Member i (0-based) serves clients on `base_port + i` and peers on `base_port + nodes + i`.
    pub base_port: u16,
    /// The peer URL each member advertises (proxies in front of the real
    /// peer ports); `None` advertises the real peer ports.
    pub advertise_peer_urls: Option<Vec<String>>,
    /// Cluster token (distinct per cluster so stray members cannot join).
    pub token: String,
}

impl EtcdSpec {
    /// Member names: n1, n2, ...
    pub fn names(&self) -> Vec<String> {
        (1..=self.nodes).map(|i| format!("n{i}")).collect()
    }

    /// Client URL of member `i` (0-based).
    pub fn client_url(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.base_port as usize + i)
    }

    /// The real peer listen address of member `i`.
    pub fn peer_addr(&self, i: usize) -> std::net::SocketAddr {
        std::net::SocketAddr::from((
            [127, 0, 0, 1],
            (self.base_port as usize + self.nodes + i) as u16,
        ))
    }

    fn advertised_peer_url(&self, i: usize) -> String {
        match &self.advertise_peer_urls {
            Some(urls) => urls[i].clone(),
            None => format!("http://{}", self.peer_addr(i)),
        }
    }

    fn args(&self, i: usize) -> Vec<String> {
        let names = self.names();
        let initial: Vec<String> = (0..self.nodes)
            .map(|j| format!("{}={}", names[j], self.advertised_peer_url(j)))
            .collect();
        vec![
            format!("--name={}", names[i]),
            format!("--data-dir={}", self.data_dir.join(&names[i]).display()),
            format!("--listen-client-urls={}", self.client_url(i)),
            format!("--advertise-client-urls={}", self.client_url(i)),
            format!("--listen-peer-urls=http://{}", self.peer_addr(i)),
            format!(
                "--initial-advertise-peer-urls={}",
                self.advertised_peer_url(i)
            ),
            format!("--initial-cluster={}", initial.join(",")),
            "--initial-cluster-state=new".into(),
            format!("--initial-cluster-token={}", self.token),
            // etcd's defaults, spelled out: faster elections misfire on a
            // loaded CI machine and would add failovers nobody asked for.
            "--heartbeat-interval=100".into(),
            "--election-timeout=1000".into(),
            // A member returning from a partition must not depose a healthy leader.
            "--pre-vote=true".into(),
        ]
    }
}

/// Running etcd members; all are killed on [`EtcdCluster::stop`] and on drop.
#[derive(Debug)]
pub struct EtcdCluster {
    spec: EtcdSpec,
    /// One slot per member; `None` while killed.
    members: Mutex<Vec<Option<Child>>>,
}

impl EtcdCluster {
    /// Starts every member of `spec` (does not wait for them; see [`EtcdCluster::wait_ready`]).
    pub fn start(spec: EtcdSpec) -> anyhow::Result<EtcdCluster> {
        if spec.nodes == 0 {
            bail!("an etcd cluster needs at least one member");
        }
        let cluster = EtcdCluster {
            members: Mutex::new((0..spec.nodes).map(|_| None).collect()),
            spec,
        };
        for i in 0..cluster.spec.nodes {
            cluster.spawn(i)?;
        }
        Ok(cluster)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Option<Child>>> {
        // A panic while holding the lock leaves plain data behind; keep going.
        self.members.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn spawn(&self, i: usize) -> anyhow::Result<()> {
        let name = &self.spec.names()[i];
        let dir = self.spec.dir.join(name);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let log_path = dir.join("log");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .with_context(|| format!("opening {}", log_path.display()))?;
        let log2 = log
            .try_clone()
            .with_context(|| format!("opening {}", log_path.display()))?;
        // Unlike bundled nodes (which exit when their parent dies), etcd
        // members stay in the harness's process group: a terminal's Ctrl-C then
        // stops them too, so even a forced quit leaves no member behind.
        let child = Command::new(&self.spec.bin)
            .args(self.spec.args(i))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .with_context(|| format!("starting {} for member {name}", self.spec.bin.display()))?;
        let pid = child.id();
        self.lock()[i] = Some(child);
        // For user commands (kill -STOP $(cat DIR/n1/pid)) against `cluster up`.
        let pid_path = dir.join("pid");
        std::fs::write(&pid_path, format!("{pid}\n"))
            .with_context(|| format!("writing {}", pid_path.display()))
    }

    fn index(&self, name: &str) -> anyhow::Result<usize> {
        self.spec
            .names()
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| anyhow!("no member {name} in this etcd cluster"))
    }

    /// Member names, in order.
    pub fn names(&self) -> Vec<String> {
        self.spec.names()
    }

    /// Client URLs, in member order.
    pub fn client_urls(&self) -> Vec<String> {
        (0..self.spec.nodes)
            .map(|i| self.spec.client_url(i))
            .collect()
    }

    /// The member's log file.
    pub fn log_path(&self, name: &str) -> PathBuf {
        self.spec.dir.join(name).join("log")
    }

    /// The member's process id while it runs.
    pub fn pid(&self, name: &str) -> Option<u32> {
        let i = self.index(name).ok()?;
        let mut members = self.lock();
        let child = members[i].as_mut()?;
        match child.try_wait() {
            Ok(None) => Some(child.id()),
            _ => None,
        }
    }

    /// Kills the member with SIGKILL and reaps it (a stopped process dies too).
    pub fn kill(&self, name: &str) -> anyhow::Result<()> {
        let i = self.index(name)?;
        let child = self.lock()[i].take();
        if let Some(mut child) = child {
            let _ = child.kill();
            child
                .wait()
                .with_context(|| format!("waiting for member {name} to exit"))?;
        }
        Ok(())
    }

    /// Starts a killed member again on its data directory (a running one is left alone).
    pub fn restart(&self, name: &str) -> anyhow::Result<()> {
        if self.pid(name).is_some() {
            return Ok(());
        }
        let i = self.index(name)?;
        self.spawn(i)
    }

    /// Freezes the member (SIGSTOP).
    pub fn pause(&self, name: &str) -> anyhow::Result<()> {
        let pid = self
            .pid(name)
            .ok_or_else(|| anyhow!("member {name} is not running"))?;
        PidSignals::stop(pid).map_err(|e| anyhow!("{e}"))
    }

    /// Thaws the member (SIGCONT).
    pub fn resume(&self, name: &str) -> anyhow::Result<()> {
        let pid = self
            .pid(name)
            .ok_or_else(|| anyhow!("member {name} is not running"))?;
        PidSignals::cont(pid).map_err(|e| anyhow!("{e}"))
    }

    /// Waits until every member answers a linearizable read (which needs a leader).
    pub async fn wait_ready(&self, timeout: Duration) -> anyhow::Result<()> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .context("building an HTTP client")?;
        let deadline = Instant::now() + timeout;
        let body = serde_json::json!({ "key": base64::encode(b"faultline-ready") });
        for (name, url) in self.names().into_iter().zip(self.client_urls()) {
            loop {
                let ok = http
                    .post(format!("{url}/v3/kv/range"))
                    .json(&body)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok {
                    break;
                }
                if self.pid(&name).is_none() {
                    bail!(
                        "etcd member {name} exited during startup; see {}",
                        self.log_path(&name).display()
                    );
                }
                if Instant::now() > deadline {
                    bail!(
                        "etcd member {name} ({url}) not ready within {timeout:?}; see {}",
                        self.log_path(&name).display()
                    );
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Ok(())
    }

    /// The member the cluster considers its leader, asked through the members' status API.
    pub async fn leader(&self) -> Option<String> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_millis(800))
            .build()
            .ok()?;
        let mut ids = Vec::new();
        let mut leader_id = None;
        for (name, url) in self.names().into_iter().zip(self.client_urls()) {
            let resp = http
                .post(format!("{url}/v3/maintenance/status"))
                .json(&serde_json::json!({}))
                .send()
                .await;
            let Ok(resp) = resp else { continue };
            let Ok(status) = resp.json::<serde_json::Value>().await else {
                continue;
            };
            if let Some(id) = status.pointer("/header/member_id").and_then(|v| v.as_str()) {
                ids.push((id.to_string(), name));
            }
            if let Some(l) = status.get("leader").and_then(|v| v.as_str()) {
                leader_id.get_or_insert_with(|| l.to_string());
            }
        }
        let leader_id = leader_id?;
        ids.into_iter()
            .find(|(id, _)| *id == leader_id)
            .map(|(_, name)| name)
    }

    /// Kills every member (SIGKILL: a SIGTERM'd leader can take seconds to exit).
    pub fn stop(&self) {
        let mut members = self.lock();
        for slot in members.iter_mut() {
            if let Some(mut child) = slot.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

impl Drop for EtcdCluster {
    fn drop(&mut self) {
        self.stop();
    }
}
