//! Which part a `faultline node` process plays in a sharded cluster.

/// The role of one process of the bundled cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ProcessRole {
    /// A Raft node of one group (a shard, or the whole unsharded cluster).
    #[default]
    Node,
    /// The two-phase-commit coordinator in front of the shards.
    Coordinator,
}
