//! The hard single-key families: cas-register histories with crashed writes
//! where one observation is stale in a way no value-reachability pre-check
//! sees, each with a linearizable twin (the same simulated execution, left
//! as it happened).
//!
//! Special values lie outside the simulation's 0..5, so only the planted
//! operations ever write them; no cas writes them either. That is what makes
//! each invalid case invalid by construction (argued per family below).

use super::simulate::{Forced, OpRecord, Simulation};
use crate::history::{Event, OpFn};
use rustc_hash::FxHashMap;
use serde_json::{Value, json};
use std::fmt;
use std::str::FromStr;

/// The stale value of the stale families.
const STALE: i64 = 100;
/// The two values only crashed writes write, in `ContradictoryReads`.
const CRASHED_A: i64 = 101;
const CRASHED_B: i64 = 102;
/// How many times `StaleRepeated` writes the stale value.
const REPEATS: usize = 3;

/// A family of hard single-key histories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HardFamily {
    /// One read returns a value written once and then definitely replaced:
    /// an ok write or cas invoked after that write returned had itself
    /// returned before the read was invoked.
    StaleRead,
    /// The stale value is written several times, every write of it
    /// definitely replaced before the read.
    StaleRepeated,
    /// An ok cas whose `from` value was definitely replaced.
    StaleCas,
    /// Two crashed writes of values nothing else writes, and two pairs of
    /// reads in real-time order that need them in opposite orders.
    ContradictoryReads,
}

impl HardFamily {
    /// Every family, in the order benchmarks list them.
    pub const ALL: [HardFamily; 4] = [
        HardFamily::StaleRead,
        HardFamily::StaleRepeated,
        HardFamily::StaleCas,
        HardFamily::ContradictoryReads,
    ];

    /// The family's name, as `faultline bench checker` prints it.
    pub fn name(self) -> &'static str {
        match self {
            HardFamily::StaleRead => "stale-read",
            HardFamily::StaleRepeated => "stale-repeated",
            HardFamily::StaleCas => "stale-cas",
            HardFamily::ContradictoryReads => "contradictory-reads",
        }
    }
}

impl fmt::Display for HardFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HardFamily {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        HardFamily::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = HardFamily::ALL.iter().map(|f| f.name()).collect();
                format!("unknown family {s:?}; expected one of {}", names.join(", "))
            })
    }
}

/// A cas-register history of `family` with `ops` operations over
/// `processes` processes, `crash_rate` of the writes/cas crashed; `invalid`
/// plants the stale observation, otherwise the same execution is returned as
/// it happened (linearizable). `None` when the history is too short for the
/// pattern to fit (try more operations or another seed).
pub fn synth_hard_history(
    family: HardFamily,
    ops: usize,
    processes: usize,
    crash_rate: f64,
    invalid: bool,
    seed: u64,
) -> Option<Vec<Event>> {
    // The planted operations go a third of the way in, so that the search
    // has a long prefix full of crashed operations to get through first.
    let at = ops / 3;
    let write = |v: i64, crashed: bool| Forced {
        f: OpFn::Write,
        value: json!(v),
        crashed,
        takes_effect: false,
    };
    let mut forced = FxHashMap::default();
    match family {
        HardFamily::StaleRead | HardFamily::StaleCas => {
            forced.insert(at, write(STALE, false));
        }
        HardFamily::StaleRepeated => {
            // Spread out so that each write has its own replacement.
            for i in 0..REPEATS {
                forced.insert(at + i * 2 * processes.max(1), write(STALE, false));
            }
        }
        HardFamily::ContradictoryReads => {
            forced.insert(at, write(CRASHED_A, true));
            forced.insert(at + 1, write(CRASHED_B, true));
        }
    }
    let (mut events, records) = Simulation {
        keys: 0,
        ops,
        processes,
        crash_rate,
        impossible_read: false,
        seed,
        forced,
    }
    .run();
    let planted: Vec<&OpRecord> = records
        .iter()
        .filter(|r| r.f == OpFn::Write && is_special(&events[r.invoke].value))
        .collect();
    match family {
        HardFamily::StaleRead | HardFamily::StaleRepeated | HardFamily::StaleCas => {
            if planted.is_empty() {
                return None;
            }
            // Each stale write is followed (invoked after it returned) by an
            // ok write or cas that returned before the target was invoked, and
            // nothing else writes the stale value: the target cannot see it.
            let mut replaced = 0;
            for w in &planted {
                let by = records
                    .iter()
                    .filter(|r| r.ok && r.f != OpFn::Read && r.invoke > w.complete)
                    .map(|r| r.complete)
                    .min()?;
                replaced = replaced.max(by);
            }
            let want = if family == HardFamily::StaleCas {
                OpFn::Cas
            } else {
                OpFn::Read
            };
            let target = records
                .iter()
                .filter(|r| r.ok && r.f == want && r.invoke > replaced)
                .min_by_key(|r| r.invoke)?;
            if invalid {
                if want == OpFn::Read {
                    events[target.complete].value = json!(STALE);
                } else {
                    let to = events[target.invoke].value[1].clone();
                    for at in [target.invoke, target.complete] {
                        events[at].value = json!([STALE, to.clone()]);
                    }
                }
            }
        }
        HardFamily::ContradictoryReads => {
            let after = planted.iter().map(|r| r.invoke).max()?;
            let read_after = |pos: usize, not: Option<usize>| {
                records
                    .iter()
                    .filter(|r| r.ok && r.f == OpFn::Read && r.invoke > pos)
                    .filter(|r| Some(r.invoke) != not)
                    .min_by_key(|r| r.invoke)
            };
            // r1 and r3 overlap; r2 and r4 both follow both of them.
            let r1 = read_after(after, None)?;
            let r3 = read_after(r1.invoke, None)?;
            let r2 = read_after(r1.complete.max(r3.complete), None)?;
            let r4 = read_after(r2.invoke, None)?;
            // r1 ≺ r2 reading A then B puts A's write first; r3 ≺ r4 reading
            // B then A puts B's first. Each write takes effect at most once.
            if invalid {
                for (r, v) in [
                    (r1, CRASHED_A),
                    (r2, CRASHED_B),
                    (r3, CRASHED_B),
                    (r4, CRASHED_A),
                ] {
                    events[r.complete].value = json!(v);
                }
            }
        }
    }
    Some(events)
}

fn is_special(v: &Value) -> bool {
    v.as_i64()
        .is_some_and(|v| [STALE, CRASHED_A, CRASHED_B].contains(&v))
}
