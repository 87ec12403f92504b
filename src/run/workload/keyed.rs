//! Workloads that are a stream of independent operations on keys
//! (registers, lists, sets, counters, transactions over keys): the
//! defaults of [`Workload`] are all they need.

use super::unit::Workload;
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
}
