//! Shared test helpers: echo-server processes as "nodes" and a NodeControl over them.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use faultline_nemeses::{BoxFuture, NemesisError, NodeControl};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

pub const SERVER: &str = env!("CARGO_BIN_EXE_nemesis-test-server");

/// Starts the echo server on `addr` (port 0 = any) and returns it with its real address.
pub fn spawn_server(addr: &str) -> (Child, SocketAddr) {
    let mut child = Command::new(SERVER)
        .args(["serve", addr])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn test server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read listening line");
    let bound = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("unexpected server output {line:?}"))
        .parse()
        .expect("address");
    (child, bound)
}

/// Sends a line on a new connection and expects it echoed within `timeout`.
pub async fn ping(addr: SocketAddr, timeout: Duration) -> bool {
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        stream.write_all(b"ping\n").await.ok()?;
        let mut line = String::new();
        tokio::io::BufReader::new(&mut stream)
            .read_line(&mut line)
            .await
            .ok()?;
        Some(line == "ping\n")
    };
    matches!(tokio::time::timeout(timeout, attempt).await, Ok(Some(true)))
}

/// Retries `ping` until it succeeds or `deadline` passes (a restarted server needs a moment).
pub async fn eventually_pings(addr: SocketAddr, deadline: Duration) -> bool {
    let start = tokio::time::Instant::now();
    while start.elapsed() < deadline {
        if ping(addr, Duration::from_millis(500)).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Nodes n1..nN as echo-server processes with fixed addresses, restartable.
pub struct ProcessControl {
    addrs: BTreeMap<String, SocketAddr>,
    children: Mutex<BTreeMap<String, Option<Child>>>,
    pub leader: Mutex<Option<String>>,
}

impl ProcessControl {
    pub fn start(n: usize) -> Self {
        let mut addrs = BTreeMap::new();
        let mut children = BTreeMap::new();
        for i in 1..=n {
            let (child, addr) = spawn_server("127.0.0.1:0");
            addrs.insert(format!("n{i}"), addr);
            children.insert(format!("n{i}"), Some(child));
        }
        ProcessControl {
            addrs,
            children: Mutex::new(children),
            leader: Mutex::new(None),
        }
    }

    pub fn addr(&self, node: &str) -> SocketAddr {
        self.addrs[node]
    }

    pub fn targets(&self) -> Vec<(String, SocketAddr)> {
        self.addrs.iter().map(|(n, a)| (n.clone(), *a)).collect()
    }

    pub fn running(&self, node: &str) -> bool {
        self.children.lock().unwrap()[node].is_some()
    }
}

impl NodeControl for ProcessControl {
    fn nodes(&self) -> Vec<String> {
        self.addrs.keys().cloned().collect()
    }

    fn kill<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let child = self
                .children
                .lock()
                .unwrap()
                .get_mut(node)
                .and_then(Option::take);
            let mut child =
                child.ok_or_else(|| NemesisError::control("kill", node, "not running"))?;
            child
                .kill()
                .map_err(|e| NemesisError::control("kill", node, e))?;
            child
                .wait()
                .map_err(|e| NemesisError::control("kill", node, e))?;
            Ok(())
        })
    }

    fn start<'a>(&'a self, node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let addr = *self
                .addrs
                .get(node)
                .ok_or_else(|| NemesisError::UnknownNode(node.into()))?;
            let (child, _) = spawn_server(&addr.to_string());
            self.children
                .lock()
                .unwrap()
                .insert(node.to_string(), Some(child));
            Ok(())
        })
    }

    fn pid(&self, node: &str) -> Option<u32> {
        self.children
            .lock()
            .unwrap()
            .get(node)?
            .as_ref()
            .map(Child::id)
    }

    fn leader(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async move { self.leader.lock().unwrap().clone() })
    }
}

impl Drop for ProcessControl {
    fn drop(&mut self) {
        for child in self.children.lock().unwrap().values_mut().flatten() {
            // A paused child must be thawed or SIGKILL still works; kill is enough.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A NodeControl for tests that only need node names (partitions, schedules).
pub struct NamesOnly(pub Vec<String>);

impl NodeControl for NamesOnly {
    fn nodes(&self) -> Vec<String> {
        self.0.clone()
    }
    fn kill<'a>(&'a self, _node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async { Ok(()) })
    }
    fn start<'a>(&'a self, _node: &'a str) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async { Ok(()) })
    }
    fn pid(&self, _node: &str) -> Option<u32> {
        None
    }
    fn leader(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async { None })
    }
}
