//! Peer messages of the two Paxos phases, served on `/paxos/prepare` and
//! `/paxos/accept`, and of the read-only query on `/paxos/query`.

use super::ballot::Ballot;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A value an acceptor accepted, with the ballot it was accepted in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    /// The ballot of the accept.
    pub ballot: Ballot,
    /// The key's value (`None` = absent).
    pub value: Option<Value>,
}

/// Phase 1a: promise to ignore ballots below `ballot` for `key`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PrepareRequest {
    /// The key.
    pub key: String,
    /// The proposer's ballot.
    pub ballot: Ballot,
}

/// Phase 1b: a promise (with the last accepted value) or a rejection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrepareResponse {
    /// Whether the acceptor promised.
    pub ok: bool,
    /// The acceptor's promised ballot after handling the request.
    pub promised: Option<Ballot>,
    /// The acceptor's accepted value, if any.
    pub accepted: Option<Accepted>,
}

/// Phase 2a: accept `value` for `key` in `ballot`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AcceptRequest {
    /// The key.
    pub key: String,
    /// The proposer's ballot.
    pub ballot: Ballot,
    /// The new value (`None` = absent).
    pub value: Option<Value>,
}

/// Phase 2b: accepted, or rejected because of a higher promise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AcceptResponse {
    /// Whether the acceptor accepted.
    pub ok: bool,
    /// The acceptor's promised ballot after handling the request.
    pub promised: Option<Ballot>,
}

/// Read-only: what did you last accept for `key`? Changes nothing.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QueryRequest {
    /// The key.
    pub key: String,
}

/// The acceptor's accepted value (only once it is durable).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryResponse {
    /// The acceptor's accepted value, if any.
    pub accepted: Option<Accepted>,
}
