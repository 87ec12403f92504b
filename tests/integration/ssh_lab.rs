//! Hosts for the SSH-node tests on one machine: network namespaces on a
//! bridge, each with its own sshd accepting a key made for the test, and
//! what the tests read back from them (nft tables, iptables chains,
//! stopped processes, a run's results). Shared by the tests of bundled
//! nodes and of etcd over SSH, which also share one lock: a lab at a time.

use crate::requirements;

use faultline_nemeses::NetnsLab;
use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One lab at a time: each test starts sshds and a cluster, and the
/// machine is small.
pub static SERIAL: Mutex<()> = Mutex::new(());

pub const NODES: [&str; 3] = ["n1", "n2", "n3"];

/// Deletes the namespaces and kills what the test started, on every path.
pub struct Lab {
    lab: Option<NetnsLab>,
    sshds: Vec<Child>,
    dir: tempfile::TempDir,
    pub harness: Ipv4Addr,
}

impl Drop for Lab {
    fn drop(&mut self) {
        // The nodes were started over SSH, so they are no children of this
        // process: their pid files say which they are.
        for node in NODES {
            if let Ok(pid) =
                std::fs::read_to_string(self.dir.path().join(format!("pids/{node}.pid")))
                && let Ok(pid) = pid.trim().parse::<i32>()
            {
                let _ = Command::new("kill")
                    .args(["-CONT", &pid.to_string()])
                    .status();
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
        for sshd in &mut self.sshds {
            let _ = sshd.kill();
            let _ = sshd.wait();
        }
        // Killing a listening sshd leaves its sessions running, and a
        // session whose client died with a SIGKILLed harness never hears
        // the connection close once its namespace is gone: it would outlive
        // the test for hours. Whatever is still in a namespace goes too.
        if let Some(lab) = &self.lab {
            for node in lab.nodes().values() {
                for (pid, _, _) in processes_in(&node.namespace) {
                    let _ = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                }
            }
        }
        drop(self.lab.take());
    }
}

impl Lab {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn nodes(&self) -> Vec<(String, String, Ipv4Addr)> {
        let lab = self.lab.as_ref().expect("the lab lives until drop");
        NODES
            .iter()
            .map(|n| {
                let node = &lab.nodes()[*n];
                (n.to_string(), node.namespace.clone(), node.address)
            })
            .collect()
    }
}

pub fn sbin(tool: &str) -> PathBuf {
    requirements::on_path(tool).unwrap_or_else(|| Path::new("/usr/sbin").join(tool))
}

pub fn ok(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Namespaces n1..n3 on a bridge the harness can reach, with an sshd in
/// each accepting the test's key.
pub fn lab() -> Lab {
    let names: Vec<String> = NODES.iter().map(|s| s.to_string()).collect();
    let netns = NetnsLab::create(&names).unwrap();
    let harness = netns.address_bridge().unwrap();
    let dir = tempfile::Builder::new()
        .prefix("fl-ssh-test")
        .tempdir()
        .unwrap();
    let mut lab = Lab {
        lab: Some(netns),
        sshds: Vec::new(),
        dir,
        harness,
    };
    let p = lab.path().to_path_buf();
    for sub in ["logs", "pids", "data"] {
        std::fs::create_dir_all(p.join(sub)).unwrap();
    }
    let key = generate_key(&p);
    for (name, ns, address) in lab.nodes() {
        let config = sshd_config(&p, &name, address, 22, &key);
        let sshd = Command::new("ip")
            .args(["netns", "exec", &ns])
            .arg(sbin("sshd"))
            .args(sshd_args(&config))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(p.join(format!("{name}_sshd.log"))).unwrap())
            .spawn()
            .unwrap();
        lab.sshds.push(sshd);
        wait_listening(address, 22);
    }
    lab
}

/// The test's client key `dir/id`, authorized in `dir/authorized_keys`
/// (the file every sshd of the test reads); returns the key's path.
pub fn generate_key(dir: &Path) -> PathBuf {
    // sshd refuses to start without its privilege-separation directory.
    std::fs::create_dir_all("/run/sshd").unwrap();
    let key = dir.join("id");
    if !key.exists() {
        ok(Command::new(sbin("ssh-keygen"))
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&key));
        std::fs::copy(dir.join("id.pub"), dir.join("authorized_keys")).unwrap();
    }
    key
}

/// An sshd config named `name` in `dir` listening only on
/// `address:port`, with its own host key and pid file, accepting `key`
/// for root and nothing else (no PAM, no passwords; no StrictModes, since
/// the files live in a temp dir).
pub fn sshd_config(dir: &Path, name: &str, address: Ipv4Addr, port: u16, key: &Path) -> PathBuf {
    let host_key = dir.join(format!("{name}_host"));
    ok(Command::new(sbin("ssh-keygen"))
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&host_key));
    let authorized = key.with_file_name("authorized_keys");
    let config = dir.join(format!("{name}_sshd_config"));
    std::fs::write(
        &config,
        format!(
            "ListenAddress {address}\nPort {port}\nHostKey {}\nPidFile {}\n\
             AuthorizedKeysFile {}\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             UsePAM no\nStrictModes no\nPubkeyAuthentication yes\n",
            host_key.display(),
            dir.join(format!("{name}_sshd.pid")).display(),
            authorized.display(),
        ),
    )
    .unwrap();
    config
}

/// sshd's arguments after its (absolute) path: in the foreground, logging
/// to stderr, with `config`.
pub fn sshd_args(config: &Path) -> Vec<std::ffi::OsString> {
    vec!["-D".into(), "-e".into(), "-f".into(), config.into()]
}

/// Waits (at most 20 s) until `address:port` accepts connections.
pub fn wait_listening(address: Ipv4Addr, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect_timeout(&(address, port).into(), Duration::from_secs(1)).is_err() {
        assert!(
            Instant::now() < deadline,
            "sshd on {address}:{port} did not come up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A TOML basic string holding `s` exactly.
pub fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn faultline(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_faultline"));
    cmd.args(args).stdin(Stdio::null());
    cmd
}

/// Runs to the end within a bound; returns the status and stderr.
pub fn run(cmd: &mut Command) -> (ExitStatus, String) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status, err);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{cmd:?} did not finish within 240 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The one results directory under `results/<name>/`.
pub fn results_of(lab: &Lab, name: &str) -> PathBuf {
    let runs = crate::run_support::run_dirs(&lab.path().join("results"), name);
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs[0].clone()
}

pub fn history_has(dir: &Path, f: &str) -> bool {
    let history = std::fs::read_to_string(dir.join("history.jsonl")).unwrap();
    history
        .lines()
        .any(|l| l.contains("\"nemesis\"") && l.contains(&format!("\"f\":\"{f}\"")))
}

pub fn has_faultline_table(ns: &str) -> bool {
    Command::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            "nft",
            "list",
            "table",
            "inet",
            "faultline",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Nodes whose process is stopped (state T).
pub fn stopped_nodes(lab: &Lab) -> Vec<String> {
    NODES
        .iter()
        .filter(|n| {
            std::fs::read_to_string(lab.path().join(format!("pids/{n}.pid")))
                .ok()
                .and_then(|pid| std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).ok())
                .and_then(|stat| {
                    stat.rsplit_once(')')
                        .map(|(_, rest)| rest.trim_start().starts_with('T'))
                })
                .unwrap_or(false)
        })
        .map(|n| n.to_string())
        .collect()
}

pub fn iptables_has_chain(ns: &str, chain: &str) -> bool {
    Command::new("ip")
        .args(["netns", "exec", ns, "iptables", "-w", "-S", chain])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

pub fn has_nft_table(ns: &str, table: &str) -> bool {
    Command::new("ip")
        .args(["netns", "exec", ns, "nft", "list", "table", "inet", table])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The processes in namespace `ns` (`ip netns pids`) as (pid, command
/// name, state letter): what a run left running there, or stopped.
pub fn processes_in(ns: &str) -> Vec<(u32, String, char)> {
    // Also called from Drop, where a panic while unwinding would abort.
    let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // comm is in parentheses and may hold spaces: the state follows the last `)`.
            let (head, rest) = stat.rsplit_once(')')?;
            let comm = head.split_once('(')?.1.to_string();
            let state = rest.trim_start().chars().next()?;
            Some((pid.parse().ok()?, comm, state))
        })
        .collect()
}

/// An sshd in this machine's own network namespace, listening only on
/// 127.0.0.1 at a free port and accepting the test's key: `[[nodes]]`
/// whose host is 127.0.0.1 then run processes on this machine. Drop kills
/// it and its sessions, on every path.
pub struct LocalSshd {
    sshd: Child,
    pub port: u16,
}

impl LocalSshd {
    /// Starts it with its files in `dir`, accepting `dir/id` (made if need be).
    pub fn start(dir: &Path) -> LocalSshd {
        let key = generate_key(dir);
        let port = free_port();
        let config = sshd_config(dir, "local", Ipv4Addr::LOCALHOST, port, &key);
        let sshd = Command::new(sbin("sshd"))
            .args(sshd_args(&config))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("local_sshd.log")).unwrap())
            .spawn()
            .unwrap();
        let local = LocalSshd { sshd, port };
        wait_listening(Ipv4Addr::LOCALHOST, port);
        local
    }
}

impl Drop for LocalSshd {
    fn drop(&mut self) {
        // Its sessions are its children; killed first, they are still
        // found by their parent (a killed sshd's would go to init).
        for pid in descendants(self.sshd.id()) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        let _ = self.sshd.kill();
        let _ = self.sshd.wait();
    }
}

/// A port on 127.0.0.1 that nothing listened on a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `pid`'s children, their children and so on (one pass over /proc per
/// generation, at most 16 generations).
fn descendants(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let child: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            // The parent is the second field after the `)` closing comm.
            let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?;
            Some((child, ppid.parse().ok()?))
        })
        .collect();
    let mut found = Vec::new();
    let mut generation = vec![pid];
    for _ in 0..16 {
        generation = parents
            .iter()
            .filter(|(_, parent)| generation.contains(parent))
            .map(|(child, _)| *child)
            .collect();
        if generation.is_empty() {
            break;
        }
        found.extend(&generation);
    }
    found
}

/// The `faultline node` processes, anywhere on this machine, with an
/// argument under `dir` (their data directory): what a run left running.
pub fn node_processes_under(dir: &Path) -> Vec<(u32, String)> {
    let dir = dir.display().to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let args: Vec<String> = cmdline
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            (args.get(1).is_some_and(|a| a == "node") && args.iter().any(|a| a.starts_with(&dir)))
                .then(|| (pid, args.join(" ")))
        })
        .collect()
}
