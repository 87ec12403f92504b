//! Nodes on other hosts, reached over SSH: the transport, the database
//! lifecycle templates run on each node, node control through them, and
//! partitions made of firewall rules on the nodes themselves.

mod quote;
mod ssh;

pub use quote::{command_line, shell_word};
pub use ssh::{SshClient, SshTarget};
