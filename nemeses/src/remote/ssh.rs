//! Running argv commands on other hosts through the system `ssh` client
//! (OpenSSH): the engine users already configure and trust, with one
//! multiplexed master connection per host so a fault on nine nodes is not
//! nine handshakes, and a known-hosts file of the run's own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::quote::command_line;
use crate::error::NemesisError;

/// How long establishing a master connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Idle seconds after which a forgotten master exits by itself, should the
/// harness die before closing it.
const PERSIST_SECS: u32 = 300;
/// How much of a failed command's stderr an error quotes.
const STDERR_TAIL: usize = 2000;

/// Where and as whom to log in on one host.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SshTarget {
    /// Host name or address.
    pub host: String,
    /// The sshd port.
    pub port: u16,
    /// The remote user; `None`: ssh's default (the local user or ssh_config's).
    pub user: Option<String>,
    /// A private key file; `None`: ssh's defaults and agent.
    pub key: Option<PathBuf>,
}

impl std::fmt::Display for SshTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.user {
            Some(user) => write!(f, "{user}@{}:{}", self.host, self.port),
            None => write!(f, "{}:{}", self.host, self.port),
        }
    }
}

/// The SSH side of one run: a private directory holding the control
/// sockets and the run's known-hosts file, and which hosts have a master.
pub struct SshClient {
    dir: tempfile::TempDir,
    /// Per host, whether its master connection is up; the async lock makes
    /// concurrent first commands to a host wait for one handshake.
    masters: std::sync::Mutex<BTreeMap<SshTarget, Arc<tokio::sync::Mutex<bool>>>>,
}

impl std::fmt::Debug for SshClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshClient")
            .field("dir", &self.dir.path())
            .finish()
    }
}

impl SshClient {
    /// A client with a fresh private directory (in the system's temp dir,
    /// kept short: a control socket's path must fit a unix socket address).
    pub fn new() -> Result<SshClient, NemesisError> {
        let dir = tempfile::Builder::new()
            .prefix("fl-ssh")
            .tempdir()
            .map_err(|e| NemesisError::io("creating the SSH control directory", e))?;
        Ok(SshClient {
            dir,
            masters: std::sync::Mutex::new(BTreeMap::new()),
        })
    }

    /// The run's own known-hosts file: host keys are accepted on first
    /// contact and then held to for the run, and the user's file is neither
    /// read nor written.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    fn options(&self, target: &SshTarget) -> Vec<String> {
        let mut args: Vec<String> = Vec::new();
        let mut opt = |o: String| {
            args.push("-o".into());
            args.push(o);
        };
        opt("BatchMode=yes".into());
        opt("StrictHostKeyChecking=accept-new".into());
        opt(format!(
            "UserKnownHostsFile={}",
            self.known_hosts().display()
        ));
        opt("GlobalKnownHostsFile=/dev/null".into());
        opt(format!("ControlPath={}", control_path(self.dir.path())));
        opt(format!("ConnectTimeout={}", CONNECT_TIMEOUT.as_secs()));
        opt("ServerAliveInterval=5".into());
        opt("ServerAliveCountMax=3".into());
        args.extend(["-p".into(), target.port.to_string()]);
        if let Some(user) = &target.user {
            args.extend(["-l".into(), user.clone()]);
        }
        if let Some(key) = &target.key {
            args.extend(["-i".into(), key.display().to_string()]);
            args.extend(["-o".into(), "IdentitiesOnly=yes".into()]);
        }
        args
    }

    fn master_lock(&self, target: &SshTarget) -> Arc<tokio::sync::Mutex<bool>> {
        let mut masters = self.masters.lock().unwrap_or_else(|p| p.into_inner());
        masters.entry(target.clone()).or_default().clone()
    }

    /// Opens the master connection to `target` unless one is up (`argv`,
    /// the command waiting for it, is named if it fails). The master
    /// is started on its own (`-f -N`) with its stderr in a file, because a
    /// master forked by an ordinary command would hold that command's
    /// output pipes open for as long as it lives.
    async fn ensure_master(&self, target: &SshTarget, argv: &[String]) -> Result<(), NemesisError> {
        let lock = self.master_lock(target);
        let mut up = lock.lock().await;
        if *up {
            return Ok(());
        }
        let log = self
            .dir
            .path()
            .join(format!("master-{}-{}.log", target.host, target.port));
        let stderr = std::fs::File::create(&log)
            .map_err(|e| NemesisError::io(format!("creating {}", log.display()), e))?;
        let mut master = self.options(target);
        master.extend([
            "-o".into(),
            "ControlMaster=yes".into(),
            "-o".into(),
            format!("ControlPersist={PERSIST_SECS}"),
            "-f".into(),
            "-N".into(),
            target.host.clone(),
        ]);
        let child = tokio::process::Command::new("ssh")
            .args(&master)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| NemesisError::io("starting `ssh` (is OpenSSH installed?)", e))?;
        let status = match tokio::time::timeout(CONNECT_TIMEOUT * 2, child.wait_with_output()).await
        {
            Ok(out) => {
                out.map_err(|e| NemesisError::io(format!("connecting to {target}"), e))?
                    .status
            }
            Err(_) => {
                return Err(NemesisError::RemoteTimeout {
                    host: target.to_string(),
                    argv: argv.to_vec(),
                    timeout: CONNECT_TIMEOUT * 2,
                });
            }
        };
        if !status.success() {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(NemesisError::Remote {
                host: target.to_string(),
                argv: argv.to_vec(),
                status: format!("{status} (connecting)"),
                stderr: tail(&text),
            });
        }
        *up = true;
        Ok(())
    }

    /// Runs `argv` on `target` (each element one word for the remote
    /// shell) and returns its stdout; a non-zero exit, an SSH failure or
    /// `timeout` is an error naming the host, the argv, the status and the
    /// end of stderr. A timed-out command's local `ssh` is killed, which
    /// closes its session; a remote program that ignores the hangup may
    /// live on.
    pub async fn run(
        &self,
        target: &SshTarget,
        argv: &[String],
        timeout: Duration,
    ) -> Result<Vec<u8>, NemesisError> {
        if argv.is_empty() {
            return Err(NemesisError::BadCommand(format!(
                "empty command for {target}"
            )));
        }
        self.ensure_master(target, argv).await?;
        let mut args = self.options(target);
        // A master that died is no reason to fail: without one, ssh
        // connects on its own.
        args.extend([
            "-o".into(),
            "ControlMaster=no".into(),
            target.host.clone(),
            "--".into(),
            command_line(argv),
        ]);
        let child = tokio::process::Command::new("ssh")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| NemesisError::io("starting `ssh` (is OpenSSH installed?)", e))?;
        let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
            Ok(out) => out.map_err(|e| NemesisError::io(format!("ssh {target} {argv:?}"), e))?,
            Err(_) => {
                return Err(NemesisError::RemoteTimeout {
                    host: target.to_string(),
                    argv: argv.to_vec(),
                    timeout,
                });
            }
        };
        if !output.status.success() {
            return Err(NemesisError::Remote {
                host: target.to_string(),
                argv: argv.to_vec(),
                status: output.status.to_string(),
                stderr: tail(&String::from_utf8_lossy(&output.stderr)),
            });
        }
        Ok(output.stdout)
    }

    /// Closes every master connection this client opened (`ssh -O exit`).
    pub async fn close(&self) {
        let targets: Vec<SshTarget> = {
            let masters = self.masters.lock().unwrap_or_else(|p| p.into_inner());
            masters.keys().cloned().collect()
        };
        for target in targets {
            let lock = self.master_lock(&target);
            let mut up = lock.lock().await;
            if !*up {
                continue;
            }
            let mut args = self.options(&target);
            args.extend(["-O".into(), "exit".into(), target.host.clone()]);
            let exit = tokio::process::Command::new("ssh")
                .args(&args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .status();
            if let Ok(Err(e)) | Err(e) = tokio::time::timeout(Duration::from_secs(10), exit)
                .await
                .map_err(|_| std::io::Error::other("timed out"))
            {
                tracing::warn!("closing the SSH master connection to {target}: {e}");
            }
            *up = false;
        }
    }
}

impl Drop for SshClient {
    /// A run that ends without [`SshClient::close`] (an error on the way
    /// out) still closes its masters, which would otherwise outlive it
    /// until their idle limit. `ssh -O exit` only talks to the local
    /// control socket, so this is quick.
    fn drop(&mut self) {
        let masters = std::mem::take(&mut *self.masters.lock().unwrap_or_else(|p| p.into_inner()));
        for (target, up) in masters {
            if !up.try_lock().is_ok_and(|up| *up) {
                continue;
            }
            let mut args = self.options(&target);
            args.extend(["-O".into(), "exit".into(), target.host.clone()]);
            let Ok(mut child) = std::process::Command::new("ssh")
                .args(&args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
            else {
                continue;
            };
            // Bounded: a wedged master must not hang the harness's exit.
            for _ in 0..100 {
                if !matches!(child.try_wait(), Ok(None)) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// `%C` is ssh's hash of host, port and user: short, and one socket per
/// destination.
fn control_path(dir: &Path) -> String {
    format!("{}/%C", dir.display())
}

fn tail(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    chars[chars.len().saturating_sub(STDERR_TAIL)..]
        .iter()
        .collect()
}
