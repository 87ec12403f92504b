//! Nodes on other hosts, reached over SSH: the transport, the database
//! lifecycle templates run on each node, node control through them, and
//! partitions made of firewall rules on the nodes themselves.

mod control;
mod fanout;
mod firewall;
mod loss;
mod netem;
mod node;
mod partition;
mod quote;
mod ssh;
mod template;

pub use control::SshNodes;
pub use firewall::{Firewall, IPTABLES_CHAIN, NFT_LOSS_TABLE, NFT_TABLE, heal_argv};
pub use loss::SshLoss;
pub use netem::SshNetem;
pub use node::{RemoteNode, peers_of};
pub use partition::SshPartition;
pub use quote::{command_line, shell_word};
pub use ssh::{SshClient, SshTarget};
pub use template::{DbTemplates, PLACEHOLDERS, Step, UnknownPlaceholder, fill, placeholders_in};
