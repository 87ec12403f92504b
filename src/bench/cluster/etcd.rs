//! A local 3-member etcd cluster for comparison (only where `etcd` is on the PATH).

use anyhow::{Context, bail};
use faultline_cluster::launcher::free_base_port;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `etcd` executable on the PATH, if any.
pub fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("etcd"))
        .find(|p| p.is_file())
}

/// Standard base64 with padding (etcd's JSON gateway encodes keys and values so).
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Three etcd members on 127.0.0.1; killed with SIGKILL on stop/drop.
pub struct EtcdCluster {
    children: Vec<Child>,
    client_urls: Vec<String>,
}

impl EtcdCluster {
    /// Starts three members with data under `dir`.
    pub fn start(bin: &Path, dir: &Path) -> anyhow::Result<EtcdCluster> {
        let base = free_base_port(6);
        let client = |i: u16| format!("http://127.0.0.1:{}", base + 1 + i);
        let peer = |i: u16| format!("http://127.0.0.1:{}", base + 4 + i);
        let initial: Vec<String> = (0..3).map(|i| format!("e{}={}", i + 1, peer(i))).collect();
        let initial = initial.join(",");
        let mut cluster = EtcdCluster {
            children: Vec::new(),
            client_urls: (0..3).map(client).collect(),
        };
        for i in 0..3u16 {
            let data = dir.join(format!("e{}", i + 1));
            std::fs::create_dir_all(&data)
                .with_context(|| format!("creating {}", data.display()))?;
            let log = std::fs::File::create(data.join("log"))
                .with_context(|| format!("creating {}/log", data.display()))?;
            let child = Command::new(bin)
                .arg(format!("--name=e{}", i + 1))
                .arg(format!("--data-dir={}", data.join("data").display()))
                .arg(format!("--listen-client-urls={}", client(i)))
                .arg(format!("--advertise-client-urls={}", client(i)))
                .arg(format!("--listen-peer-urls={}", peer(i)))
                .arg(format!("--initial-advertise-peer-urls={}", peer(i)))
                .arg(format!("--initial-cluster={initial}"))
                .arg("--initial-cluster-state=new")
                .arg("--initial-cluster-token=faultline-bench")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .with_context(|| format!("starting {}", bin.display()))?;
            cluster.children.push(child);
        }
        Ok(cluster)
    }

    /// The members' client URLs.
    pub fn client_urls(&self) -> Vec<String> {
        self.client_urls.clone()
    }

    /// Waits until a put through every member succeeds.
    pub async fn wait_ready(&self) -> anyhow::Result<()> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        for url in &self.client_urls {
            loop {
                let body = serde_json::json!({"key": base64(b"ready"), "value": base64(b"1")});
                let ok = http
                    .post(format!("{url}/v3/kv/put"))
                    .json(&body)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok {
                    break;
                }
                if Instant::now() > deadline {
                    bail!("etcd member {url} not ready within 30 s");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Ok(())
    }

    /// Kills every member.
    pub fn stop(mut self) {
        self.kill_all();
    }

    fn kill_all(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.children.clear();
    }
}

impl Drop for EtcdCluster {
    fn drop(&mut self) {
        self.kill_all();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"k123"), "azEyMw==");
    }
}
