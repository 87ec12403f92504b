//! Clients of systems under test: the HTTP protocol of DESIGN.md, node
//! selection, and the mapping of responses to `ok` / `fail` / `info`.

mod balance;
mod http;
mod outcome;

pub use balance::{Balance, Balancer, ParseBalanceError};
pub use http::{ClientError, Endpoint, HttpClient};
pub use outcome::{Classified, classify_response, classify_transport_error};
