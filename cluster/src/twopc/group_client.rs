//! Talking to one Raft group through any of its nodes. A node that is not
//! the leader forwards to it; one that answers "not leader" or refuses the
//! connection definitely did not apply the request, so the next node is
//! tried. A timeout, a 504 or a broken answer may have applied it.

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Pause between rounds over all nodes while the group elects a leader.
const ROUND_PAUSE: Duration = Duration::from_millis(100);

/// What came back from a group.
#[derive(Debug)]
pub enum Reply {
    /// A node's definite answer: status and body.
    Answer(StatusCode, Bytes),
    /// No node accepted the request before the deadline: definitely not applied.
    Unreachable,
    /// The request may or may not have been applied.
    Unknown,
}

impl Reply {
    /// The JSON body of a 200 answer.
    pub fn ok_json(&self) -> Option<serde_json::Value> {
        match self {
            Reply::Answer(code, body) if *code == StatusCode::OK => {
                serde_json::from_slice(body).ok()
            }
            _ => None,
        }
    }
}

/// The nodes of one group and which of them answered last.
pub struct GroupClient {
    urls: Vec<String>,
    preferred: AtomicUsize,
    http: reqwest::Client,
    request_timeout: Duration,
}

impl GroupClient {
    /// A client for the nodes at `urls`; each request may take `request_timeout`.
    pub fn new(urls: Vec<String>, http: reqwest::Client, request_timeout: Duration) -> Self {
        GroupClient {
            urls,
            preferred: AtomicUsize::new(0),
            http,
            request_timeout,
        }
    }

    /// Sends the request to the group's nodes in turn, in rounds, until one
    /// gives a definite answer or `patience` runs out.
    pub async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Bytes,
        patience: Duration,
    ) -> Reply {
        let deadline = Instant::now() + patience;
        let n = self.urls.len();
        loop {
            let start = self.preferred.load(Ordering::Relaxed);
            for k in 0..n {
                let i = (start + k) % n;
                let sent = self
                    .http
                    .request(method.clone(), format!("{}{path_and_query}", self.urls[i]))
                    .header("content-type", "application/json")
                    .timeout(self.request_timeout)
                    .body(body.clone())
                    .send()
                    .await;
                let resp = match sent {
                    Ok(resp) => resp,
                    Err(e) if e.is_connect() => continue,
                    Err(_) => return Reply::Unknown,
                };
                let status = resp.status();
                let Ok(bytes) = resp.bytes().await else {
                    return Reply::Unknown;
                };
                if status == StatusCode::GATEWAY_TIMEOUT {
                    return Reply::Unknown;
                }
                if status == StatusCode::SERVICE_UNAVAILABLE && is_not_leader(&bytes) {
                    continue;
                }
                self.preferred.store(i, Ordering::Relaxed);
                return Reply::Answer(status, bytes);
            }
            if Instant::now() + ROUND_PAUSE >= deadline {
                return Reply::Unreachable;
            }
            tokio::time::sleep(ROUND_PAUSE).await;
        }
    }

    /// POSTs a JSON body.
    pub async fn post_json(
        &self,
        path: &str,
        body: &impl serde::Serialize,
        patience: Duration,
    ) -> Reply {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.send(Method::POST, path, Bytes::from(bytes), patience)
                    .await
            }
            // Serializing our own request types cannot fail; if it did,
            // nothing was sent.
            Err(_) => Reply::Unreachable,
        }
    }
}

fn is_not_leader(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .map(|v| v["error"] == "not_leader")
        .unwrap_or(false)
}

impl axum::response::IntoResponse for Reply {
    /// Relays a group's answer to the client; no answer becomes 503
    /// (definitely not applied) or 504 (unknown).
    fn into_response(self) -> axum::response::Response {
        match self {
            Reply::Answer(code, body) => {
                (code, [("content-type", "application/json")], body).into_response()
            }
            Reply::Unreachable => (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"error": "unavailable"})),
            )
                .into_response(),
            Reply::Unknown => crate::body::unknown(),
        }
    }
}
