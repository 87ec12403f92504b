//! The read-through path: answer from this node's cache, or read
//! linearizably (here on the leader, or forwarded to it) and fill the cache.

use super::{Cache, VERSION_HEADER, settle};
use crate::body::value_response;
use crate::raft::RaftNode;
use crate::raft::http::forward::{self, FORWARDED};
use crate::raft::read_index::{self, ReadError};
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

/// Largest read response body a follower buffers to fill its cache.
const MAX_BODY: usize = 16 << 20;

/// Serves `GET /kv/{key}` through `cache`.
pub async fn serve(
    node: &Arc<RaftNode>,
    cache: &Cache,
    key: &str,
    path_and_query: &str,
    headers: &HeaderMap,
) -> Response {
    // A forwarded read is a follower's miss: answer it from the log's
    // state, never from this node's cache, so every fill comes from a
    // ReadIndex read (which the correctness argument relies on).
    let forwarded = headers.contains_key(FORWARDED);
    if !forwarded && let Some(v) = cache.store.get(key, Instant::now()) {
        return value_response(v);
    }
    // The lease counts from before the read was sent, so it ends no later
    // than `ttl` after the leader read the value.
    let sent = Instant::now();
    match read_index::read_versioned(node, key).await {
        Ok((value, version)) => {
            let keys = [key.to_string()];
            if !settle::settled(node, cache, &keys, version).await {
                return crate::body::unknown();
            }
            cache.store.fill(
                key,
                value.clone(),
                version,
                sent + life(node, cache),
                Instant::now(),
            );
            let mut resp = value_response(value);
            resp.headers_mut()
                .insert(VERSION_HEADER, HeaderValue::from(version));
            resp
        }
        Err(ReadError::NotLeader(leader)) => {
            let resp = forward::to_leader(
                node,
                leader,
                Method::GET,
                path_and_query,
                headers,
                Bytes::new(),
            )
            .await;
            fill_from(cache, key, sent + life(node, cache), resp).await
        }
        Err(ReadError::Timeout) => crate::body::unknown(),
        Err(ReadError::Locked(body)) => crate::body::locked(body),
    }
}

/// How long an entry filled by a read sent now lives (see [`Cache::entry_life`]).
fn life(node: &RaftNode, cache: &Cache) -> std::time::Duration {
    cache.entry_life(node.cfg.bug(crate::bugs::Bug::CacheStale))
}

/// Fills the cache from the leader's answer to a forwarded read (an entry
/// that lives until `expires`), and relays it.
async fn fill_from(cache: &Cache, key: &str, expires: Instant, resp: Response) -> Response {
    let version = resp
        .headers()
        .get(VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let status = resp.status();
    let Some(version) =
        version.filter(|_| matches!(status, StatusCode::OK | StatusCode::NOT_FOUND))
    else {
        return resp;
    };
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return crate::body::unknown();
    };
    let value = if status == StatusCode::NOT_FOUND {
        Some(None)
    } else {
        serde_json::from_slice::<Value>(&bytes)
            .ok()
            .map(|b| b.get("value").cloned())
    };
    if let Some(value) = value {
        cache
            .store
            .fill(key, value, version, expires, Instant::now());
    }
    Response::from_parts(parts, Body::from(bytes))
}
