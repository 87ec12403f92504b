//! A per-key view of a read/write/cas history for the checkers that reason
//! about versions (session, eventual, staleness): which value each operation
//! observed and which it installed.
//!
//! These checkers assume that every value is written at most once per key
//! (the `register` and `kv` workloads guarantee it), so a read names the exact
//! write it saw. Keys where a value is written twice are set aside as
//! not checkable rather than guessed at.
//!
//! A written `null` (a delete) is a version of its own, distinct from the
//! initial state although both read as null; see [`Version`].

mod access;

pub(crate) use access::op_namer;
pub use access::{Access, KeyView, RegisterView, Version, ViewError};
