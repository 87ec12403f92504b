//! Request bodies and response shapes of the client API (DESIGN.md's SUT
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
