//! The checkers' integration tests, as one test binary: one module per
//! area (models, formats, the corpus, properties against a brute-force
//! checker, ...), sharing `support/` (random histories, the brute-force
//! checker, model wrappers). One binary links once.
//!
//! Run one area with `cargo test -p faultline-checkers --test integration bank::`.

#[path = "../support/mod.rs"]
mod support;

mod bank;
mod cache_histories;
mod corpus;
mod deadline;
mod formats;
mod history_errors;
mod keyed_card;
mod lock;
mod minimal_counterexamples;
mod models;
mod properties;
mod search_engines;
mod txn;
mod weak_models;
