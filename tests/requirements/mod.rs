//! What a test needs from the machine beyond the checkout (etcd, Chromium,
//! root with iproute2 and nftables, Redis with webdis), and what happens
//! when it is missing.
//!
//! A fresh clone must pass `cargo test --workspace` on a machine that has
//! none of these, so a test whose need is missing says so in one line and
//! returns. CI sets `FAULTLINE_REQUIRE=etcd,chromium,redis,root`: there a missing
//! need fails the test instead, so nothing is silently skipped where it
//! should run.
//!
//! Shared by every test crate of the workspace (included by `#[path]`).
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;

/// Something a test needs that a fresh machine may not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The `etcd` executable on the PATH (Debian: etcd-server).
    Etcd,
    /// The `chromium` executable on the PATH (Debian: chromium).
    Chromium,
    /// Running as root with `ip` (iproute2) and `nft` (nftables) on the PATH.
    Root,
    /// [`Need::Root`] and OpenSSH: `sshd`, `ssh` and `ssh-keygen` (Debian:
    /// openssh-server, openssh-client); named `root` in `FAULTLINE_REQUIRE`.
    RootSsh,
    /// [`Need::RootSsh`] and `iptables`; named `root` in `FAULTLINE_REQUIRE`.
    RootIptables,
    /// `redis-server`, `redis-cli` (Debian: redis-server) and `webdis` on the PATH.
    Redis,
}

impl Need {
    /// The name used in `FAULTLINE_REQUIRE`.
    fn name(self) -> &'static str {
        match self {
            Need::Etcd => "etcd",
            Need::Chromium => "chromium",
            Need::Root | Need::RootSsh | Need::RootIptables => "root",
            Need::Redis => "redis",
        }
    }

    /// Why the need is not met here, or `None` when it is.
    fn missing(self) -> Option<String> {
        match self {
            Need::Etcd => on_path("etcd")
                .is_none()
                .then(|| "no `etcd` on the PATH (apt-get install -y etcd-server)".to_string()),
            Need::Chromium => on_path("chromium")
                .is_none()
                .then(|| "no `chromium` on the PATH (apt-get install -y chromium)".to_string()),
            Need::Root => {
                if !is_root() {
                    Some("not running as root".to_string())
                } else if on_path("ip").is_none() {
                    Some("no `ip` on the PATH (apt-get install -y iproute2)".to_string())
                } else if on_path("nft").is_none() {
                    Some("no `nft` on the PATH (apt-get install -y nftables)".to_string())
                } else {
                    None
                }
            }
            Need::RootSsh => Need::Root.missing().or_else(|| {
                ["sshd", "ssh", "ssh-keygen"]
                    .into_iter()
                    .find(|tool| {
                        on_path(tool).is_none()
                            && !std::path::Path::new("/usr/sbin").join(tool).is_file()
                    })
                    .map(|tool| {
                        format!("no `{tool}` (apt-get install -y openssh-server openssh-client)")
                    })
            }),
            Need::RootIptables => Need::RootSsh.missing().or_else(|| {
                (on_path("iptables").is_none()
                    && !std::path::Path::new("/usr/sbin/iptables").is_file())
                .then(|| "no `iptables` (apt-get install -y iptables)".to_string())
            }),
            Need::Redis => ["redis-server", "redis-cli", "webdis"]
                .into_iter()
                .find(|tool| on_path(tool).is_none())
                .map(|tool| {
                    format!("no `{tool}` on the PATH (apt-get install -y redis-server webdis)")
                }),
        }
    }
}

/// The needs `FAULTLINE_REQUIRE` (comma-separated) says must be met.
fn required() -> Vec<String> {
    std::env::var("FAULTLINE_REQUIRE")
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// True when `need` is met. Otherwise prints one line naming the test and
/// why it is skipped and returns false, or panics when `FAULTLINE_REQUIRE`
/// names the need.
pub fn have(need: Need, test: &str) -> bool {
    let Some(why) = need.missing() else {
        return true;
    };
    if required().iter().any(|r| r == need.name() || r == "all") {
        panic!("{test}: {why}, and FAULTLINE_REQUIRE names {}", need.name());
    }
    // Written to the process's stderr directly, not through eprintln!, so
    // that the test harness's output capture does not swallow the line.
    let _ = writeln!(
        std::io::stderr(),
        "skipped {test}: {why} (set FAULTLINE_REQUIRE={} to make this an error)",
        need.name()
    );
    false
}

/// The first `name` executable on the PATH.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn is_root() -> bool {
    // The effective uid is the first number on /proc/self/status's Uid line
    // after the real one; both are 0 for root.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}
