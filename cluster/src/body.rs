//! Request bodies and response shapes of the client API (docs/DESIGN.md's SUT
//! protocol), shared by every replication mode so they all speak it alike.

use crate::kv::Command;
use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Body of `PUT /kv/{key}` and `POST /kv/{key}/append`.
#[derive(Deserialize)]
pub struct ValueBody {
    /// The value written or appended.
    pub value: Value,
}

/// Body of `POST /kv/{key}/cas`.
#[derive(Deserialize)]
pub struct CasBody {
    /// Expected current value (null = absent).
    pub from: Value,
    /// New value.
    pub to: Value,
}

/// Body of `POST /txn`.
#[derive(Deserialize)]
pub struct TxnBody {
    /// The transaction's operations, in order.
    pub ops: Vec<crate::kv::TxnOp>,
}

/// Body of `POST /lock/{name}/acquire`.
#[derive(Deserialize)]
pub struct AcquireBody {
    /// Who asks.
    #[serde(default)]
    pub holder: String,
    /// Lease length.
    pub ttl_ms: u64,
}

/// Body of `POST /lock/{name}/renew` and `/release` (`ttl_ms` only for renew).
#[derive(Deserialize)]
pub struct TokenBody {
    /// The holder's fencing token.
    pub token: u64,
    /// New lease length (renew).
    #[serde(default)]
    pub ttl_ms: Option<u64>,
}

/// 400 with the parse error: the request was never applied.
pub fn bad_request(msg: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "bad_request", "message": msg})),
    )
        .into_response()
}

/// Parses a JSON request body.
pub fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, serde_json::Error> {
    serde_json::from_slice(body)
}

/// 200 `{"value": v}`, or 404 `{"value": null}` for an absent key.
pub fn value_response(value: Option<Value>) -> Response {
    match value {
        Some(v) => Json(json!({"value": v})).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"value": null}))).into_response(),
    }
}

/// Body of `POST /2pc/prepare` (coordinator → participant group).
#[derive(serde::Serialize, Deserialize)]
pub struct PrepareBody {
    /// The transaction id.
    pub txid: String,
    /// The coordinator's id.
    pub coordinator: String,
    /// This group's share of the operations.
    pub ops: Vec<crate::kv::TxnOp>,
}

/// Body of `POST /2pc/commit` and `POST /2pc/abort`.
#[derive(serde::Serialize, Deserialize)]
pub struct DecisionBody {
    /// The transaction id.
    pub txid: String,
}

/// The answer for an applied command: 200 with its body, 409 for a failed
/// precondition, 503 for a key a prepared transaction holds (both definite).
pub fn applied_response(result: crate::apply::ApplyResult) -> Response {
    match result {
        crate::apply::ApplyResult::Ok(v) => Json(v).into_response(),
        crate::apply::ApplyResult::Conflict(v) => (StatusCode::CONFLICT, Json(v)).into_response(),
        crate::apply::ApplyResult::Locked(v) => locked(v),
    }
}

/// 503 for a key a prepared two-phase-commit transaction holds: definitely
/// not applied (the client may retry once the transaction is decided).
pub fn locked(body: Value) -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

/// Which single-key update a client request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUpdate {
    /// `PUT /kv/{key}`.
    Put,
    /// `POST /kv/{key}/cas`.
    Cas,
    /// `POST /kv/{key}/append`.
    Append,
}

/// The command for `update` on `key` from the request body (a parse error
/// is answered with [`bad_request`]).
pub fn key_command(
    update: KeyUpdate,
    key: String,
    body: &Bytes,
) -> Result<Command, serde_json::Error> {
    match update {
        KeyUpdate::Put => parse::<ValueBody>(body).map(|b| Command::Put {
            key,
            value: b.value,
        }),
        KeyUpdate::Cas => parse::<CasBody>(body).map(|b| Command::Cas {
            key,
            from: b.from,
            to: b.to,
        }),
        KeyUpdate::Append => parse::<ValueBody>(body).map(|b| Command::Append {
            key,
            value: b.value,
        }),
    }
}

/// 504 `{"error":"timeout"}`: the outcome is unknown.
pub fn unknown() -> Response {
    (
        StatusCode::GATEWAY_TIMEOUT,
        axum::Json(json!({"error": "timeout"})),
    )
        .into_response()
}
