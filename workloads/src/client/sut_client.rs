//! One client type for every kind of system under test, so the workers do not
//! care which protocol they speak.

use super::described::DescribedClient;
use super::etcd::EtcdClient;
use super::http::{Endpoint, HttpClient};
use crate::op::{Completion, Op};
use rand::Rng;

/// The client a run uses: docs/DESIGN.md's HTTP protocol, etcd, or a described store.
#[derive(Debug)]
pub enum SutClient {
    /// docs/DESIGN.md's protocol (the bundled cluster, `--sut http`).
    Http(HttpClient),
    /// etcd's v3 JSON gateway.
    Etcd(EtcdClient),
    /// Any HTTP store, driven by a store-description file.
    Described(DescribedClient),
}

impl SutClient {
    /// Invokes `op` on a node chosen by the client's balancer.
    pub async fn invoke<R: Rng + ?Sized>(&self, op: &Op, rng: &mut R) -> Completion {
        match self {
            SutClient::Http(c) => c.invoke(op, rng).await,
            SutClient::Etcd(c) => c.invoke(op, rng).await,
            SutClient::Described(c) => c.invoke(op, rng).await,
        }
    }

    /// Invokes `op` on node `idx` of [`SutClient::endpoints`], whatever the balancer says.
    pub async fn invoke_at(&self, idx: usize, op: &Op) -> Completion {
        match self {
            SutClient::Http(c) => c.invoke_at(idx, op).await,
            SutClient::Etcd(c) => c.invoke_at(idx, op).await,
            SutClient::Described(c) => c.invoke_at(idx, op).await,
        }
    }

    /// The nodes the client talks to.
    pub fn endpoints(&self) -> &[Endpoint] {
        match self {
            SutClient::Http(c) => c.endpoints(),
            SutClient::Etcd(c) => c.endpoints(),
            SutClient::Described(c) => c.endpoints(),
        }
    }
}

impl From<HttpClient> for SutClient {
    fn from(c: HttpClient) -> Self {
        SutClient::Http(c)
    }
}

impl From<EtcdClient> for SutClient {
    fn from(c: EtcdClient) -> Self {
        SutClient::Etcd(c)
    }
}

impl From<DescribedClient> for SutClient {
    fn from(c: DescribedClient) -> Self {
        SutClient::Described(c)
    }
}
