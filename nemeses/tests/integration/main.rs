//! The nemeses' integration tests, as one test binary: one module per
//! area (process faults, the proxy mesh, network namespaces, schedules,
//! user commands, the runner), sharing `common/` (a small test server and
//! local process control). One binary links once. `netns_unavailable`
//! stays a binary of its own: it empties PATH, which would break every
//! other test of a shared process.
//!
//! Run one area with `cargo test -p faultline-nemeses --test integration proxy_mesh::`.

#[path = "../common/mod.rs"]
mod common;
#[path = "../../../tests/requirements/mod.rs"]
mod requirements;

mod netns;
mod process_faults;
mod proxy_mesh;
mod proxy_overhead;
mod runner;
mod schedules;
mod user_command;
