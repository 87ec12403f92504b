//! Options that belong to one workload. A workload with settings of its own
//! defines them beside its run as one struct: a group of flags that is also
//! a group of keys of a `--config` file, named as the flags are.

use faultline_workloads::workload::WorkloadKind;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// One workload's own options.
pub trait WorkloadArgs:
    clap::Args + Serialize + DeserializeOwned + Default + Clone + PartialEq + std::fmt::Debug
{
    /// The workload they set; given to another, they are refused.
    const WORKLOAD: WorkloadKind;

    /// Rejects values no run of the workload can use.
    fn validate(&self) -> anyhow::Result<()> {
        Ok(())
    }
}
