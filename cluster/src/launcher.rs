//! Starting and controlling a local cluster of node processes: used by
//! `faultline cluster up`, by `faultline run`, and by this crate's tests.

mod probe;

use crate::bugs::Bug;
use crate::error::ClusterError;
use crate::mode::Mode;
use crate::node_id::NodeId;
use rand::RngExt;
use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a started node may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long setting a node's clock may take.
pub const CLOCK_TIMEOUT: Duration = Duration::from_secs(2);

/// What cluster to start.
#[derive(Clone, Debug)]
pub struct ClusterSpec {
    /// The executable that runs a node.
    pub exe: PathBuf,
    /// Arguments before the node flags (e.g. `["node"]` for `faultline`).
    pub exe_args: Vec<String>,
    /// Number of nodes.
    pub nodes: usize,
    /// Replication mode.
    pub mode: Mode,
    /// Deliberate bugs, on every node.
    pub bugs: Vec<Bug>,
    /// Parent directory; node `nX` keeps its WAL, snapshot and `log` in `data_dir/nX`.
    pub data_dir: PathBuf,
    /// Node i listens on `base_port + i`.
    pub base_port: u16,
    /// Per node, the URL it uses to reach each peer (e.g. through proxies);
    /// default: the peer's own address.
    pub peer_urls: Option<BTreeMap<NodeId, BTreeMap<NodeId, String>>>,
    /// Further flags passed to every node (e.g. `--snapshot-threshold 50`).
    pub extra_args: Vec<String>,
    /// Independent Raft groups of `nodes` nodes each; with 2 or more, a
    /// two-phase-commit coordinator `c1` runs in front of them (1 = a plain cluster).
    pub shards: usize,
}

impl Default for ClusterSpec {
    /// Three raft nodes on 7001..7003 under `results/cluster`, run by the
    /// current executable with `node` (set `exe`/`exe_args` for other binaries).
    fn default() -> Self {
        ClusterSpec::new(
            std::env::current_exe().unwrap_or_else(|_| PathBuf::from("faultline")),
            vec!["node".into()],
            3,
            "results/cluster",
            7000,
        )
    }
}

impl ClusterSpec {
    /// A spec with default mode, no bugs, direct peer URLs and no extra flags.
    pub fn new(
        exe: impl Into<PathBuf>,
        exe_args: Vec<String>,
        nodes: usize,
        data_dir: impl Into<PathBuf>,
        base_port: u16,
    ) -> Self {
        ClusterSpec {
            exe: exe.into(),
            exe_args,
            nodes,
            mode: Mode::Raft,
            bugs: Vec::new(),
            data_dir: data_dir.into(),
            base_port,
            peer_urls: None,
            extra_args: Vec::new(),
            shards: 1,
        }
    }

    /// Every process, in port order: `n1..nN`, or with shards
    /// `s1n1..s1nN, s2n1, ...` followed by the coordinator `c1`.
    pub fn node_ids(&self) -> Vec<NodeId> {
        let mut ids: Vec<NodeId> = self.groups().into_iter().flatten().collect();
        ids.extend(self.coordinators());
        ids
    }

    /// Whether this spec runs several shards behind a coordinator.
    pub fn is_sharded(&self) -> bool {
        self.shards > 1
    }

    /// The Raft groups: one per shard, or the single plain group.
    pub fn groups(&self) -> Vec<Vec<NodeId>> {
        if !self.is_sharded() {
            return vec![(1..=self.nodes).map(NodeId::nth).collect()];
        }
        (1..=self.shards)
            .map(|s| (1..=self.nodes).map(|i| NodeId::shard_node(s, i)).collect())
            .collect()
    }

    /// The two-phase-commit coordinators (none without shards).
    pub fn coordinators(&self) -> Vec<NodeId> {
        if self.is_sharded() {
            vec![NodeId::coordinator(1)]
        } else {
            Vec::new()
        }
    }

    /// The address node `i` (1-based) listens on.
    pub fn addr_of(&self, i: usize) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.base_port + i as u16))
    }
}

struct NodeSlot {
    addr: SocketAddr,
    dir: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
}

/// A running local cluster; every node is killed when it is dropped.
pub struct Cluster {
    spec: ClusterSpec,
    nodes: Mutex<BTreeMap<NodeId, NodeSlot>>,
}

impl Cluster {
    /// Starts every node and waits until each accepts connections.
    pub fn start(spec: ClusterSpec) -> Result<Cluster, ClusterError> {
        if spec.nodes == 0 {
            return Err(ClusterError::InvalidArgument(
                "a cluster needs at least one node".into(),
            ));
        }
        spec.mode
            .check_bugs(&spec.bugs)
            .map_err(ClusterError::InvalidArgument)?;
        // Participants vote through Raft log entries, and a 2PC commit names
        // no keys for the read cache to invalidate.
        if spec.is_sharded()
            && (spec.mode != Mode::Raft || spec.extra_args.iter().any(|a| a == "--cache"))
        {
            return Err(ClusterError::InvalidArgument(
                "--shards needs raft mode without --cache".into(),
            ));
        }
        let ids = spec.node_ids();
        if spec.base_port as usize + ids.len() > u16::MAX as usize {
            return Err(ClusterError::InvalidArgument("base port too high".into()));
        }
        let addrs: BTreeMap<NodeId, SocketAddr> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), spec.addr_of(i + 1)))
            .collect();
        // The URL `from` uses to reach `to`: through the peer-URL map if
        // given (proxies), else direct.
        let url = |from: &NodeId, to: &NodeId| {
            spec.peer_urls
                .as_ref()
                .and_then(|m| m.get(from))
                .and_then(|m| m.get(to))
                .cloned()
                .unwrap_or_else(|| format!("http://{}", addrs[to]))
        };
        let groups = spec.groups();
        let coordinator = spec.coordinators().into_iter().next();
        let mut nodes = BTreeMap::new();
        for (i, id) in ids.iter().enumerate() {
            let addr = spec.addr_of(i + 1);
            let dir = spec.data_dir.join(id.as_str());
            std::fs::create_dir_all(&dir).map_err(|e| ClusterError::io("create", &dir, e))?;
            let mut args = spec.exe_args.clone();
            args.extend([
                "--id".into(),
                id.to_string(),
                "--listen".into(),
                addr.to_string(),
                "--data-dir".into(),
                dir.display().to_string(),
                "--mode".into(),
                spec.mode.to_string(),
            ]);
            if Some(id) == coordinator.as_ref() {
                args.extend(["--role".into(), "coordinator".into()]);
                for (s, group) in groups.iter().enumerate() {
                    let urls: Vec<String> = group.iter().map(|m| url(id, m)).collect();
                    args.extend(["--shard".into(), format!("{}={}", s + 1, urls.join(","))]);
                }
            } else {
                let group = groups.iter().find(|g| g.contains(id));
                for peer in group.into_iter().flatten() {
                    if peer != id {
                        args.extend(["--peer".into(), format!("{peer}={}", url(id, peer))]);
                    }
                }
                if let Some(c) = &coordinator {
                    args.extend(["--coordinator".into(), url(id, c)]);
                }
            }
            if !spec.bugs.is_empty() {
                let names: Vec<&str> = spec.bugs.iter().map(|b| b.name()).collect();
                args.extend(["--bug".into(), names.join(",")]);
            }
            args.extend(spec.extra_args.iter().cloned());
            nodes.insert(
                id.clone(),
                NodeSlot {
                    addr,
                    dir,
                    args,
                    child: None,
                },
            );
        }
        let cluster = Cluster {
            spec,
            nodes: Mutex::new(nodes),
        };
        for id in &ids {
            cluster.spawn(id)?;
        }
        for id in &ids {
            cluster.wait_accepting(id)?;
        }
        Ok(cluster)
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, BTreeMap<NodeId, NodeSlot>> {
        // Holders never panic mid-update; the map stays consistent.
        self.nodes.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn spawn(&self, id: &NodeId) -> Result<(), ClusterError> {
        let mut slots = self.slots();
        let slot = slots.get_mut(id).ok_or_else(|| unknown_node(id))?;
        let log_path = slot.dir.join("log");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| ClusterError::io("open", &log_path, e))?;
        let log2 = log
            .try_clone()
            .map_err(|e| ClusterError::io("open", &log_path, e))?;
        // A process group of its own: Ctrl-C at a terminal signals the whole
        // foreground group, and the harness must still heal and stop nodes itself.
        let child = Command::new(&self.spec.exe)
            .args(&slot.args)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| ClusterError::Process {
                node: id.to_string(),
                detail: format!("spawn {}: {e}", self.spec.exe.display()),
            })?;
        slot.child = Some(child);
        Ok(())
    }

    fn wait_accepting(&self, id: &NodeId) -> Result<(), ClusterError> {
        let addr = self.listen_addr(id).ok_or_else(|| unknown_node(id))?;
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if probe::accepts(addr) {
                return Ok(());
            }
            let exited = {
                let mut slots = self.slots();
                let slot = slots.get_mut(id).ok_or_else(|| unknown_node(id))?;
                match slot.child.as_mut().map(|c| c.try_wait()) {
                    Some(Ok(Some(status))) => Some(status),
                    _ => None,
                }
            };
            if let Some(status) = exited {
                return Err(ClusterError::Process {
                    node: id.to_string(),
                    detail: format!(
                        "exited with {status} at start; see {}",
                        self.log_path(id)
                            .map(|p| p.display().to_string())
                            .unwrap_or_default()
                    ),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(ClusterError::Process {
            node: id.to_string(),
            detail: format!("not accepting connections on {addr} after {START_TIMEOUT:?}"),
        })
    }

    /// The node ids, in order.
    pub fn node_ids(&self) -> Vec<NodeId> {
        self.slots().keys().cloned().collect()
    }

    /// The spec the cluster was started with.
    pub fn spec(&self) -> &ClusterSpec {
        &self.spec
    }

    /// The client URL of a node, e.g. `http://127.0.0.1:7001`.
    pub fn client_url(&self, id: &NodeId) -> Option<String> {
        self.listen_addr(id).map(|a| format!("http://{a}"))
    }

    /// Where clients send requests: the coordinators of a sharded cluster,
    /// else every node.
    pub fn client_endpoints(&self) -> Vec<(NodeId, String)> {
        let coordinators = self.spec.coordinators();
        self.slots()
            .iter()
            .filter(|(id, _)| coordinators.is_empty() || coordinators.contains(id))
            .map(|(id, s)| (id.clone(), format!("http://{}", s.addr)))
            .collect()
    }

    /// The client URLs of all nodes, in id order.
    pub fn client_urls(&self) -> Vec<String> {
        self.slots()
            .values()
            .map(|s| format!("http://{}", s.addr))
            .collect()
    }

    /// The address a node listens on (client and peer traffic).
    pub fn listen_addr(&self, id: &NodeId) -> Option<SocketAddr> {
        self.slots().get(id).map(|s| s.addr)
    }

    /// A node's data directory.
    pub fn node_dir(&self, id: &NodeId) -> Option<PathBuf> {
        self.slots().get(id).map(|s| s.dir.clone())
    }

    /// A node's log file.
    pub fn log_path(&self, id: &NodeId) -> Option<PathBuf> {
        self.node_dir(id).map(|d| d.join("log"))
    }

    /// The process id of a running node.
    pub fn pid(&self, id: &NodeId) -> Option<u32> {
        self.slots().get(id)?.child.as_ref().map(|c| c.id())
    }

    /// Whether a node's process is running (not killed, not exited).
    pub fn is_running(&self, id: &NodeId) -> bool {
        let mut slots = self.slots();
        match slots.get_mut(id).and_then(|s| s.child.as_mut()) {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// SIGKILLs a node and reaps it (no-op if it is not running).
    pub fn kill(&self, id: &NodeId) -> Result<(), ClusterError> {
        let mut slots = self.slots();
        let slot = slots.get_mut(id).ok_or_else(|| unknown_node(id))?;
        if let Some(mut child) = slot.child.take() {
            // A paused process dies of SIGKILL too; no SIGCONT needed.
            // kill() fails only if it already exited; wait() reaps either way.
            let _ = child.kill();
            child.wait().map_err(|e| ClusterError::Process {
                node: id.to_string(),
                detail: format!("reap: {e}"),
            })?;
        }
        Ok(())
    }

    /// Freezes a node with SIGSTOP (it keeps its sockets but answers nothing).
    pub fn pause(&self, id: &NodeId) -> Result<(), ClusterError> {
        self.signal(id, nix::sys::signal::Signal::SIGSTOP)
    }

    /// Thaws a node paused with [`Cluster::pause`] (SIGCONT).
    pub fn resume(&self, id: &NodeId) -> Result<(), ClusterError> {
        self.signal(id, nix::sys::signal::Signal::SIGCONT)
    }

    fn signal(&self, id: &NodeId, sig: nix::sys::signal::Signal) -> Result<(), ClusterError> {
        let pid = self.pid(id).ok_or_else(|| ClusterError::Process {
            node: id.to_string(),
            detail: "not running".into(),
        })?;
        let pid = i32::try_from(pid).map_err(|_| ClusterError::Process {
            node: id.to_string(),
            detail: format!("pid {pid} out of range"),
        })?;
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig).map_err(|e| {
            ClusterError::Process {
                node: id.to_string(),
                detail: format!("{sig}: {e}"),
            }
        })
    }

    /// (Re)starts a node with its original flags and data; kills it first if
    /// it is still running. Returns once it accepts connections.
    pub fn restart(&self, id: &NodeId) -> Result<(), ClusterError> {
        self.kill(id)?;
        self.spawn(id)?;
        self.wait_accepting(id)
    }

    /// Sets the node's wall-clock offset (`POST /admin/clock`; 0 resets it).
    /// The machine's clock is not touched: the node adds the offset to what
    /// it reads. A node that is down or frozen cannot take it, and says so
    /// within [`CLOCK_TIMEOUT`].
    pub fn set_clock_offset(&self, id: &NodeId, offset_ms: i64) -> Result<(), ClusterError> {
        let failed = |detail: String| ClusterError::Process {
            node: id.to_string(),
            detail,
        };
        let addr = self
            .listen_addr(id)
            .ok_or_else(|| failed("no such node".into()))?;
        let body = serde_json::json!({ "offset_ms": offset_ms }).to_string();
        match probe::post_json(addr, crate::wall_clock::admin::PATH, &body, CLOCK_TIMEOUT) {
            Some((200, _)) => Ok(()),
            Some((code, answer)) => Err(failed(format!(
                "POST {} answered {code}: {answer}",
                crate::wall_clock::admin::PATH
            ))),
            None => Err(failed(format!(
                "POST {} to {addr}: no answer within {CLOCK_TIMEOUT:?} (down or paused?)",
                crate::wall_clock::admin::PATH
            ))),
        }
    }

    /// `GET /status` of a node, if it answers.
    pub fn status(&self, id: &NodeId) -> Option<serde_json::Value> {
        let addr = self.listen_addr(id)?;
        let (code, body) = probe::get(addr, "/status", Duration::from_millis(500))?;
        (code == 200)
            .then(|| serde_json::from_str(&body).ok())
            .flatten()
    }

    /// The node that reports itself leader in the highest term, if any
    /// (with shards: among all groups).
    pub fn leader(&self) -> Option<NodeId> {
        self.leader_among(self.node_ids())
    }

    /// The leader of each Raft group (one group without shards), if every
    /// group has one.
    pub fn group_leaders(&self) -> Option<Vec<NodeId>> {
        self.spec
            .groups()
            .into_iter()
            .map(|g| self.leader_among(g))
            .collect()
    }

    fn leader_among(&self, ids: Vec<NodeId>) -> Option<NodeId> {
        let mut best: Option<(u64, NodeId)> = None;
        for id in ids {
            if !self.is_running(&id) {
                continue;
            }
            let Some(s) = self.status(&id) else { continue };
            let Some(term) = leading_term(&s) else {
                continue;
            };
            if best.as_ref().is_none_or(|(t, _)| term > *t) {
                best = Some((term, id));
            }
        }
        best.map(|(_, id)| id)
    }

    /// Waits until some node is leader (with shards: until every group has
    /// one; returns the first group's).
    pub fn wait_for_leader(&self, timeout: Duration) -> Result<NodeId, ClusterError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(l) = self.group_leaders().and_then(|l| l.into_iter().next()) {
                return Ok(l);
            }
            if Instant::now() >= deadline {
                return Err(ClusterError::NoLeader(timeout));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills every node (also done on drop).
    pub fn stop(&self) {
        for id in self.node_ids() {
            let _ = self.kill(&id);
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn unknown_node(id: &NodeId) -> ClusterError {
    ClusterError::InvalidArgument(format!("no node {id} in this cluster"))
}

/// The ports the kernel gives outgoing connections their local end from
/// (`net.ipv4.ip_local_port_range`; Linux's default where it cannot be read).
fn ephemeral_ports() -> (u16, u16) {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            let mut it = s.split_whitespace().map(|p| p.parse::<u16>().ok());
            Some((it.next()??, it.next()??))
        })
        .filter(|(lo, hi)| lo <= hi)
        .unwrap_or((32_768, 60_999))
}

/// Finds a base port such that `base..=base+n` are all free on 127.0.0.1
/// (node i then listens on `base + i`). Random starting points keep tests
/// running in parallel from colliding. The ports are found free here but
/// bound only when the nodes start, so they are taken outside the kernel's
/// ephemeral range: there, any client's outgoing connection (the harness
/// opens many) could take one in between, and the node would fail to start.
pub fn free_base_port(n: usize) -> u16 {
    const LOWEST: u32 = 10_000;
    let span = n as u32;
    let (lo, hi) = ephemeral_ports();
    // Bases whose whole span lies below or above the ephemeral range.
    let below = LOWEST..(u32::from(lo)).saturating_sub(span);
    let above = (u32::from(hi) + 1)..(u32::from(u16::MAX) + 1).saturating_sub(span);
    let sizes = [below.len() as u32, above.len() as u32];
    let mut rng = rand::rng();
    for _ in 0..500 {
        if sizes[0] + sizes[1] == 0 {
            break;
        }
        let pick = rng.random_range(0..sizes[0] + sizes[1]);
        let base = if pick < sizes[0] {
            below.start + pick
        } else {
            above.start + pick - sizes[0]
        };
        let Ok(base) = u16::try_from(base) else {
            continue;
        };
        let all_free = (0..=n as u16).all(|k| TcpListener::bind(("127.0.0.1", base + k)).is_ok());
        if all_free {
            return base;
        }
    }
    // Practically unreachable on a machine with free ports; the caller's
    // start will report the bind failure.
    20_000
}

/// The term in which a node's `GET /status` answer says it leads; `None`
/// when it does not claim to lead (a follower, a leaderless mode). A
/// deposed leader cut off from the rest may still claim it, in an older
/// term, so the highest term among the claims leads.
pub fn leading_term(status: &serde_json::Value) -> Option<u64> {
    (status.get("role")?.as_str()? == "leader").then(|| {
        status
            .get("term")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_node_whose_role_is_leader_leads_in_its_term() {
        use serde_json::json;
        assert_eq!(
            super::leading_term(&json!({"role": "leader", "term": 7})),
            Some(7)
        );
        assert_eq!(
            super::leading_term(&json!({"role": "follower", "term": 9})),
            None
        );
        assert_eq!(
            super::leading_term(&json!({"role": "proposer-acceptor", "leader": null})),
            None
        );
        assert_eq!(super::leading_term(&json!("not a status")), None);
    }
    use super::*;

    /// A base port for nodes that bind later is never in the range the
    /// kernel takes outgoing connections' ports from.
    #[test]
    fn base_ports_stay_out_of_the_ephemeral_range() {
        let (lo, hi) = ephemeral_ports();
        for n in [1, 3, 7, 12] {
            for _ in 0..200 {
                let base = free_base_port(n);
                let last = base as usize + n;
                assert!(
                    last < lo as usize || base > hi,
                    "{base}..={last} overlaps {lo}..={hi}"
                );
            }
        }
    }

    #[test]
    fn sharded_specs_name_every_process_and_refuse_other_modes() {
        let mut spec = ClusterSpec::new("unused", Vec::new(), 3, "unused", 40_000);
        assert_eq!(spec.node_ids().len(), 3);
        assert!(spec.coordinators().is_empty());
        spec.shards = 2;
        let ids: Vec<String> = spec.node_ids().iter().map(ToString::to_string).collect();
        assert_eq!(ids, ["s1n1", "s1n2", "s1n3", "s2n1", "s2n2", "s2n3", "c1"]);
        assert_eq!(spec.groups().len(), 2);
        spec.mode = Mode::Paxos;
        assert!(matches!(
            Cluster::start(spec.clone()),
            Err(ClusterError::InvalidArgument(_))
        ));
        spec.mode = Mode::Raft;
        spec.extra_args = vec!["--cache".into()];
        assert!(matches!(
            Cluster::start(spec),
            Err(ClusterError::InvalidArgument(_))
        ));
    }
}
