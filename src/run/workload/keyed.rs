//! Workloads that are a stream of independent operations on keys
//! (registers, lists, sets, counters): the defaults of [`Workload`] are
//! nearly all they need.

use super::unit::Workload;
use crate::run::probe::Probe;
use faultline_workloads::workload::WorkloadKind;

/// A keyed workload.
#[derive(Debug)]
pub struct Keyed {
    /// Which one.
    pub kind: WorkloadKind,
}

impl Workload for Keyed {
    fn kind(&self) -> WorkloadKind {
        self.kind
    }

    fn probe(&self) -> Probe {
        match self.kind {
            WorkloadKind::Register => Probe::Register { cas: false },
            WorkloadKind::CasRegister | WorkloadKind::Kv => Probe::Register { cas: true },
            // Lists, sets and counters: their shape shows in the first answers.
            _ => Probe::None,
        }
    }
}
