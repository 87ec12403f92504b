//! The anomalies the checker names, and one found anomaly as the report
//! carries it: the transactions involved and, for a cycle, every step in words.

use super::edges::EdgeKind;
use super::history::TxnStatus;
use crate::history::ProcessId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A kind of anomaly (Adya's phenomena as Elle names them, plus the
/// observations no database may produce).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AnomalyKind {
    /// A cycle of write-write dependencies.
    G0,
    /// Aborted read: a committed transaction saw a value an aborted one wrote.
    G1a,
    /// Intermediate read: a committed transaction saw a value that was not
    /// its writer's last write to that key.
    G1b,
    /// A cycle of write-write and write-read dependencies, at least one write-read.
    G1c,
    /// A cycle with exactly one read-write (anti-)dependency: read skew.
    #[serde(rename = "G-single")]
    GSingle,
    /// A cycle with two or more read-write dependencies (write skew and kin).
    #[serde(rename = "G2-item")]
    G2Item,
    /// G0 that needs a real-time edge.
    #[serde(rename = "G0-realtime")]
    G0Realtime,
    /// G1c that needs a real-time edge.
    #[serde(rename = "G1c-realtime")]
    G1cRealtime,
    /// G-single that needs a real-time edge.
    #[serde(rename = "G-single-realtime")]
    GSingleRealtime,
    /// G2-item that needs a real-time edge.
    #[serde(rename = "G2-item-realtime")]
    G2ItemRealtime,
    /// G0 that needs a process-order edge.
    #[serde(rename = "G0-process")]
    G0Process,
    /// G1c that needs a process-order edge.
    #[serde(rename = "G1c-process")]
    G1cProcess,
    /// G-single that needs a process-order edge.
    #[serde(rename = "G-single-process")]
    GSingleProcess,
    /// G2-item that needs a process-order edge.
    #[serde(rename = "G2-item-process")]
    G2ItemProcess,
    /// Two committed transactions read the same version of a key and both wrote it.
    #[serde(rename = "lost-update")]
    LostUpdate,
    /// A transaction's read disagrees with its own earlier reads or writes.
    #[serde(rename = "internal")]
    Internal,
    /// A list read holds the same element twice.
    #[serde(rename = "duplicate-elements")]
    DuplicateElements,
    /// Two reads of a list where neither is a prefix of the other.
    #[serde(rename = "incompatible-order")]
    IncompatibleOrder,
    /// A read returned a value no transaction wrote.
    #[serde(rename = "garbage-read")]
    GarbageRead,
}

impl AnomalyKind {
    /// Every kind, in report order.
    pub const ALL: [AnomalyKind; 19] = [
        AnomalyKind::G0,
        AnomalyKind::G1a,
        AnomalyKind::G1b,
        AnomalyKind::G1c,
        AnomalyKind::GSingle,
        AnomalyKind::G2Item,
        AnomalyKind::G0Realtime,
        AnomalyKind::G1cRealtime,
        AnomalyKind::GSingleRealtime,
        AnomalyKind::G2ItemRealtime,
        AnomalyKind::G0Process,
        AnomalyKind::G1cProcess,
        AnomalyKind::GSingleProcess,
        AnomalyKind::G2ItemProcess,
        AnomalyKind::LostUpdate,
        AnomalyKind::Internal,
        AnomalyKind::DuplicateElements,
        AnomalyKind::IncompatibleOrder,
        AnomalyKind::GarbageRead,
    ];

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyKind::G0 => "G0",
            AnomalyKind::G1a => "G1a",
            AnomalyKind::G1b => "G1b",
            AnomalyKind::G1c => "G1c",
            AnomalyKind::GSingle => "G-single",
            AnomalyKind::G2Item => "G2-item",
            AnomalyKind::G0Realtime => "G0-realtime",
            AnomalyKind::G1cRealtime => "G1c-realtime",
            AnomalyKind::GSingleRealtime => "G-single-realtime",
            AnomalyKind::G2ItemRealtime => "G2-item-realtime",
            AnomalyKind::G0Process => "G0-process",
            AnomalyKind::G1cProcess => "G1c-process",
            AnomalyKind::GSingleProcess => "G-single-process",
            AnomalyKind::G2ItemProcess => "G2-item-process",
            AnomalyKind::LostUpdate => "lost-update",
            AnomalyKind::Internal => "internal",
            AnomalyKind::DuplicateElements => "duplicate-elements",
            AnomalyKind::IncompatibleOrder => "incompatible-order",
            AnomalyKind::GarbageRead => "garbage-read",
        }
    }

    /// True for the kinds that are dependency cycles.
    pub fn is_cycle(self) -> bool {
        !matches!(
            self,
            AnomalyKind::G1a
                | AnomalyKind::G1b
                | AnomalyKind::LostUpdate
                | AnomalyKind::Internal
                | AnomalyKind::DuplicateElements
                | AnomalyKind::IncompatibleOrder
                | AnomalyKind::GarbageRead
        )
    }

    /// What the anomaly means, in a few words.
    pub fn meaning(self) -> &'static str {
        match self {
            AnomalyKind::G0 => "write cycle",
            AnomalyKind::G1a => "aborted read",
            AnomalyKind::G1b => "intermediate read",
            AnomalyKind::G1c => "circular information flow",
            AnomalyKind::GSingle => "read skew: a cycle with one anti-dependency",
            AnomalyKind::G2Item => "a cycle with several anti-dependencies",
            AnomalyKind::G0Realtime
            | AnomalyKind::G1cRealtime
            | AnomalyKind::GSingleRealtime
            | AnomalyKind::G2ItemRealtime => "a cycle only with real-time order",
            AnomalyKind::G0Process
            | AnomalyKind::G1cProcess
            | AnomalyKind::GSingleProcess
            | AnomalyKind::G2ItemProcess => "a cycle only with process order",
            AnomalyKind::LostUpdate => "two writers of one version",
            AnomalyKind::Internal => "a transaction contradicts itself",
            AnomalyKind::DuplicateElements => "an element read twice",
            AnomalyKind::IncompatibleOrder => "two reads disagree on a list's order",
            AnomalyKind::GarbageRead => "a value nobody wrote",
        }
    }
}

impl fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A transaction as an anomaly names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnRef {
    /// Its number in the report, `T<id>` (invocation order, from 0).
    pub id: usize,
    /// `index` of its invocation in the history.
    pub index: u64,
    /// `index` of its completion, if it completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_index: Option<u64>,
    /// Its process.
    pub process: ProcessId,
    /// How it ended.
    pub status: TxnStatus,
    /// Its micro-ops, e.g. `[append x 3] [r y [5]]`.
    pub ops: String,
}

/// One arc of a cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleStep {
    /// The transaction that comes first.
    pub from: usize,
    /// The transaction that comes after it.
    pub to: usize,
    /// Why.
    pub kind: EdgeKind,
    /// The key the dependency is about, for data dependencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The reason in words, ending "so Ta < Tb (kind)".
    pub text: String,
}

/// One anomaly found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// Which anomaly.
    pub kind: AnomalyKind,
    /// The transactions involved (in cycle order for a cycle).
    pub txns: Vec<TxnRef>,
    /// The cycle's arcs, for cycle anomalies; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cycle: Vec<CycleStep>,
    /// The anomaly in words.
    pub text: String,
}
