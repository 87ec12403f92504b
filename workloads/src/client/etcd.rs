//! A client of etcd's v3 JSON gateway: read = range, write = put, cas = txn
//! comparing the value, a transaction of the list-append and rw-register
//! workloads = one Txn (see `etcd_txn`). Keys and values travel
//! base64-encoded; values are stored as their JSON text so that reads give
//! back the written JSON value.

use super::balance::Balancer;
use super::base64;
use super::etcd_read_mode::ReadMode;
use super::etcd_txn;
use super::http::{ClientError, Endpoint, error_chain};
use crate::op::{Completion, Op};
use crate::workload::txn::micro_ops;
use crate::workload::{Request, Storage};
use faultline_checkers::{FailReason, OpFn};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// gRPC status codes (carried in the gateway's error bodies) that reject a
/// request before it is proposed: invalid argument, not found, permission
/// denied, failed precondition, unimplemented, unauthenticated.
const DEFINITE_CODES: [i64; 6] = [3, 5, 7, 9, UNIMPLEMENTED, 16];

/// gRPC "unimplemented": the store cannot do what was asked.
const UNIMPLEMENTED: i64 = 12;

/// Sends operations to etcd members; shared by all workers.
#[derive(Debug)]
pub struct EtcdClient {
    http: reqwest::Client,
    endpoints: Vec<Endpoint>,
    balancer: Balancer,
    read_mode: ReadMode,
    storage: Storage,
}

impl EtcdClient {
    /// Whether the client can send `request`: keys are etcd keys (reads,
    /// puts, cas as a compare-and-put transaction) and transactions go to
    /// `/v3/kv/txn`; etcd has no list appends, locks or transfers here.
    pub fn serves(request: Request) -> bool {
        matches!(
            request,
            Request::Read | Request::Write | Request::Cas | Request::TxnAppend | Request::TxnWrite
        )
    }
}

impl EtcdClient {
    /// A client over the members' client URLs, with a per-request `timeout`.
    pub fn new(
        endpoints: Vec<Endpoint>,
        balancer: Balancer,
        read_mode: ReadMode,
        timeout: Duration,
        pool_per_host: usize,
    ) -> Result<EtcdClient, ClientError> {
        let http = crate::client::http::sut_http(&endpoints, timeout, pool_per_host)?;
        Ok(EtcdClient {
            http,
            endpoints,
            balancer,
            read_mode,
            storage: Storage::Register,
        })
    }

    /// The same client for a workload stored as `storage`: how an absent
    /// key reads inside transactions (`[]` for list-append, `null` for
    /// rw-register).
    pub fn with_storage(mut self, storage: Storage) -> EtcdClient {
        self.storage = storage;
        self
    }

    /// The members this client talks to.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// The read mode in use.
    pub fn read_mode(&self) -> ReadMode {
        self.read_mode
    }

    /// Invokes `op` on a member chosen by the balancer.
    pub async fn invoke<R: Rng + ?Sized>(&self, op: &Op, rng: &mut R) -> Completion {
        let idx = self.balancer.pick(rng);
        self.invoke_at(idx, op).await
    }

    /// Invokes `op` on member `idx`.
    pub async fn invoke_at(&self, idx: usize, op: &Op) -> Completion {
        let ep = &self.endpoints[idx % self.endpoints.len()];
        if op.f == OpFn::Txn && op.key.is_none() {
            return self.transaction(ep, op).await.at(&ep.name);
        }
        let key = base64::encode(op.key.as_deref().unwrap_or("").as_bytes());
        let (path, body) = match request_body(&op.f, &key, &op.value, self.read_mode) {
            Ok(r) => r,
            Err(why) => return Completion::fail(FailReason::Unsupported, why).at(&ep.name),
        };
        let sent = self
            .http
            .post(format!("{}/v3/kv/{path}", ep.url))
            .json(&body)
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => return transport_error(&op.f, &e).at(&ep.name),
        };
        let status = resp.status().as_u16();
        match resp.bytes().await {
            Ok(body) => classify(&op.f, &op.value, status, &body).at(&ep.name),
            Err(e) => transport_error(&op.f, &e).at(&ep.name),
        }
    }
}

impl EtcdClient {
    /// One POST to the gateway's `/v3/kv/txn`: the status and body, or the
    /// completion a transport error means (`read_only`: nothing can have
    /// been applied, so not knowing the answer is a plain failure).
    async fn post_txn(
        &self,
        ep: &Endpoint,
        body: &Value,
        read_only: bool,
    ) -> Result<(u16, Vec<u8>), Completion> {
        let sent = self
            .http
            .post(format!("{}/v3/kv/txn", ep.url))
            .json(body)
            .send()
            .await;
        let resp = sent.map_err(|e| transport_error_of(read_only, &e))?;
        let status = resp.status().as_u16();
        match resp.bytes().await {
            Ok(b) => Ok((status, b.to_vec())),
            Err(e) => Err(transport_error_of(read_only, &e)),
        }
    }

    /// A transaction of the list-append or rw-register workload (see
    /// `etcd_txn` for the requests): appending ones read their keys first
    /// and retry a failed compare up to `etcd_txn::MAX_ATTEMPTS` times.
    async fn transaction(&self, ep: &Endpoint, op: &Op) -> Completion {
        let micro = match micro_ops(&op.value) {
            Ok(m) => m,
            Err(e) => return Completion::fail(FailReason::Unsupported, e),
        };
        let appended = etcd_txn::appended_keys(&micro);
        for _attempt in 0..etcd_txn::MAX_ATTEMPTS {
            let mut observed = std::collections::HashMap::new();
            if !appended.is_empty() {
                let body = etcd_txn::pre_read_body(&appended, self.read_mode);
                // Nothing is written before the Txn: any trouble here is a failure.
                let (status, bytes) = match self.post_txn(ep, &body, true).await {
                    Ok(r) => r,
                    Err(c) => return c,
                };
                if status != 200 {
                    return classify_error(true, status, &bytes);
                }
                match etcd_txn::parse_pre_read(&appended, &bytes) {
                    Ok(seen) => observed.extend(appended.iter().copied().zip(seen)),
                    Err(e) => return Completion::fail(FailReason::Rejected, e),
                }
            }
            let plan = match etcd_txn::plan(&micro, &observed, self.read_mode) {
                Ok(p) => p,
                Err(e) => return Completion::fail(FailReason::Unsupported, e),
            };
            let read_only = plan.read_only();
            let (status, bytes) = match self.post_txn(ep, &plan.body(), read_only).await {
                Ok(r) => r,
                Err(c) => return c,
            };
            if status != 200 {
                return classify_error(read_only, status, &bytes);
            }
            match plan.decode(&micro, &bytes, self.storage) {
                Ok(Some(done)) => return Completion::ok(done),
                // A compare failed: nothing was applied, so trying again is safe.
                Ok(None) => continue,
                Err(e) if read_only => return Completion::fail(FailReason::Rejected, e),
                // It reached etcd and may have applied: unknown.
                Err(e) => return Completion::info(e),
            }
        }
        Completion::fail(
            FailReason::Aborted,
            format!(
                "the appended keys changed between the read and the txn {} times (compare on mod_revision failed)",
                etcd_txn::MAX_ATTEMPTS
            ),
        )
    }
}

/// The gateway path and JSON body for an operation, or why it has none.
fn request_body(
    f: &OpFn,
    key: &str,
    value: &Value,
    read_mode: ReadMode,
) -> Result<(&'static str, Value), String> {
    match f {
        OpFn::Read => {
            let mut body = json!({ "key": key });
            if read_mode == ReadMode::Serializable {
                body["serializable"] = Value::Bool(true);
            }
            Ok(("range", body))
        }
        OpFn::Write => Ok(("put", json!({ "key": key, "value": encode_value(value) }))),
        OpFn::Cas => {
            let (from, to) = match value.as_array().map(Vec::as_slice) {
                Some([from, to]) => (from, to),
                _ => return Err("cas needs [from, to]".into()),
            };
            // `target` must be explicit: etcd's default compare target is VERSION.
            Ok((
                "txn",
                json!({
                    "compare": [{ "key": key, "result": "EQUAL", "target": "VALUE",
                                  "value": encode_value(from) }],
                    "success": [{ "request_put": { "key": key, "value": encode_value(to) } }],
                    "failure": [],
                }),
            ))
        }
        other => Err(format!(
            "`{other}` is not supported by the etcd client (use register, cas-register, kv, list-append or rw-register)"
        )),
    }
}

/// A value as etcd stores it: its JSON text, base64-encoded.
fn encode_value(v: &Value) -> String {
    base64::encode(v.to_string().as_bytes())
}

/// A stored value back as JSON; text that is not JSON (written by someone
/// else) comes back as a string.
fn decode_value(b64: &str) -> Result<Value, String> {
    let bytes = base64::decode(b64).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.into_owned())))
}

#[derive(Deserialize)]
struct RangeBody {
    #[serde(default)]
    kvs: Vec<KeyValue>,
}

#[derive(Deserialize)]
struct KeyValue {
    // The gateway omits empty fields, so an empty value has no `value`.
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
struct TxnBody {
    // Omitted (not `false`) when the compare failed.
    #[serde(default)]
    succeeded: bool,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// Maps an etcd gateway response to a completion.
///
/// - 200: `ok`; a range without `kvs` reads `null` (absent); a txn without
///   `succeeded` is a definite `fail` (its compare failed).
/// - errors: reads always `fail` (they have no effect); writes `fail` only
///   for gRPC codes that reject before proposing (invalid argument, ...),
///   otherwise `info` — etcd's "request timed out" and "context deadline
///   exceeded" leave a proposal that may still commit.
pub fn classify(f: &OpFn, arg: &Value, status: u16, body: &[u8]) -> Completion {
    let is_read = *f == OpFn::Read;
    if status == 200 {
        return match f {
            OpFn::Read => match serde_json::from_slice::<RangeBody>(body) {
                Ok(r) => match r.kvs.first() {
                    None => Completion::ok(Value::Null),
                    Some(kv) => match decode_value(&kv.value) {
                        Ok(v) => Completion::ok(v),
                        Err(e) => {
                            Completion::fail(FailReason::Rejected, format!("unreadable value: {e}"))
                        }
                    },
                },
                Err(e) => Completion::fail(
                    FailReason::Rejected,
                    format!("unreadable range response: {e}"),
                ),
            },
            OpFn::Cas => match serde_json::from_slice::<TxnBody>(body) {
                Ok(t) if t.succeeded => Completion::ok(arg.clone()),
                Ok(_) => Completion::fail(compare_failed(arg), "compare failed"),
                // The txn reached etcd and we cannot tell whether it applied.
                Err(e) => Completion::info(format!("unreadable txn response: {e}")),
            },
            _ => Completion::ok(arg.clone()),
        };
    }
    classify_error(is_read, status, body)
}

/// A gateway error answer: `fail` for reads (`is_read`: nothing could be
/// applied) and for gRPC codes that reject before proposing, else `info`.
fn classify_error(is_read: bool, status: u16, body: &[u8]) -> Completion {
    let parsed = serde_json::from_slice::<ErrorBody>(body).ok();
    let text = error_text(status, parsed.as_ref(), body);
    let code = parsed.as_ref().and_then(|e| e.code);
    let definite = match code {
        Some(code) => DEFINITE_CODES.contains(&code),
        None => (400..500).contains(&status) && status != 408,
    };
    if definite {
        let reason = if code == Some(UNIMPLEMENTED) {
            FailReason::Unsupported
        } else {
            FailReason::Rejected
        };
        Completion::fail(reason, text)
    } else if is_read {
        // A read has no effect, so not knowing its answer is a plain failure.
        Completion::fail(FailReason::Unavailable, text)
    } else {
        Completion::info(text)
    }
}

/// What a txn whose value compare failed says. etcd fails a compare on an
/// absent key, where the register model holds `null`: a cas from `null`
/// that failed therefore observed nothing, every other one saw "not `from`".
fn compare_failed(arg: &Value) -> FailReason {
    match arg.as_array().map(Vec::as_slice) {
        Some([from, _]) if !from.is_null() => FailReason::CasMismatch,
        _ => FailReason::Rejected,
    }
}

fn error_text(status: u16, parsed: Option<&ErrorBody>, body: &[u8]) -> String {
    let detail = parsed
        .and_then(|e| e.message.clone().or_else(|| e.error.clone()))
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned());
    match parsed.and_then(|e| e.code) {
        Some(code) => format!("{status}/{code}: {detail}"),
        None => format!("{status}: {detail}"),
    }
}

/// A transport error: reads `fail`; writes `fail` only if nothing was sent.
fn transport_error(f: &OpFn, e: &reqwest::Error) -> Completion {
    transport_error_of(*f == OpFn::Read, e)
}

fn transport_error_of(is_read: bool, e: &reqwest::Error) -> Completion {
    let text = error_chain(e);
    if is_read && !e.is_connect() {
        Completion::fail(FailReason::Unavailable, text)
    } else {
        super::outcome::classify_transport_error(e.is_connect(), e.is_timeout(), &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the etcd client serves follows from the requests each workload
    /// sends: registers and transactions, not lists, locks or transfers.
    #[test]
    fn the_etcd_client_serves_registers_and_transactions() {
        use crate::workload::WorkloadKind::*;
        let served: Vec<_> = crate::workload::WorkloadKind::ALL
            .into_iter()
            .filter(|w| w.requests().iter().all(|&r| EtcdClient::serves(r)))
            .collect();
        assert_eq!(served, [Register, CasRegister, Kv, ListAppend, RwRegister]);
    }
    use faultline_checkers::EventType::{Fail, Info, Ok};

    #[test]
    fn requests_carry_base64_and_the_read_mode() {
        let (path, body) =
            request_body(&OpFn::Read, "azE=", &Value::Null, ReadMode::Serializable).unwrap();
        assert_eq!(path, "range");
        assert_eq!(body, json!({"key": "azE=", "serializable": true}));
        let (_, body) =
            request_body(&OpFn::Read, "azE=", &Value::Null, ReadMode::Linearizable).unwrap();
        assert_eq!(body, json!({"key": "azE="}));
        let (path, body) =
            request_body(&OpFn::Cas, "azE=", &json!([1, 2]), ReadMode::default()).unwrap();
        assert_eq!(path, "txn");
        assert_eq!(body["compare"][0]["target"], "VALUE");
        assert_eq!(body["compare"][0]["value"], base64::encode(b"1"));
        assert_eq!(
            body["success"][0]["request_put"]["value"],
            base64::encode(b"2")
        );
        assert!(request_body(&OpFn::Append, "k", &json!(1), ReadMode::default()).is_err());
        assert!(request_body(&OpFn::Cas, "k", &json!(1), ReadMode::default()).is_err());
    }

    #[test]
    fn ranges_decode_values_and_absence() {
        let body = format!(
            r#"{{"header":{{}},"kvs":[{{"key":"azE=","value":"{}"}}],"count":"1"}}"#,
            base64::encode(b"7")
        );
        let c = classify(&OpFn::Read, &Value::Null, 200, body.as_bytes());
        assert_eq!(c, Completion::ok(json!(7)));
        let c = classify(
            &OpFn::Read,
            &Value::Null,
            200,
            br#"{"header":{"revision":"3"}}"#,
        );
        assert_eq!(c, Completion::ok(Value::Null));
    }

    #[test]
    fn txn_without_succeeded_is_a_failed_compare() {
        let c = classify(&OpFn::Cas, &json!([1, 2]), 200, br#"{"header":{}}"#);
        assert_eq!(c.kind, Fail);
        assert_eq!(c.reason, Some(FailReason::CasMismatch));
        // etcd fails a compare on an absent key, which the model reads as
        // null: a failed cas from null saw nothing it can vouch for.
        let c = classify(&OpFn::Cas, &json!([null, 2]), 200, br#"{"header":{}}"#);
        assert_eq!(c.reason, Some(FailReason::Rejected));
        let c = classify(
            &OpFn::Cas,
            &json!([1, 2]),
            200,
            br#"{"header":{},"succeeded":true}"#,
        );
        assert_eq!(c, Completion::ok(json!([1, 2])));
    }

    #[test]
    fn errors_are_unknown_for_writes_and_failures_for_reads() {
        let timed_out = br#"{"error":"etcdserver: request timed out","message":"etcdserver: request timed out","code":14}"#;
        assert_eq!(classify(&OpFn::Write, &json!(1), 503, timed_out).kind, Info);
        assert_eq!(
            classify(&OpFn::Cas, &json!([1, 2]), 503, timed_out).kind,
            Info
        );
        assert_eq!(
            classify(&OpFn::Read, &Value::Null, 503, timed_out).kind,
            Fail
        );
        let deadline = br#"{"error":"context deadline exceeded","code":2}"#;
        assert_eq!(classify(&OpFn::Write, &json!(1), 500, deadline).kind, Info);
        let bad = br#"{"error":"bad","message":"bad","code":3}"#;
        assert_eq!(classify(&OpFn::Write, &json!(1), 400, bad).kind, Fail);
        assert_eq!(classify(&OpFn::Write, &json!(1), 404, b"nope").kind, Fail);
        assert_eq!(classify(&OpFn::Write, &json!(1), 502, b"").kind, Info);
        assert_eq!(classify(&OpFn::Write, &json!(1), 200, b"{}").kind, Ok);
        let reason =
            |f: OpFn, status: u16, body: &[u8]| classify(&f, &json!(1), status, body).reason;
        assert_eq!(
            reason(OpFn::Read, 503, timed_out),
            Some(FailReason::Unavailable)
        );
        assert_eq!(reason(OpFn::Write, 400, bad), Some(FailReason::Rejected));
        let unimplemented = br#"{"error":"no","code":12}"#;
        assert_eq!(
            reason(OpFn::Write, 501, unimplemented),
            Some(FailReason::Unsupported)
        );
        assert_eq!(reason(OpFn::Write, 503, timed_out), None);
    }
}
