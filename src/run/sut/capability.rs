//! What a system under test can do (Jepsen's optional `Kill`, `Pause`,
//! `Primary`, ... protocols of a `DB`), and what a run needs of it: a run
//! is refused up front, with the SUT's own reason, when it needs something
//! its SUT cannot do, since a fault or an option that silently does nothing
//! lets a user believe they tested what they did not.

use faultline_nemeses::NemesisKind;
use faultline_workloads::workload::WorkloadKind;
use std::fmt;

/// One thing a SUT (its nodes or its client) may be able to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Kill a node's process and start it again.
    Kill,
    /// Stop a node's process and let it continue (SIGSTOP/SIGCONT).
    Pause,
    /// Cut links between nodes (peer links routed through the proxy mesh,
    /// or a described store's partition commands).
    Partition,
    /// Slow links between nodes (the same proxies, or latency commands).
    Latency,
    /// Drop a share of what crosses the links between nodes (the same
    /// proxies, or nftables on SSH nodes).
    Loss,
    /// Skew a node's wall clock without touching the machine's
    /// (`NodeControl::set_clock_offset`).
    Clock,
    /// Multi-key transactions that add to balances (the bank's transfers,
    /// `POST /txn` of docs/DESIGN.md's protocol).
    Txn,
    /// A choice of how reads are served (etcd's linearizable or serializable).
    ReadMode,
    /// Deliberate bugs that can be switched on.
    Bugs,
    /// A read-through cache in front of the state machine.
    ReadCache,
    /// The operations of this workload.
    Serve(WorkloadKind),
}

impl Capability {
    /// The capability a fault of `kind` needs.
    pub fn for_fault(kind: NemesisKind) -> Capability {
        match kind {
            NemesisKind::Kill => Capability::Kill,
            NemesisKind::Pause => Capability::Pause,
            NemesisKind::Partition => Capability::Partition,
            NemesisKind::Latency => Capability::Latency,
            NemesisKind::Loss => Capability::Loss,
            NemesisKind::Clock => Capability::Clock,
        }
    }
}

impl fmt::Display for Capability {
    /// What the SUT cannot do, as a refusal says it: `--sut http cannot kill nodes`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Capability::Kill => f.write_str("kill nodes"),
            Capability::Pause => f.write_str("pause nodes"),
            Capability::Partition => f.write_str("partition the network between nodes"),
            Capability::Latency => f.write_str("slow the links between nodes"),
            Capability::Loss => f.write_str("drop packets between nodes"),
            Capability::Clock => f.write_str("skew the nodes' clocks"),
            Capability::Txn => f.write_str("run multi-key transactions"),
            Capability::ReadMode => f.write_str("choose how reads are served"),
            Capability::Bugs => f.write_str("switch on bugs"),
            Capability::ReadCache => f.write_str("serve reads from a cache"),
            Capability::Serve(w) => write!(f, "serve the {w} workload's operations"),
        }
    }
}

/// Who needs a capability: says why in a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeededBy {
    /// The workload's operations.
    Workload(WorkloadKind),
    /// The requested faults: `--nemesis` as given, and whether that is the
    /// default (a user who never asked for faults must learn where they came from).
    Nemesis {
        /// The `--nemesis` list, comma-separated.
        list: String,
        /// True when the list is the default one.
        default: bool,
    },
    /// An option, by its flag name (`--bug`).
    Option(&'static str),
}

impl fmt::Display for NeededBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NeededBy::Workload(w) => write!(f, "the {w} workload"),
            NeededBy::Nemesis { list, default } => {
                write!(f, "--nemesis {list}")?;
                if *default {
                    f.write_str(" (the default)")?;
                }
                Ok(())
            }
            NeededBy::Option(flag) => f.write_str(flag),
        }
    }
}

/// A capability a run needs, and who needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// What the SUT must be able to do.
    pub capability: Capability,
    /// Why.
    pub by: NeededBy,
}

impl Need {
    /// `capability`, needed by `by`.
    pub fn new(capability: Capability, by: NeededBy) -> Need {
        Need { capability, by }
    }
}
