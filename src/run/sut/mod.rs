//! The system under test: a trait every kind of SUT implements (Jepsen's
//! `DB`, with its optional capabilities declared rather than discovered),
//! built once from the configuration, and the running SUT it starts.
//!
//! Adding a kind of SUT (SSH nodes, say) means one file here implementing
//! [`SystemUnderTest`] (`system.rs`) and one arm in [`from_config`].

mod bundled;
mod bundled_control;
pub mod capability;
pub mod client;
mod described;
mod described_leader;
mod endpoints;
mod etcd;
mod http;
mod running;
pub mod ssh;
mod ssh_run;
mod status_leader;
mod system;

use super::config::{RunConfig, SutKind};
use client::{ClientKind, Described};
use std::sync::Arc;

pub use running::Sut;
pub use system::SystemUnderTest;

/// The SUT `config` describes, with its client.
pub fn from_config(config: &RunConfig) -> anyhow::Result<Arc<dyn SystemUnderTest>> {
    let described = config.store.as_deref().map(Described::load).transpose()?;
    let client = ClientKind::choose(config.sut, config.read_mode, described);
    Ok(match config.sut {
        SutKind::Bundled => Arc::new(bundled::BundledSut::new(config, client)?),
        SutKind::Http => Arc::new(http::HttpSut::new(config, client)?),
        SutKind::Etcd => Arc::new(etcd::EtcdSut::new(config, client)),
        SutKind::Described => Arc::new(described::DescribedSut::new(config, client)?),
        SutKind::Ssh => Arc::new(ssh::SshSut::new(config, client)?),
    })
}
