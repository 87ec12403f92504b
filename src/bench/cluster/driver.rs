//! Closed-loop load: N concurrent clients each issue one request at a time
//! for a fixed duration; latencies of successful requests are recorded.

use anyhow::Context;
use serde_json::json;
use std::time::{Duration, Instant};

/// Keys the load spreads over.
const KEYS: u64 = 1000;

/// Which operation a phase issues.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// Put a key.
    Write,
    /// Linearizable read of a key.
    Read,
}

impl Op {
    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Op::Write => "write",
            Op::Read => "read",
        }
    }
}

/// The system under load.
#[derive(Clone, Debug)]
pub enum Target {
    /// The bundled cluster: its leader (raft), or every node (paxos).
    Faultline {
        /// Client URLs (clients spread round-robin).
        urls: Vec<String>,
    },
    /// etcd members (clients spread round-robin).
    Etcd {
        /// Client URLs.
        urls: Vec<String>,
    },
}

/// What one phase measured.
pub struct PhaseResult {
    /// The operation.
    pub op: Op,
    /// Latencies of successful requests.
    pub latencies: Vec<Duration>,
    /// Failed requests.
    pub errors: usize,
    /// Wall time of the phase.
    pub elapsed: Duration,
}

impl PhaseResult {
    /// Successful operations per second.
    pub fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// Latency quantile in milliseconds (latencies must be sorted).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies.len() as f64 - 1.0) * q).round() as usize;
        self.latencies[i].as_secs_f64() * 1000.0
    }
}

/// Runs `clients` concurrent closed-loop clients for `duration`.
pub async fn run_phase(
    target: &Target,
    op: Op,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<PhaseResult> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(5))
        .build()
        .context("building the HTTP client")?;
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..clients {
        let http = http.clone();
        let target = target.clone();
        tasks.spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut i = c as u64;
            while Instant::now() < deadline {
                i = i
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let key = format!("k{}", (i >> 33) % KEYS);
                let t0 = Instant::now();
                let ok = request(&http, &target, op, c, &key, i).await;
                if ok {
                    lat.push(t0.elapsed());
                } else {
                    errors += 1;
                }
            }
            (lat, errors)
        });
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    while let Some(res) = tasks.join_next().await {
        let (lat, err) = res.context("load client panicked")?;
        latencies.extend(lat);
        errors += err;
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    Ok(PhaseResult {
        op,
        latencies,
        errors,
        elapsed,
    })
}

async fn request(
    http: &reqwest::Client,
    target: &Target,
    op: Op,
    client: usize,
    key: &str,
    value: u64,
) -> bool {
    let req = match (target, op) {
        (Target::Faultline { urls }, op) => {
            let url = &urls[client % urls.len()];
            match op {
                Op::Write => http
                    .put(format!("{url}/kv/{key}"))
                    .json(&json!({ "value": value })),
                Op::Read => http.get(format!("{url}/kv/{key}")),
            }
        }
        (Target::Etcd { urls }, op) => {
            let url = &urls[client % urls.len()];
            match op {
                Op::Write => http.post(format!("{url}/v3/kv/put")).json(&json!({
                    "key": faultline_workloads::client::base64::encode(key.as_bytes()),
                    "value": faultline_workloads::client::base64::encode(value.to_string().as_bytes()),
                })),
                Op::Read => http
                    .post(format!("{url}/v3/kv/range"))
                    .json(&json!({ "key": faultline_workloads::client::base64::encode(key.as_bytes()) })),
            }
        }
    };
    match req.send().await {
        Ok(resp) => {
            let s = resp.status().as_u16();
            // Drain the body so the connection is reused.
            let _ = resp.bytes().await;
            s == 200 || (s == 404 && matches!(op, Op::Read))
        }
        Err(_) => false,
    }
}
