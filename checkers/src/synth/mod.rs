//! Synthetic histories for tests and benchmarks: random concurrent executions
//! of a register that are linearizable by construction (each operation takes
//! effect at a random point between its invocation and its completion), with
//! optional crashed operations and an optional impossible read; and the hard
//! single-key families ([`HardFamily`]) that plant a stale observation among
//! crashed writes.

mod hard;
mod simulate;

pub use hard::{HardFamily, synth_hard_history};
pub use simulate::IMPOSSIBLE;

use crate::history::Event;
use simulate::Simulation;

/// A cas-register history (one unkeyed register, starting absent) with `ops`
/// operations over `processes` concurrent processes; `crash_rate` of the
/// writes/cas end `info` (half of them took effect). With `impossible_read`,
/// one read returns a value never written, which makes the history invalid.
pub fn synth_cas_history(
    ops: usize,
    processes: usize,
    crash_rate: f64,
    impossible_read: bool,
    seed: u64,
) -> Vec<Event> {
    generate(0, ops, processes, crash_rate, impossible_read, seed)
}

/// A linearizable multi-key cas-register (`kv`) history over `keys` keys
/// (`k0`, `k1`, ...), 1% crashed writes/cas.
pub fn synth_kv_history(keys: usize, ops: usize, processes: usize, seed: u64) -> Vec<Event> {
    generate(keys.max(1), ops, processes, 0.01, false, seed)
}

fn generate(
    keys: usize,
    ops: usize,
    processes: usize,
    crash_rate: f64,
    impossible_read: bool,
    seed: u64,
) -> Vec<Event> {
    Simulation {
        keys,
        ops,
        processes,
        crash_rate,
        impossible_read,
        seed,
        forced: Default::default(),
    }
    .run()
    .0
}
