//! Operation generators: pacing, op mixes, key choice and test phases.
//!
//! Each worker owns a [`WorkerGenerator`] seeded from the test seed and its
//! worker index, so the same seed reproduces the same schedule of operations
//! regardless of how the system under test answers.

mod keys;
mod mix;
mod phase;
mod rate;
mod worker;

pub use keys::{KeyDist, KeyPicker, ParseKeyDistError};
pub use mix::OpMix;
pub use phase::Phase;
pub use rate::Pacer;
pub use worker::{WorkerGenerator, worker_seed};
