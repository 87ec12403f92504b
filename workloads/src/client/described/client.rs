//! The client that sends requests as a store description says.

use super::route::Route;
use super::rule::{Outcome, decide};
use super::spec::{Operation, StoreDescription};
use super::template::Fill;
use super::txn::TxnOperation;
use crate::client::balance::{Balance, Balancer};
use crate::client::http::{ClientError, Endpoint, error_chain};
use crate::client::outcome::classify_transport_error;
use crate::op::{Completion, Op};
use crate::workload::Storage;
use crate::workload::txn::Micro;
use crate::workload::txn::micro_ops;
use faultline_checkers::{EventType, FailReason, OpFn};
use rand::Rng;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Sends operations to any HTTP store as its description says; shared by all workers.
#[derive(Debug)]
pub struct DescribedClient {
    http: reqwest::Client,
    description: Arc<StoreDescription>,
    endpoints: Vec<Endpoint>,
    balancer: Balancer,
    storage: Storage,
}

impl DescribedClient {
    /// A client for `description` over `endpoints`, with a per-request `timeout`.
    pub fn new(
        description: Arc<StoreDescription>,
        endpoints: Vec<Endpoint>,
        balancer: Balancer,
        storage: Storage,
        timeout: Duration,
        pool_per_host: usize,
    ) -> Result<DescribedClient, ClientError> {
        let http = crate::client::http::sut_http(&endpoints, timeout, pool_per_host)?;
        Ok(DescribedClient {
            http,
            description,
            endpoints,
            balancer,
            storage,
        })
    }

    /// The nodes this client talks to.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// Invokes `op` on the node its operation's `endpoint` names, else on
    /// the one the balancer picks.
    pub async fn invoke<R: Rng + ?Sized>(&self, op: &Op, rng: &mut R) -> Completion {
        let idx = if self.balancer.strategy() == Balance::Leader {
            match self.leader().await {
                Some(l) => l,
                None => self.balancer.pick(rng),
            }
        } else {
            self.balancer.pick(rng)
        };
        self.invoke_at(idx, op).await
    }

    /// Invokes `op` on node `idx`, unless its operation's `endpoint` names
    /// the leader or a node: the description's routing wins, and the
    /// history names the node the request went to.
    pub async fn invoke_at(&self, idx: usize, op: &Op) -> Completion {
        let spec = self.spec(&op.f);
        let is_txn = op.f == OpFn::Txn && op.key.is_none();
        let route = if is_txn {
            self.description.txn.as_ref().map(|t| &t.route)
        } else {
            spec.map(|s| &s.route)
        };
        let idx = match route {
            Some(Route::Leader) => match self.leader().await {
                Some(l) => l,
                None => {
                    // Nothing was sent, so nothing happened.
                    return Completion::fail(
                        FailReason::Unavailable,
                        "no node answered the [leader] query as the leader",
                    );
                }
            },
            Some(Route::Node(name)) => match self.endpoints.iter().position(|e| &e.name == name) {
                Some(i) => i,
                None => {
                    return Completion::fail(
                        FailReason::Unsupported,
                        format!(
                            "the description routes `{}` to {name}, which is not a node",
                            op.f
                        ),
                    );
                }
            },
            _ => idx,
        };
        let ep = &self.endpoints[idx % self.endpoints.len()];
        let c = if is_txn {
            self.transaction(ep, op).await
        } else {
            self.send(ep, op, spec).await
        };
        let answered = c.kind == EventType::Ok || c.reason == Some(FailReason::CasMismatch);
        if self.description.leader.is_some() && !answered {
            // The node may have stepped down; ask again before the next one
            // (a no-op unless `idx` is the remembered leader).
            self.balancer.forget_leader(idx);
        }
        c
    }

    /// The leader's index: remembered, else asked of the nodes.
    async fn leader(&self) -> Option<usize> {
        if let Some(l) = self.balancer.leader() {
            return Some(l);
        }
        let query = self.description.leader.as_ref()?;
        let found = query
            .find(&self.http, &self.description.headers, &self.endpoints)
            .await?;
        self.balancer.set_leader(found);
        Some(found)
    }

    fn spec(&self, f: &OpFn) -> Option<&Operation> {
        let d = &self.description;
        match f {
            OpFn::Read => Some(&d.read),
            OpFn::Write => d.write.as_ref(),
            OpFn::Cas => d.cas.as_ref(),
            // Sets and counters are stored as append-only lists (see `Storage`).
            OpFn::Append | OpFn::Add | OpFn::Incr => d.append.as_ref(),
            _ => None,
        }
    }

    async fn send(&self, ep: &Endpoint, op: &Op, spec: Option<&Operation>) -> Completion {
        let d = &self.description;
        let Some(spec) = spec else {
            return Completion::fail(
                FailReason::Unsupported,
                format!("the store description has no operation for `{}`", op.f),
            )
            .at(&ep.name);
        };
        let (from, to) = match (&op.f, op.value.as_array().map(Vec::as_slice)) {
            (OpFn::Cas, Some([from, to])) => (from.clone(), to.clone()),
            (OpFn::Cas, _) => {
                return Completion::fail(FailReason::Unsupported, "cas needs [from, to]")
                    .at(&ep.name);
            }
            _ => (Value::Null, Value::Null),
        };
        let fill = Fill {
            endpoint: &ep.url,
            node: &ep.name,
            key: op.key.as_deref().unwrap_or(""),
            value: &op.value,
            from: &from,
            to: &to,
            ops: "",
        };
        let url = spec.url.render(&fill);
        // A URL written out in full goes where it says, not to `ep`.
        let node = self.addressed(&url, ep);
        let ep = &Endpoint::new(node, ep.url.clone());
        let mut req = self.http.request(spec.method.as_reqwest(), url);
        if let Some(body) = &spec.body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.render(&fill));
        }
        for (name, value) in &d.headers {
            req = req.header(name.as_str(), value.as_str());
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return transport(&op.f, &e).at(&ep.name),
        };
        let status = resp.status().as_u16();
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return transport(&op.f, &e).at(&ep.name),
        };
        let mut c = classify(spec, &op.f, &op.value, status, &body);
        if op.f == OpFn::Read && c.kind == EventType::Ok {
            c.value = self.storage.read_value(c.value);
        }
        c.at(&ep.name)
    }
}

impl DescribedClient {
    /// The node `url` goes to: the endpoint it starts with, else its
    /// `host:port` (a URL the description wrote out to a non-node).
    fn addressed(&self, url: &str, ep: &Endpoint) -> String {
        if url.starts_with(&ep.url) {
            return ep.name.clone();
        }
        if let Some(e) = self.endpoints.iter().find(|e| {
            url.strip_prefix(e.url.as_str()).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')
            })
        }) {
            return e.name.clone();
        }
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        rest.split(['/', '?']).next().unwrap_or(rest).to_string()
    }

    /// A transaction of the list-append or rw-register workload, through
    /// the description's `[txn]` table.
    async fn transaction(&self, ep: &Endpoint, op: &Op) -> Completion {
        let Some(spec) = self.description.txn.as_ref() else {
            return Completion::fail(
                FailReason::Unsupported,
                "the store description has no [txn] table",
            )
            .at(&ep.name);
        };
        let micro = match micro_ops(&op.value) {
            Ok(m) => m,
            Err(e) => return Completion::fail(FailReason::Unsupported, e).at(&ep.name),
        };
        let (url, body) = match spec.request(&micro, &ep.url, &ep.name) {
            Ok(r) => r,
            Err(e) => return Completion::fail(FailReason::Unsupported, e).at(&ep.name),
        };
        let node = self.addressed(&url, ep);
        self.send_txn(spec, &micro, url, body).await.at(node)
    }

    async fn send_txn(
        &self,
        spec: &TxnOperation,
        micro: &[Micro<'_>],
        url: String,
        body: String,
    ) -> Completion {
        let f = OpFn::Txn;
        let mut req = self
            .http
            .request(spec.method.as_reqwest(), url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in &self.description.headers {
            req = req.header(name.as_str(), value.as_str());
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return transport(&f, &e),
        };
        let status = resp.status().as_u16();
        match resp.bytes().await {
            Ok(b) => spec.classify(micro, status, &b, self.storage),
            Err(e) => transport(&f, &e),
        }
    }
}

fn transport(f: &OpFn, e: &reqwest::Error) -> Completion {
    let text = error_chain(e);
    if *f == OpFn::Read {
        // A read has no effect, so an unanswered read definitely changed nothing.
        if e.is_connect() {
            return classify_transport_error(true, false, &text);
        }
        Completion::fail(FailReason::Unavailable, text)
    } else {
        classify_transport_error(e.is_connect(), e.is_timeout(), &text)
    }
}

/// Maps a response to a completion by the operation's rules (exposed for tests
/// that compare a description with a native client).
pub fn classify(spec: &Operation, f: &OpFn, arg: &Value, status: u16, body: &[u8]) -> Completion {
    let (outcome, json) = decide(&spec.outcome, status, body);
    let detail = || {
        let text = String::from_utf8_lossy(&body[..body.len().min(120)]);
        if text.is_empty() {
            status.to_string()
        } else {
            format!("{status}: {text}")
        }
    };
    match outcome {
        Outcome::Fail(reason) => Completion::fail(reason, detail()),
        Outcome::Unknown => Completion::info(detail()),
        Outcome::Absent => Completion::ok(Value::Null),
        Outcome::Ok if *f != OpFn::Read => Completion::ok(arg.clone()),
        Outcome::Ok => {
            let pointer = spec.value.as_deref().unwrap_or("");
            let found = json.as_ref().and_then(|j| j.pointer(pointer));
            match found.map(|v| spec.value_encoding.decode(v)) {
                Some(Ok(v)) => Completion::ok(v),
                Some(Err(e)) => {
                    Completion::fail(FailReason::Rejected, format!("value at {pointer}: {e}"))
                }
                None => Completion::fail(
                    FailReason::Rejected,
                    format!("no value at {pointer} in {}", detail()),
                ),
            }
        }
    }
}
