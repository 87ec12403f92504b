//! Fault injection for faultline: process faults (kill, pause), network
//! partitions and latency through a proxy mesh or network namespaces, clock
//! skew through the nodes' own clock offsets, user commands for external
//! systems, nodes on other hosts over SSH (their `[db]` lifecycle templates
//! and firewall partitions), and the schedules that drive them.
//!
//! The harness adapts its nodes to [`NodeControl`], builds a nemesis with
//! [`build_nemesis`] and runs it with [`run_schedule`], which always heals.

#![deny(missing_docs)]

// The root names what the harness and the crate's tests use; the nemesis
// implementations behind `build_nemesis` and their helpers stay private.
mod builder;
mod clock;
mod command;
mod compose;
mod control;
mod error;
mod kind;
mod latency;
mod nemesis;
mod netns;
mod partition;
mod process_nemesis;
mod proxy;
mod remote;
mod rounds;
mod runner;
mod schedule;
mod signals;
mod sink;
mod targets;
mod topology;
mod user_command;

pub use builder::{
    BuiltNemesis, NetworkBackends, build_nemesis, build_nemesis_on, build_nemesis_with,
    default_schedule, planned_targets,
};
pub use clock::{ClockFault, ClockNemesis, DEFAULT_MAX_OFFSET, MIN_OFFSET, STROBE_PERIOD};
pub use control::{BoxFuture, LeaderSource, NodeControl};
pub use error::NemesisError;
pub use kind::{NemesisKind, NemesisKinds};
pub use latency::{LatencyBackend, Slowdown};
pub use nemesis::Nemesis;
pub use netns::{NetnsLab, NetnsNode, NetnsPartition};
pub use partition::{PartitionBackend, PartitionNemesis};
pub use process_nemesis::{ProcessFault, ProcessNemesis};
pub use proxy::{LinkConfig, ProxyMesh};
pub use remote::{
    DbTemplates, Firewall, IPTABLES_CHAIN, NFT_LOSS_TABLE, NFT_TABLE, PLACEHOLDERS, RemoteNode,
    SshClient, SshLoss, SshNetem, SshNodes, SshPartition, SshTarget, Step, UnknownPlaceholder,
    command_line, fill, heal_argv, peers_of, placeholders_in, shell_word,
};
pub use runner::{RunSummary, heal_all, run_schedule};
pub use schedule::{Schedule, Timing, Window};
pub use signals::PidSignals;
pub use sink::{EventSink, MemorySink};
pub use targets::TargetSelection;
pub use topology::{Link, Partition, TopologyKind, cuts_between};
pub use user_command::{UserCommandConfig, UserCommands};
