//! Consistency models and the anomalies each one forbids (Adya's
//! phenomena as Elle maps them onto models), and the table of which models
//! a set of anomalies rules out.

use super::anomaly::AnomalyKind;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A transactional consistency model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsistencyModel {
    /// Serializable, in an order that respects real time.
    StrictSerializable,
    /// Serializable, in an order that respects each process's order.
    StrongSessionSerializable,
    /// Equivalent to some serial execution of the committed transactions.
    Serializable,
    /// Snapshot isolation whose snapshots respect real time.
    StrongSnapshotIsolation,
    /// Snapshot isolation whose snapshots respect each process's order.
    StrongSessionSnapshotIsolation,
    /// Snapshot isolation (Adya's PL-SI).
    SnapshotIsolation,
    /// Repeatable read (Adya's PL-2.99).
    RepeatableRead,
    /// Read committed (Adya's PL-2).
    ReadCommitted,
    /// Read uncommitted (Adya's PL-1).
    ReadUncommitted,
}

impl ConsistencyModel {
    /// Every model, strongest first.
    pub const ALL: [ConsistencyModel; 9] = [
        ConsistencyModel::StrictSerializable,
        ConsistencyModel::StrongSessionSerializable,
        ConsistencyModel::Serializable,
        ConsistencyModel::StrongSnapshotIsolation,
        ConsistencyModel::StrongSessionSnapshotIsolation,
        ConsistencyModel::SnapshotIsolation,
        ConsistencyModel::RepeatableRead,
        ConsistencyModel::ReadCommitted,
        ConsistencyModel::ReadUncommitted,
    ];

    /// The name used in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsistencyModel::StrictSerializable => "strict-serializable",
            ConsistencyModel::StrongSessionSerializable => "strong-session-serializable",
            ConsistencyModel::Serializable => "serializable",
            ConsistencyModel::StrongSnapshotIsolation => "strong-snapshot-isolation",
            ConsistencyModel::StrongSessionSnapshotIsolation => "strong-session-snapshot-isolation",
            ConsistencyModel::SnapshotIsolation => "snapshot-isolation",
            ConsistencyModel::RepeatableRead => "repeatable-read",
            ConsistencyModel::ReadCommitted => "read-committed",
            ConsistencyModel::ReadUncommitted => "read-uncommitted",
        }
    }

    /// Whether the model forbids `a` outright.
    ///
    /// Observations no database may produce (a value nobody wrote, a list
    /// read twice holding one element, lists out of order, a transaction
    /// contradicting itself) are forbidden by every model. A cycle that
    /// needs real-time order is forbidden by the real-time ("strong")
    /// models, one that needs process order by those and the session ones:
    /// each process's transactions are also ordered in real time.
    pub fn forbids(self, a: AnomalyKind) -> bool {
        use AnomalyKind as A;
        use ConsistencyModel as M;
        if matches!(
            a,
            A::Internal | A::DuplicateElements | A::IncompatibleOrder | A::GarbageRead | A::G0
        ) {
            return true;
        }
        let realtime = matches!(self, M::StrictSerializable | M::StrongSnapshotIsolation);
        let session = realtime
            || matches!(
                self,
                M::StrongSessionSerializable | M::StrongSessionSnapshotIsolation
            );
        let serializable = matches!(
            self,
            M::StrictSerializable | M::StrongSessionSerializable | M::Serializable
        );
        let si = matches!(
            self,
            M::StrongSnapshotIsolation | M::StrongSessionSnapshotIsolation | M::SnapshotIsolation
        );
        let repeatable = serializable || self == M::RepeatableRead;
        let committed = self != M::ReadUncommitted;
        match a {
            A::G1a | A::G1b | A::G1c => committed,
            A::GSingle => serializable || si || repeatable,
            A::G2Item => repeatable,
            A::LostUpdate => serializable || si || repeatable,
            A::G0Realtime | A::G1cRealtime | A::GSingleRealtime => realtime,
            A::G2ItemRealtime => realtime && serializable,
            A::G0Process | A::G1cProcess | A::GSingleProcess => session,
            A::G2ItemProcess => session && serializable,
            _ => true,
        }
    }
}

impl fmt::Display for ConsistencyModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A model name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown consistency model {0:?}; expected strict-serializable, strong-session-serializable, serializable, strong-snapshot-isolation, strong-session-snapshot-isolation, snapshot-isolation, repeatable-read, read-committed or read-uncommitted"
)]
pub struct UnknownConsistencyModel(pub String);

impl FromStr for ConsistencyModel {
    type Err = UnknownConsistencyModel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase().replace('_', "-");
        ConsistencyModel::ALL
            .into_iter()
            .find(|m| m.as_str() == lower)
            .or(match lower.as_str() {
                "strict-serializability" | "strong-serializable" => {
                    Some(ConsistencyModel::StrictSerializable)
                }
                "serializability" => Some(ConsistencyModel::Serializable),
                "si" => Some(ConsistencyModel::SnapshotIsolation),
                _ => None,
            })
            .ok_or_else(|| UnknownConsistencyModel(s.to_string()))
    }
}

/// One row of the models table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRow {
    /// The model.
    pub model: ConsistencyModel,
    /// True if the history shows an anomaly the model forbids.
    pub ruled_out: bool,
    /// The anomalies found that it forbids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by: Vec<AnomalyKind>,
}

/// The table for the anomalies found: every model, strongest first.
pub fn model_table(found: &[AnomalyKind]) -> Vec<ModelRow> {
    ConsistencyModel::ALL
        .into_iter()
        .map(|model| {
            let by: Vec<AnomalyKind> = found
                .iter()
                .copied()
                .filter(|a| model.forbids(*a))
                .collect();
            ModelRow {
                model,
                ruled_out: !by.is_empty(),
                by,
            }
        })
        .collect()
}
