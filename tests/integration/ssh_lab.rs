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
    // sshd refuses to start without its privilege-separation directory.
    std::fs::create_dir_all("/run/sshd").unwrap();
    ok(Command::new(sbin("ssh-keygen"))
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(p.join("id")));
    std::fs::copy(p.join("id.pub"), p.join("authorized_keys")).unwrap();
    for (name, ns, address) in lab.nodes() {
        let host_key = p.join(format!("{name}_host"));
        ok(Command::new(sbin("ssh-keygen"))
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&host_key));
        let config = p.join(format!("{name}_sshd_config"));
        std::fs::write(
            &config,
            format!(
                "ListenAddress {address}\nPort 22\nHostKey {}\nPidFile {}\n\
                 AuthorizedKeysFile {}\nPermitRootLogin prohibit-password\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 UsePAM no\nStrictModes no\nPubkeyAuthentication yes\n",
                host_key.display(),
                p.join(format!("{name}_sshd.pid")).display(),
                p.join("authorized_keys").display(),
            ),
        )
        .unwrap();
        let sshd = Command::new("ip")
            .args(["netns", "exec", &ns])
            .arg(sbin("sshd"))
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(p.join(format!("{name}_sshd.log"))).unwrap())
            .spawn()
            .unwrap();
        lab.sshds.push(sshd);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&(address, 22).into(), Duration::from_secs(1)).is_err() {
            assert!(
                Instant::now() < deadline,
                "sshd on {address} did not come up"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    lab
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
    let runs: Vec<PathBuf> = std::fs::read_dir(lab.path().join("results").join(name))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
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
