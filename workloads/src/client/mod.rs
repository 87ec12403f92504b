//! Clients of systems under test: the HTTP protocol of docs/DESIGN.md, etcd's v3
//! JSON gateway, stores described in a TOML file, node selection, and the
//! mapping of responses to `ok` / `fail` / `info`.

mod balance;
pub mod base64;
pub mod described;
mod etcd;
mod etcd_read_mode;
mod etcd_txn;
mod http;
mod outcome;
mod sut_client;
mod txn;

pub use balance::{Balance, Balancer, ParseBalanceError};
pub use described::{DescribedClient, DescriptionError, StoreDescription};
pub use etcd::{EtcdClient, classify as classify_etcd};
pub use etcd_read_mode::{ParseReadModeError, ReadMode};
pub use http::{ClientError, Endpoint, HttpClient};
pub use outcome::{Classified, classify_response, classify_transport_error, promised_body};
pub use sut_client::SutClient;
pub use txn::classify as classify_txn;
