//! Which client a run speaks to its SUT with: the SUT's native one, or a
//! store description (`--store`, which also drives the bundled cluster or
//! etcd). The client decides the operations a run can send, so the client
//! side of a SUT's capabilities lives here.

use super::capability::{Capability, Need};
use crate::run::config::SutKind;
use anyhow::{Context, anyhow};
use faultline_workloads::client::{
    Balance, Balancer, DescribedClient, Endpoint, EtcdClient, HttpClient, ReadMode,
    StoreDescription, SutClient,
};
use faultline_workloads::workload::{Storage, WorkloadKind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Whether the native etcd client can send every request of `workload`.
fn etcd_serves(workload: WorkloadKind) -> bool {
    workload.requests().iter().all(|&r| EtcdClient::serves(r))
}

/// A store description and the file it came from (named in refusals).
#[derive(Debug, Clone)]
pub struct Described {
    /// The parsed description.
    pub description: Arc<StoreDescription>,
    /// Its file.
    pub path: PathBuf,
}

impl Described {
    /// Reads the description in `path`.
    pub fn load(path: &Path) -> anyhow::Result<Described> {
        // The error already names the file, the line, the key and what was expected.
        let description = StoreDescription::from_file(path).map_err(anyhow::Error::new)?;
        Ok(Described {
            description: Arc::new(description),
            path: path.to_path_buf(),
        })
    }
}

/// The client of a run.
#[derive(Debug, Clone)]
pub enum ClientKind {
    /// docs/DESIGN.md's HTTP protocol.
    Http,
    /// etcd's v3 JSON gateway, reading as asked.
    Etcd(ReadMode),
    /// Requests and answers as a store description says.
    Described(Described),
}

/// How every client of a run behaves, whatever it speaks.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Node choice.
    pub balance: Balance,
    /// How the workload's values live in the store.
    pub storage: Storage,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Concurrent workers (the connection pool's size).
    pub concurrency: usize,
}

impl ClientKind {
    /// The native client of `sut`, or the description's when there is one.
    pub fn choose(sut: SutKind, read_mode: ReadMode, described: Option<Described>) -> ClientKind {
        match (described, sut) {
            (Some(d), _) => ClientKind::Described(d),
            (None, SutKind::Etcd) => ClientKind::Etcd(read_mode),
            (None, _) => ClientKind::Http,
        }
    }

    /// The description, when the client is a described one.
    pub fn described(&self) -> Option<&Described> {
        match self {
            ClientKind::Described(d) => Some(d),
            _ => None,
        }
    }

    /// Whether this client can do `capability`; `None` when it is not the
    /// client's to decide (faults belong to the nodes).
    pub fn can(&self, capability: Capability) -> Option<bool> {
        Some(match capability {
            Capability::Txn => matches!(self, ClientKind::Http),
            Capability::ReadMode => matches!(self, ClientKind::Etcd(_)),
            Capability::Serve(w) => match self {
                ClientKind::Http => true,
                ClientKind::Etcd(_) => etcd_serves(w),
                ClientKind::Described(d) => d.description.missing_for(w).is_empty(),
            },
            _ => return None,
        })
    }

    /// Why this client cannot do what `need` asks, for a run against `sut`;
    /// `None` when the client is not the reason.
    pub fn refuse(&self, need: &Need, sut: SutKind) -> Option<anyhow::Error> {
        Some(match need.capability {
            Capability::Txn => anyhow!(
                "the bank workload sends multi-key transactions (POST /txn of docs/DESIGN.md's \
                 protocol), which only the native HTTP client speaks: use --sut bundled or \
                 --sut http (not --sut {sut}{})",
                if self.described().is_some() {
                    " with --store"
                } else {
                    ""
                }
            ),
            Capability::ReadMode => anyhow!(
                "--read-mode applies to the native etcd client (--sut etcd without --store); \
                 a store description sets its own read request"
            ),
            Capability::Serve(w) => match self {
                ClientKind::Http => return None,
                ClientKind::Etcd(_) => {
                    let served: Vec<&str> = WorkloadKind::ALL
                        .into_iter()
                        .filter(|&w| etcd_serves(w))
                        .map(WorkloadKind::as_str)
                        .collect();
                    anyhow!(
                        "the etcd client supports the {} workloads, not {w}",
                        crate::prose::and_list(&served)
                    )
                }
                ClientKind::Described(d) => {
                    let missing = d.description.missing_for(w);
                    let first = missing.first()?;
                    // `txn.append`: a template missing from a table that is there.
                    let hint = match first.split_once('.') {
                        Some((table, key)) => format!("add `{key}` to the [{table}] table"),
                        None => format!("add a [{first}] table"),
                    };
                    anyhow!(
                        "store description {}: the {w} workload needs the operation(s) {} ({hint})",
                        d.path.display(),
                        missing.join(", "),
                    )
                }
            },
            _ => return None,
        })
    }

    /// The client the workers share, over the started SUT's endpoints.
    pub fn build(
        &self,
        endpoints: Vec<Endpoint>,
        weights: Vec<u32>,
        opts: &ClientOptions,
    ) -> anyhow::Result<SutClient> {
        let balancer = Balancer::new(opts.balance, weights);
        Ok(match self {
            ClientKind::Described(d) => DescribedClient::new(
                d.description.clone(),
                endpoints,
                balancer,
                opts.storage,
                opts.timeout,
                opts.concurrency,
            )
            .context("building the described-store client")?
            .into(),
            ClientKind::Etcd(read_mode) => EtcdClient::new(
                endpoints,
                balancer,
                *read_mode,
                opts.timeout,
                opts.concurrency,
            )
            .context("building the etcd client")?
            .with_storage(opts.storage)
            .into(),
            ClientKind::Http => HttpClient::new(
                endpoints,
                balancer,
                opts.storage,
                opts.timeout,
                opts.concurrency,
            )
            .context("building the SUT client")?
            .into(),
        })
    }
}
