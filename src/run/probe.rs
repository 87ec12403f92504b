//! Before load starts, each endpoint of a store faultline did not start is
//! asked a few questions whose answers are known: a read of a key nobody
//! wrote, a write, the read back, and a cas that must fail its comparison;
//! for the transactional workloads the same read, write (or append) and
//! read back, each as a transaction.
//! A store that speaks another protocol (or a description whose rules do not
//! fit the store) would otherwise be "tested" with answers faultline
//! misreads, and the checker would call a correct store INVALID.

use anyhow::bail;
use faultline_checkers::{EventType, FailReason, OpFn};
use faultline_workloads::client::SutClient;
use faultline_workloads::workload::txn::TxnFlavor;
use faultline_workloads::{Completion, Op};
use serde_json::{Value, json};

/// What one probe step saw.
enum Answer {
    /// The answer the protocol promises.
    Expected,
    /// The endpoint could not serve now (not leader, unavailable, no answer):
    /// says nothing about the protocol, so the endpoint's other steps are skipped.
    Inconclusive,
}

/// What a workload's store is asked before the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// Nothing: the first answers of the run show the store's shape.
    None,
    /// A register's read, write and read back, and a cas that must fail
    /// its comparison when the workload sends cas.
    Register {
        /// Whether the workload sends cas.
        cas: bool,
    },
    /// The same as transactions of this kind.
    Txn(TxnFlavor),
}

/// Probes every endpoint; an answer that contradicts the protocol is an error
/// naming the endpoint, what was sent, what came back and what was expected.
pub async fn probe(client: &SutClient, probe: Probe, key_prefix: &str) -> anyhow::Result<()> {
    let with_cas = match probe {
        Probe::None => return Ok(()),
        Probe::Txn(flavor) => return probe_txn(client, flavor, key_prefix).await,
        Probe::Register { cas } => cas,
    };
    let mut conclusive = 0;
    for (idx, ep) in client.endpoints().iter().enumerate() {
        let key = format!("{key_prefix}faultline-probe-{}", ep.name);
        let value = json!(7_000_000_001_i64 + idx as i64);
        let name = format!("{} ({})", ep.name, ep.url);
        let steps = [
            (Op::read(key.clone()), Expect::Value(Value::Null)),
            (
                Op {
                    f: OpFn::Write,
                    key: Some(key.clone()),
                    value: value.clone(),
                },
                Expect::Ok,
            ),
            (Op::read(key.clone()), Expect::Value(value.clone())),
        ];
        let mut served = true;
        for (op, expect) in &steps {
            let answer = client.invoke_at(idx, op).await;
            if let Answer::Inconclusive = judge(&name, op, &answer, expect)? {
                served = false;
                break;
            }
        }
        if served && with_cas {
            let wrong = json!([value.as_i64().unwrap_or(0) + 1, 0]);
            let op = Op {
                f: OpFn::Cas,
                key: Some(key.clone()),
                value: wrong,
            };
            let answer = client.invoke_at(idx, &op).await;
            served = matches!(
                judge(&name, &op, &answer, &Expect::Mismatch)?,
                Answer::Expected
            );
        }
        if served {
            conclusive += 1;
        }
    }
    eprintln!(
        "probe: {conclusive} of {} endpoint(s) answered a read of an unwritten key, a write, its \
         read back{} as the protocol says",
        client.endpoints().len(),
        if with_cas { " and a failing cas" } else { "" }
    );
    Ok(())
}

/// The probe of a transactional workload: per endpoint a transaction
/// reading a key nobody wrote, one writing (rw-register) or appending to it
/// (list-append), and one reading it back.
async fn probe_txn(client: &SutClient, flavor: TxnFlavor, key_prefix: &str) -> anyhow::Result<()> {
    let txn = |m: Value| Op {
        f: OpFn::Txn,
        key: None,
        value: json!([m]),
    };
    let mut conclusive = 0;
    for (idx, ep) in client.endpoints().iter().enumerate() {
        let key = format!("{key_prefix}faultline-probe-txn-{}", ep.name);
        let value = json!(7_000_000_001_i64 + idx as i64);
        let name = format!("{} ({})", ep.name, ep.url);
        let (f, empty, after) = match flavor {
            TxnFlavor::ListAppend => ("append", json!([]), json!([value])),
            TxnFlavor::RwRegister => ("w", Value::Null, value.clone()),
        };
        let steps = [
            (
                txn(json!(["r", key, null])),
                Expect::Value(json!([["r", key, empty]])),
            ),
            (txn(json!([f, key, value])), Expect::Ok),
            (
                txn(json!(["r", key, null])),
                Expect::Value(json!([["r", key, after]])),
            ),
        ];
        let mut served = true;
        for (op, expect) in &steps {
            let answer = client.invoke_at(idx, op).await;
            if let Answer::Inconclusive = judge(&name, op, &answer, expect)? {
                served = false;
                break;
            }
        }
        if served {
            conclusive += 1;
        }
    }
    eprintln!(
        "probe: {conclusive} of {} endpoint(s) answered transactions reading an unwritten key, \
         writing it and reading it back as the protocol says",
        client.endpoints().len(),
    );
    Ok(())
}

/// What a step must see.
enum Expect {
    /// `ok` with this value.
    Value(Value),
    /// `ok`.
    Ok,
    /// `fail` with `cas-mismatch`.
    Mismatch,
}

fn judge(endpoint: &str, op: &Op, c: &Completion, expect: &Expect) -> anyhow::Result<Answer> {
    let sent = describe_op(op);
    let got = describe(c);
    match (c.kind, expect) {
        (EventType::Ok, Expect::Ok) => Ok(Answer::Expected),
        (EventType::Ok, Expect::Value(v)) if &c.value == v => Ok(Answer::Expected),
        (EventType::Ok, Expect::Value(v)) => {
            // A different value is a consistency question (a lagging
            // replica reads null), which is the checker's to judge, not a
            // protocol mismatch.
            tracing::warn!(
                "endpoint {endpoint}: {sent} returned {}, not {v}; if the store is consistent \
                 this means its answers are misread ({})",
                c.value,
                hint().trim()
            );
            Ok(Answer::Expected)
        }
        (EventType::Ok, Expect::Mismatch) => bail!(
            "endpoint {endpoint} accepted {sent} although the key did not hold the cas's `from`: \
             a failed comparison must be answered 409 (a store description marks its rule \
             reason = \"cas-mismatch\"){}",
            hint()
        ),
        (EventType::Fail, Expect::Mismatch) if c.reason == Some(FailReason::CasMismatch) => {
            Ok(Answer::Expected)
        }
        (EventType::Fail, Expect::Mismatch) if !serves_not(c.reason) => {
            // A store that says no another way is safe (the failures are
            // dropped), but its failed cas are then not checked.
            tracing::warn!(
                "endpoint {endpoint}: {sent} failed with {got}, not as a failed comparison \
                 (409 / reason = \"cas-mismatch\"), so failed cas will not be checked"
            );
            Ok(Answer::Expected)
        }
        (EventType::Fail, _) if serves_not(c.reason) => Ok(Answer::Inconclusive),
        (EventType::Fail, _) => bail!(
            "endpoint {endpoint} refused {sent}: {got}; expected {}{}",
            expected_text(op, expect),
            hint()
        ),
        (_, _) if answered_2xx(c) => bail!(
            "endpoint {endpoint} answered {sent} with {got}; expected {}{}",
            expected_text(op, expect),
            hint()
        ),
        // Timeouts and 5xx: the store is slow or down, not speaking another protocol.
        _ => Ok(Answer::Inconclusive),
    }
}

/// Failures that mean "cannot serve now", not "does not understand".
fn serves_not(reason: Option<FailReason>) -> bool {
    matches!(
        reason,
        Some(FailReason::NotLeader | FailReason::Unavailable | FailReason::Refused)
    )
}

/// An unknown outcome whose answer was a 2xx: the store said "success" in
/// words the client could not read (the client puts the status first).
fn answered_2xx(c: &Completion) -> bool {
    let detail = c.detail.as_deref().unwrap_or("");
    let digits: String = detail.chars().take_while(char::is_ascii_digit).collect();
    digits.len() == 3 && digits.starts_with('2')
}

fn expected_text(op: &Op, expect: &Expect) -> String {
    match expect {
        Expect::Mismatch => "a failed comparison (409)".into(),
        _ => format!(
            "2xx with {}",
            faultline_workloads::client::promised_body(&op.f)
        ),
    }
}

fn hint() -> &'static str {
    " (the protocol: docs/cluster.md#http-api; a store description: docs/systems-under-test.md)"
}

fn describe_op(op: &Op) -> String {
    let key = op.key.as_deref().unwrap_or("");
    match op.f {
        OpFn::Read => format!("read {key}"),
        OpFn::Txn => format!("the transaction {}", op.value),
        _ => format!("{} {key} {}", op.f, op.value),
    }
}

fn describe(c: &Completion) -> String {
    let kind = match c.kind {
        EventType::Ok => "ok",
        EventType::Fail => "fail",
        _ => "unknown outcome",
    };
    match c.describe() {
        d if d.is_empty() => kind.to_string(),
        d => format!("{kind}: {d}"),
    }
}
