//! Any HTTP store, described in a TOML file: per operation the request
//! (method, URL and body templates), where the value is in the response, and
//! which responses mean ok, fail or unknown; optionally a transaction
//! endpoint (`[txn]`) and per-node process commands for nemeses. docs/systems-under-test.md documents the format.

mod client;
mod commands;
mod encoding;
mod error;
mod leader;
mod method;
mod route;
mod rule;
mod rule_file;
mod spec;
mod template;
mod toml_reader;
mod txn;

pub use client::{DescribedClient, classify};
pub use commands::{CommandKey, ProcessCommands, placeholders_in};
pub use encoding::ValueEncoding;
pub use error::{DescriptionError, FieldError};
pub use leader::{LeaderQuery, LeaderTest};
pub use method::Method;
pub use route::Route;
pub use rule::{BodyCheck, Outcome, Rule, StatusMatch};
pub use spec::{Operation, StoreDescription};
pub use template::{Arguments, Fill, Placeholder, Template};
pub use txn::{MissingValue, ResultsPer, TxnOperation};
