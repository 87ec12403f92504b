//! Latency between nodes on other hosts with tc netem, Jepsen's way: a
//! netem qdisc at the root of the interface each node reaches its peers
//! through. Kernels without netem (no `sch_netem`) are found up front, by
//! adding and removing a zero-delay netem qdisc on each node, so a run that
//! asks for latency there stops before any load with that reason instead of
//! failing at its first fault.
//!
//! The qdisc carries faultline's own handle, so a heal (and `faultline
//! heal`) removes only a netem qdisc faultline added, never the host's own.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};

use super::fanout::{Job, first_error, run_all};
use super::node::RemoteNode;
use super::ssh::SshClient;
use crate::control::BoxFuture;
use crate::error::NemesisError;
use crate::latency::{LatencyBackend, Slowdown};

/// The handle of faultline's netem qdiscs (`tc qdisc ... handle 5fa1:`).
pub const NETEM_HANDLE: &str = "5fa1:";

/// Removes faultline's netem qdisc from every interface of a host where
/// one is at the root; nothing else. For `faultline heal`, which does not
/// know which interface a run used.
pub fn heal_netem_argv() -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        format!(
            "command -v tc >/dev/null 2>&1 || exit 0; \
             for d in $(ls /sys/class/net); do \
             tc qdisc show dev \"$d\" root 2>/dev/null | grep -q '^qdisc netem {NETEM_HANDLE} ' \
             && tc qdisc del dev \"$d\" root handle {NETEM_HANDLE}; done; exit 0"
        ),
    ]
}

/// Delay (and jitter, and loss) on every node's interface toward its peers.
pub struct SshNetem {
    client: Arc<SshClient>,
    nodes: Vec<RemoteNode>,
    timeout: Duration,
    /// Node → the interface its peers are reached through (from `probe`).
    devices: Mutex<BTreeMap<String, String>>,
}

impl SshNetem {
    /// Latency between `nodes`, each command within `timeout`; call
    /// [`SshNetem::probe`] before the first fault.
    pub fn new(client: Arc<SshClient>, nodes: Vec<RemoteNode>, timeout: Duration) -> SshNetem {
        SshNetem {
            client,
            nodes,
            timeout,
            devices: Mutex::new(BTreeMap::new()),
        }
    }

    /// Finds each node's interface toward a peer and checks that netem
    /// works there (adds and removes a zero-delay netem qdisc); an error
    /// names the host and, where netem is missing, `sch_netem`.
    pub async fn probe(&self) -> Result<(), NemesisError> {
        let jobs: Vec<Job> = self
            .nodes
            .iter()
            .map(|n| {
                let peer = self
                    .nodes
                    .iter()
                    .find(|p| p.name != n.name)
                    .map_or_else(|| n.address.to_string(), |p| p.address.to_string());
                Job {
                    node: n.name.clone(),
                    target: n.ssh.clone(),
                    argv: n.privileged(probe_argv(&peer)),
                }
            })
            .collect();
        let mut devices = BTreeMap::new();
        for (node, result) in run_all(&self.client, jobs, self.timeout).await {
            let out = result.map_err(|e| match e {
                NemesisError::Remote { .. } if e.to_string().contains("netem") => {
                    NemesisError::NetemUnavailable(format!(
                        "{node}: tc netem does not work there (kernel module sch_netem \
                         missing? try `modprobe sch_netem`): {e}"
                    ))
                }
                other => other,
            })?;
            let device = String::from_utf8_lossy(&out).trim().to_string();
            if device.is_empty() {
                return Err(NemesisError::NetemUnavailable(format!(
                    "{node}: found no interface toward its peers"
                )));
            }
            devices.insert(node, device);
        }
        *self.devices.lock().unwrap_or_else(PoisonError::into_inner) = devices;
        Ok(())
    }

    fn jobs(&self, argv: impl Fn(&str) -> Vec<String>) -> Result<Vec<Job>, NemesisError> {
        let devices = self.devices.lock().unwrap_or_else(PoisonError::into_inner);
        self.nodes
            .iter()
            .map(|n| {
                let device = devices.get(&n.name).ok_or_else(|| {
                    NemesisError::NetemUnavailable(format!("{}: not probed for netem", n.name))
                })?;
                Ok(Job {
                    node: n.name.clone(),
                    target: n.ssh.clone(),
                    argv: n.privileged(argv(device)),
                })
            })
            .collect()
    }
}

/// Prints the interface toward `peer` after checking that a netem qdisc
/// can be added there (and removing it). Fails mentioning netem when the
/// kernel has none.
fn probe_argv(peer: &str) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        format!(
            "d=$(ip -o route get \"$1\" | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p'); \
             [ -n \"$d\" ] || {{ echo \"no route to $1\" >&2; exit 1; }}; \
             tc qdisc add dev \"$d\" root handle {NETEM_HANDLE} netem delay 0ms \
             || {{ echo \"tc netem failed on $d\" >&2; exit 1; }}; \
             tc qdisc del dev \"$d\" root handle {NETEM_HANDLE}; echo \"$d\""
        ),
        "probe".into(),
        peer.into(),
    ]
}

impl LatencyBackend for SshNetem {
    fn name(&self) -> &'static str {
        "ssh-netem"
    }

    fn slow(&self, slowdown: Slowdown) -> BoxFuture<'_, Result<Value, NemesisError>> {
        Box::pin(async move {
            let delay = format!("{}ms", slowdown.delay.as_millis());
            let jitter = format!("{}ms", slowdown.jitter.as_millis());
            let loss = format!("{:.1}%", slowdown.loss * 100.0);
            let jobs = self.jobs(|device| {
                let mut argv: Vec<String> = [
                    "tc",
                    "qdisc",
                    "replace",
                    "dev",
                    device,
                    "root",
                    "handle",
                    NETEM_HANDLE,
                    "netem",
                    "delay",
                    &delay,
                    &jitter,
                ]
                .iter()
                .map(|s| s.to_string())
                .collect();
                if slowdown.loss > 0.0 {
                    argv.extend(["loss".to_string(), loss.clone()]);
                }
                argv
            })?;
            first_error(run_all(&self.client, jobs, self.timeout).await)?;
            let nodes: Vec<&str> = self.nodes.iter().map(|n| n.name.as_str()).collect();
            Ok(json!({ "nodes": nodes }))
        })
    }

    fn restore(&self) -> BoxFuture<'_, Result<(), NemesisError>> {
        Box::pin(async move {
            let jobs = self.jobs(|_| heal_netem_argv())?;
            first_error(run_all(&self.client, jobs, self.timeout).await)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heal_removes_only_faultlines_handle() {
        let script = heal_netem_argv().join(" ");
        assert!(script.contains("'^qdisc netem 5fa1: '"), "{script}");
        assert!(
            script.contains("del dev \"$d\" root handle 5fa1:"),
            "{script}"
        );
    }

    #[test]
    fn the_probe_adds_and_removes_a_netem_qdisc() {
        let argv = probe_argv("10.0.0.2");
        assert_eq!(argv.last().map(String::as_str), Some("10.0.0.2"));
        assert!(argv[2].contains("netem delay 0ms"));
        assert!(argv[2].contains("tc qdisc del"));
    }
}
