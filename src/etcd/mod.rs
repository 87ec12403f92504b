//! etcd as a system under test: finding the binary, launching local members
//! (own data directory and log each), routing their peer traffic through the
//! proxy mesh, and the `NodeControl` nemeses use to kill and pause them.

pub mod binary;
pub mod control;
pub mod launcher;
pub mod local;
pub mod peer_front;
pub mod up;

pub use control::EtcdControl;
pub use local::LocalEtcd;
