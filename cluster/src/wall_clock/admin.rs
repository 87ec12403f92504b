//! `POST /admin/clock {"offset_ms": n}` sets this node's clock offset
//! (0 resets it); `GET /admin/clock` answers the offset and the node's
//! wall time. Every mode's router serves it, so the harness skews any node
//! the same way.

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

/// The path of the clock endpoint.
pub const PATH: &str = "/admin/clock";

/// Body of `POST /admin/clock`, and the offset part of its answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockOffset {
    /// Milliseconds added to the machine's clock (negative: behind).
    pub offset_ms: i64,
}

/// What `GET` and `POST` answer.
#[derive(Debug, Serialize)]
struct ClockState {
    offset_ms: i64,
    now_ms: u64,
}

/// The clock route, for any router state.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route(PATH, get(show).post(set))
}

async fn show() -> Response {
    state()
}

async fn set(body: Bytes) -> Response {
    match serde_json::from_slice::<ClockOffset>(&body) {
        Ok(ClockOffset { offset_ms }) => {
            tracing::info!(offset_ms, "wall clock offset set");
            super::set_offset_ms(offset_ms);
            state()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({
                "error": format!("expected {{\"offset_ms\": <integer>}}: {e}")
            })),
        )
            .into_response(),
    }
}

fn state() -> Response {
    axum::Json(ClockState {
        offset_ms: super::offset_ms(),
        now_ms: super::now_ms(),
    })
    .into_response()
}
