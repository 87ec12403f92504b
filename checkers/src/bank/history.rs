//! The bank view of a history: initial balances from the setup write,
//! transfers as balance changes, and whole-bank reads.

use crate::history::{Event, HistoryError, OpFn, OpStatus, Operation, ProcessId, pair_operations};
use serde_json::Value;
use std::collections::BTreeMap;

/// Why a history cannot be read as a bank history.
#[derive(Debug, thiserror::Error)]
pub enum BankError {
    /// Invocations and completions do not pair up.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// An operation's value does not have the bank workload's shape.
    #[error("operation at index {index}: {message}")]
    Shape {
        /// `index` of the operation's invoke event.
        index: u64,
        /// What was expected.
        message: String,
    },
}

/// A transfer as the change it makes to the balances.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    /// The operation it came from.
    pub op: usize,
    /// Account index debited.
    pub from: usize,
    /// Account index credited.
    pub to: usize,
    /// Amount moved (positive).
    pub amount: i64,
    /// Whether it certainly took effect (`ok`) or may have (`info`).
    pub certain: bool,
    /// History position of the invoke.
    pub invoke_pos: usize,
    /// History position of the `ok` completion (`None` when unknown).
    pub complete_pos: Option<usize>,
}

/// An `ok` whole-bank read.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// The operation it came from.
    pub op: usize,
    /// Balance per account index; an absent account reads as `None`.
    pub balances: Vec<Option<i64>>,
    /// The value as the history recorded it.
    pub raw: Value,
    /// History positions of invoke and completion.
    pub invoke_pos: usize,
    /// History position of the `ok` completion.
    pub complete_pos: usize,
    /// `index` and `time` of the completion event.
    pub index: u64,
    /// Completion time, ns.
    pub time: u64,
    /// Issuing process.
    pub process: ProcessId,
    /// The node that served it, where recorded.
    pub node: Option<String>,
}

/// Everything the bank checker looks at.
#[derive(Debug, Clone, PartialEq)]
pub struct BankHistory {
    /// Account names, in index order.
    pub accounts: Vec<String>,
    /// Initial balance per account index (`None` when the history has no `ok` setup write).
    pub initial: Option<Vec<i64>>,
    /// Whether the history has a setup write at all (`ok` or not): Jepsen's
    /// bank histories have none, faultline's always do.
    pub setup_attempted: bool,
    /// Transfers that took or may have taken effect (`fail` ones are dropped).
    pub transfers: Vec<Transfer>,
    /// `ok` whole-bank reads.
    pub reads: Vec<Read>,
}

/// True for the bank workload's operations: transfers, and unkeyed reads/writes.
fn is_bank_op(op: &Operation) -> bool {
    op.f == OpFn::Transfer || (op.key.is_none() && matches!(op.f, OpFn::Read | OpFn::Write))
}

impl BankHistory {
    /// Extracts the bank operations of `events`.
    pub fn from_events(events: &[Event]) -> Result<BankHistory, BankError> {
        let ops = pair_operations(events, None, "history")?;
        let setup = ops
            .iter()
            .find(|o| o.f == OpFn::Write && o.key.is_none() && o.status == OpStatus::Ok);
        let setup_attempted = ops.iter().any(|o| o.f == OpFn::Write && o.key.is_none());
        let mut accounts: Vec<String> = Vec::new();
        let mut initial = None;
        if let Some(s) = setup {
            let map = s
                .value
                .as_object()
                .ok_or_else(|| shape(s, "the setup write's value must map account to balance"))?;
            let mut balances = Vec::with_capacity(map.len());
            // serde_json's map is sorted, so account indices are stable.
            for (name, v) in map {
                let b = bounded(v).ok_or_else(|| {
                    shape(
                        s,
                        format!("initial balance of {name} is not an integer within ±2^40: {v}"),
                    )
                })?;
                accounts.push(name.clone());
                balances.push(b);
            }
            initial = Some(balances);
        }
        let mut index_of: BTreeMap<String, usize> = accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.clone(), i))
            .collect();
        let mut account = |name: &str| -> usize {
            if let Some(&i) = index_of.get(name) {
                return i;
            }
            accounts.push(name.to_string());
            index_of.insert(name.to_string(), accounts.len() - 1);
            accounts.len() - 1
        };
        let mut transfers = Vec::new();
        let mut raw_reads = Vec::new();
        for op in ops.iter().filter(|o| is_bank_op(o)) {
            match op.f {
                OpFn::Transfer => {
                    let field = |k: &str| op.value.get(k);
                    let (Some(from), Some(to), Some(amount)) = (
                        field("from").and_then(account_name),
                        field("to").and_then(account_name),
                        field("amount").and_then(bounded),
                    ) else {
                        return Err(shape(
                            op,
                            "a transfer's value must be {\"from\":account,\"to\":account,\"amount\":integer within ±2^40}",
                        ));
                    };
                    transfers.push(Transfer {
                        op: op.id,
                        from: account(&from),
                        to: account(&to),
                        amount,
                        certain: op.status == OpStatus::Ok,
                        invoke_pos: op.invoke_pos,
                        complete_pos: op.complete_pos,
                    });
                }
                OpFn::Read if op.status == OpStatus::Ok => {
                    let map = op.output.as_object().ok_or_else(|| {
                        shape(
                            op,
                            format!(
                                "a whole-bank read must return a map of account to balance, got {}",
                                op.output
                            ),
                        )
                    })?;
                    for name in map.keys() {
                        account(name);
                    }
                    raw_reads.push(op);
                }
                _ => {}
            }
        }
        let reads = raw_reads
            .into_iter()
            .map(|op| read_of(op, events, &index_of, accounts.len()))
            .collect::<Result<Vec<_>, _>>()?;
        let initial = initial.map(|mut b: Vec<i64>| {
            // Accounts the setup did not create start empty.
            b.resize(accounts.len(), 0);
            b
        });
        Ok(BankHistory {
            accounts,
            initial,
            setup_attempted,
            transfers,
            reads,
        })
    }
}

/// An account as a transfer names it: a string, or a number as Jepsen's
/// bank test numbers its accounts (`{:from 1 :to 3}`), taken as its text,
/// which is how a read's map keys it (`{0 10, 1 10}` reads as `"0"`, `"1"`).
fn account_name(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Largest balance or amount accepted: with at most a few million numbers
/// per history, sums of values this size cannot overflow an i64, so the
/// checker's arithmetic stays exact on any input.
const MAX_MAGNITUDE: i64 = 1 << 40;

/// `v` as an integer of at most [`MAX_MAGNITUDE`] either way.
fn bounded(v: &Value) -> Option<i64> {
    v.as_i64().filter(|n| n.abs() <= MAX_MAGNITUDE)
}

fn read_of(
    op: &Operation,
    events: &[Event],
    index_of: &BTreeMap<String, usize>,
    n: usize,
) -> Result<Read, BankError> {
    let mut balances = vec![None; n];
    if let Some(map) = op.output.as_object() {
        for (name, v) in map {
            let b = match v {
                Value::Null => None,
                v => Some(bounded(v).ok_or_else(|| {
                    shape(
                        op,
                        format!("balance of {name} is not an integer within ±2^40: {v}"),
                    )
                })?),
            };
            if let Some(&i) = index_of.get(name) {
                balances[i] = b;
            }
        }
    }
    // An `ok` operation always has its completion position.
    let complete_pos = op.complete_pos.unwrap_or(op.invoke_pos);
    let done = events.get(complete_pos);
    Ok(Read {
        op: op.id,
        balances,
        raw: op.output.clone(),
        invoke_pos: op.invoke_pos,
        complete_pos,
        index: op.complete_index.unwrap_or(op.invoke_index),
        time: op.complete_time.unwrap_or(op.invoke_time),
        process: op.process,
        node: done.and_then(|e| e.node.clone()),
    })
}

fn shape(op: &Operation, message: impl Into<String>) -> BankError {
    BankError::Shape {
        index: op.invoke_index,
        message: message.into(),
    }
}
