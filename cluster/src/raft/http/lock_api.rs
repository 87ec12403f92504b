//! The lock service's HTTP API: leases with fencing tokens on named locks,
//! and the protected resource that checks those tokens.

use super::client_api::{read_linearizable, submit};
use crate::body::{AcquireBody, TokenBody, bad_request, parse};
use crate::bugs::Bug;
use crate::kv::Command;
use crate::lock::clock;
use crate::lock::{FencedWrite, LeaseCommand, resource_key};
use crate::raft::RaftNode;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use std::sync::Arc;

/// Routes of the lock API.
pub fn routes() -> Router<Arc<RaftNode>> {
    Router::new()
        .route("/lock/{name}/{action}", post(lease))
        .route("/resource/{name}", post(write_resource).get(read_resource))
}

/// Which lease operation a route performs (the last path segment).
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum LeaseRoute {
    Acquire,
    Renew,
    Release,
}

async fn lease(
    State(node): State<Arc<RaftNode>>,
    Path((lock, route)): Path<(String, LeaseRoute)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let action = match route {
        LeaseRoute::Acquire => parse::<AcquireBody>(&body).map(|b| LeaseCommand::Acquire {
            holder: b.holder,
            ttl_ms: b.ttl_ms,
        }),
        LeaseRoute::Renew => parse::<TokenBody>(&body).and_then(|b| match b.ttl_ms {
            Some(ttl_ms) => Ok(LeaseCommand::Renew {
                token: b.token,
                ttl_ms,
            }),
            None => Err(serde::de::Error::missing_field("ttl_ms")),
        }),
        LeaseRoute::Release => {
            parse::<TokenBody>(&body).map(|b| LeaseCommand::Release { token: b.token })
        }
    };
    let action = match action {
        Ok(a) => a,
        Err(e) => return bad_request(e.to_string()),
    };
    // Stamped here, by the node that proposes; only a leader's proposal can
    // commit, so the stamp that counts is always a leader's clock.
    let stamp_ms = if node.cfg.bug(Bug::LeaseWallClock) {
        clock::wall_clock_ms()
    } else {
        let mut core = node.lock();
        // Until its no-op is applied a new leader has not seen every stamp
        // of its predecessors, so it cannot know where the clock stands.
        let caught_up = core.last_applied >= core.term_start_index;
        let current = clock::current(core.kv.map());
        core.lease_base.stamp(caught_up, current)
    };
    let cmd = Command::Lease {
        lock,
        stamp_ms,
        action,
    };
    submit(&node, cmd, Method::POST, &uri, &headers, body).await
}

async fn write_resource(
    State(node): State<Arc<RaftNode>>,
    Path(resource): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let write = match parse::<FencedWrite>(&body) {
        Ok(w) => w,
        Err(e) => return bad_request(e.to_string()),
    };
    let cmd = Command::FencedWrite {
        resource,
        write,
        fenced: !node.cfg.bug(Bug::LockNoFencing),
    };
    submit(&node, cmd, Method::POST, &uri, &headers, body).await
}

/// 200 `{"value":{"token":t,"value":v}}`, or 404 before the first write.
async fn read_resource(
    State(node): State<Arc<RaftNode>>,
    Path(resource): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    read_linearizable(&node, &resource_key(&resource), &uri, &headers).await
}
