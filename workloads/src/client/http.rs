//! The generic HTTP client of docs/DESIGN.md's SUT protocol.

use super::balance::Balancer;
use super::outcome::{classify_response, classify_transport_error};
use super::txn;
use crate::op::{Completion, Op};
use crate::workload::Storage;
use faultline_checkers::{EventType, FailReason, OpFn};
use rand::Rng;
use serde_json::json;
use std::time::Duration;

/// One node of the system under test: its name in the history and its base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Node name recorded in the `node` field, e.g. `n1`.
    pub name: String,
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:7001`.
    pub url: String,
}

impl Endpoint {
    /// An endpoint; a trailing slash on `url` is dropped.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Endpoint {
        let url = url.into();
        Endpoint {
            name: name.into(),
            url: url.trim_end_matches('/').to_string(),
        }
    }
}

/// Errors building a client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No endpoints were given.
    #[error("no endpoints to send requests to")]
    NoEndpoints,
    /// The HTTP client could not be built.
    #[error("building the HTTP client: {0}")]
    Build(#[from] reqwest::Error),
}

/// Sends operations to a store over HTTP; shared by all workers (connection pool inside).
#[derive(Debug)]
pub struct HttpClient {
    http: reqwest::Client,
    endpoints: Vec<Endpoint>,
    balancer: Balancer,
    storage: Storage,
}

/// The connection pool every SUT client uses: one per-request `timeout`
/// (a timed-out request is unknown), keep-alive per host, no system proxy
/// (a proxy would sit between the harness and the nodes it faults).
pub(crate) fn sut_http(
    endpoints: &[Endpoint],
    timeout: Duration,
    pool_per_host: usize,
) -> Result<reqwest::Client, ClientError> {
    if endpoints.is_empty() {
        return Err(ClientError::NoEndpoints);
    }
    Ok(reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout)
        .pool_max_idle_per_host(pool_per_host)
        .tcp_nodelay(true)
        .build()?)
}

impl HttpClient {
    /// A client over `endpoints`, with a per-request `timeout`.
    pub fn new(
        endpoints: Vec<Endpoint>,
        balancer: Balancer,
        storage: Storage,
        timeout: Duration,
        pool_per_host: usize,
    ) -> Result<HttpClient, ClientError> {
        let http = sut_http(&endpoints, timeout, pool_per_host)?;
        Ok(HttpClient {
            http,
            endpoints,
            balancer,
            storage,
        })
    }

    /// The nodes this client talks to.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// The node selector (e.g. to seed it with a known leader).
    pub fn balancer(&self) -> &Balancer {
        &self.balancer
    }

    /// Invokes `op` on a node chosen by the balancer and classifies the outcome.
    pub async fn invoke<R: Rng + ?Sized>(&self, op: &Op, rng: &mut R) -> Completion {
        let idx = self.balancer.pick(rng);
        self.invoke_at(idx, op).await
    }

    /// Invokes `op` on node `idx`.
    pub async fn invoke_at(&self, idx: usize, op: &Op) -> Completion {
        let ep = &self.endpoints[idx % self.endpoints.len()];
        let key = op.key.as_deref().unwrap_or("");
        let url = &ep.url;
        let fenced = self.storage == Storage::Fenced;
        let is_txn = txn::is_txn(op);
        let req = match &op.f {
            _ if is_txn => match txn::body(op) {
                Ok(body) => self.http.post(format!("{url}/txn")).json(&body),
                Err(e) => return Completion::fail(FailReason::Unsupported, e).at(&ep.name),
            },
            // The lock workload's protected resource.
            OpFn::Read if fenced => self.http.get(format!("{url}/resource/{key}")),
            OpFn::Write if fenced => self
                .http
                .post(format!("{url}/resource/{key}"))
                .json(&op.value),
            OpFn::Acquire => self
                .http
                .post(format!("{url}/lock/{key}/acquire"))
                .json(&json!({"holder": op.value["holder"], "ttl_ms": op.value["ttl_ms"]})),
            OpFn::Release => self
                .http
                .post(format!("{url}/lock/{key}/release"))
                .json(&json!({ "token": op.value })),
            OpFn::Read => self.http.get(format!("{url}/kv/{key}")),
            OpFn::Write => self
                .http
                .put(format!("{url}/kv/{key}"))
                .json(&json!({ "value": op.value })),
            OpFn::Cas => {
                let (from, to) = match op.value.as_array().map(Vec::as_slice) {
                    Some([from, to]) => (from.clone(), to.clone()),
                    _ => {
                        return Completion::fail(FailReason::Unsupported, "cas needs [from, to]")
                            .at(&ep.name);
                    }
                };
                self.http
                    .post(format!("{url}/kv/{key}/cas"))
                    .json(&json!({ "from": from, "to": to }))
            }
            // Sets and counters are stored as append-only lists (see `Storage`).
            OpFn::Append | OpFn::Add | OpFn::Incr => self
                .http
                .post(format!("{url}/kv/{key}/append"))
                .json(&json!({ "value": op.value })),
            other => {
                return Completion::fail(
                    FailReason::Unsupported,
                    format!("`{other}` is not in the HTTP protocol"),
                )
                .at(&ep.name);
            }
        };
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return self.transport_error(idx, &e).at(&ep.name),
        };
        let status = resp.status().as_u16();
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                // Headers arrived, so the request was processed; a 2xx without
                // its body is still unknown for reads, and certain for writes.
                // An acquire's token is in the body, so without it the grant is unknown.
                // A transaction's reads are in the body too.
                if (200..300).contains(&status)
                    && !matches!(op.f, OpFn::Read | OpFn::Acquire | OpFn::Txn)
                {
                    return Completion::ok(op.value.clone()).at(&ep.name);
                }
                return self.transport_error(idx, &e).at(&ep.name);
            }
        };
        let classified = if is_txn {
            txn::classify(op, status, &body, self.storage)
        } else {
            classify_response(&op.f, &op.value, status, &body)
        };
        if let Some(hint) = &classified.leader_hint {
            let hint = hint.trim_end_matches('/');
            if let Some(l) = self.endpoints.iter().position(|e| e.url == hint) {
                self.balancer.set_leader(l);
            }
        } else if classified.completion.kind == EventType::Ok {
            // A write accepted here means this node can lead writes (useful once
            // the first leader hint has been lost).
            if op.f != OpFn::Read && self.balancer.leader().is_none() {
                self.balancer.set_leader(idx);
            }
        }
        let mut completion = classified.completion;
        if completion.kind == EventType::Ok && op.f == OpFn::Read && !is_txn {
            completion.value = self.storage.read_value(completion.value);
        }
        completion.at(&ep.name)
    }

    fn transport_error(&self, idx: usize, e: &reqwest::Error) -> Completion {
        self.balancer.forget_leader(idx);
        classify_transport_error(e.is_connect(), e.is_timeout(), &error_chain(e))
    }
}

/// The error and its sources on one line, e.g. "error sending request: connection refused".
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}
