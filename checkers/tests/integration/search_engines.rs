//! Each of the checker's searches on its own against brute force: the
//! depth-first search and the sweep must agree with it on small random
//! histories of every model, the relaxed sweep may leave a key undecided
//! but must never contradict it; and the hard single-key families are what they
//! claim (invalid, twin valid) by brute force at small sizes and by every
//! search at sizes brute force cannot reach.

use crate::support;

use faultline_checkers::{CasRegister, SearchOnly};
use faultline_checkers::{
    CheckOptions, Engine, Event, Model, ModelKind, Val, Validity, check_with_model,
};
use faultline_checkers::{HardFamily, synth_hard_history};
use std::time::Duration;
use support::brute_force::brute_force;
use support::histories::{append_or_get, random_history, random_history_of};
use support::models::{WithModel, with_model};

fn verdict<M: Model>(model: &M, events: &[Event], engine: Option<Engine>) -> Validity {
    let opts = CheckOptions {
        timeout: Some(Duration::from_secs(60)),
        engine,
        ..CheckOptions::default()
    };
    check_with_model(events, &SearchOnly(model), &opts)
        .expect("generated histories check")
        .valid
}

struct PerEngine<'e>(&'e [Event]);

impl WithModel for PerEngine<'_> {
    type Out = [Validity; 4];
    fn run<M: Model>(self, model: &M) -> Self::Out {
        [
            verdict(model, self.0, Some(Engine::DepthFirst)),
            verdict(model, self.0, Some(Engine::Sweep)),
            verdict(model, self.0, Some(Engine::RelaxedSweep)),
            brute_force(model, self.0),
        ]
    }
}

#[test]
fn every_search_agrees_with_brute_force_on_small_histories() {
    for &kind in ModelKind::ALL {
        let mut relaxed_decided = 0;
        for seed in 0..400u64 {
            let n = 1 + (seed % 8) as usize;
            let events = random_history(kind, n, seed);
            let [dfs, sweep, relaxed, brute] = with_model(kind, PerEngine(&events));
            assert_eq!(
                (dfs, sweep),
                (brute, brute),
                "model {kind}, seed {seed}: depth-first / sweep / brute force disagree"
            );
            // Without interchangeable crashed operations it is exact and
            // may say valid; either answer it gives must be right.
            if relaxed != Validity::Unknown {
                assert_eq!(relaxed, brute, "model {kind}, seed {seed}: relaxed sweep");
            }
            if relaxed == Validity::Invalid {
                relaxed_decided += 1;
            }
        }
        // Else the relaxed sweep's claim above was never put to the test.
        assert!(
            relaxed_decided > 0,
            "{kind}: the relaxed sweep decided nothing"
        );
    }
}

/// kv-append without puts, where the model's look-ahead prunes in the
/// depth-first search and in the sweep alike.
#[test]
fn every_search_agrees_with_brute_force_on_appends_and_gets() {
    let (mut valid, mut invalid) = (0, 0);
    for seed in 0..400u64 {
        let n = 2 + (seed % 7) as usize;
        let events = random_history_of(ModelKind::KvAppend, n, seed, &append_or_get);
        let [dfs, sweep, relaxed, brute] = with_model(ModelKind::KvAppend, PerEngine(&events));
        assert_eq!(
            (dfs, sweep),
            (brute, brute),
            "seed {seed}: depth-first / sweep / brute force disagree"
        );
        if relaxed != Validity::Unknown {
            assert_eq!(relaxed, brute, "seed {seed}: relaxed sweep");
        }
        match brute {
            Validity::Valid => valid += 1,
            _ => invalid += 1,
        }
    }
    assert!(
        valid >= 80 && invalid >= 80,
        "{valid} valid, {invalid} invalid"
    );
}

fn hard(family: HardFamily, ops: usize, procs: usize, crash: f64, invalid: bool) -> Vec<Event> {
    (0..200)
        .find_map(|seed| synth_hard_history(family, ops, procs, crash, invalid, seed))
        .expect("some seed fits the pattern")
}

#[test]
fn hard_families_are_invalid_and_their_twins_valid_by_brute_force() {
    let model = CasRegister::new(Val::Nil);
    for family in HardFamily::ALL {
        for seed in 0..20u64 {
            let Some(bad) = synth_hard_history(family, 14, 3, 0.3, true, seed) else {
                continue;
            };
            let good = synth_hard_history(family, 14, 3, 0.3, false, seed).expect("same pattern");
            assert_eq!(
                brute_force(&model, &bad),
                Validity::Invalid,
                "{family} seed {seed}"
            );
            assert_eq!(
                brute_force(&model, &good),
                Validity::Valid,
                "{family} twin seed {seed}"
            );
            for engine in [Engine::DepthFirst, Engine::Sweep] {
                assert_eq!(verdict(&model, &bad, Some(engine)), Validity::Invalid);
                assert_eq!(verdict(&model, &good, Some(engine)), Validity::Valid);
            }
        }
    }
}

#[test]
fn hard_families_are_decided_by_the_search_alone_at_thousands_of_operations() {
    // Today's depth-first search alone needs minutes and gigabytes here
    // (issue 16); the sweeps decide in well under a second in release.
    let model = CasRegister::new(Val::Nil);
    for family in HardFamily::ALL {
        let bad = hard(family, 2_000, 5, 0.05, true);
        let good = hard(family, 2_000, 5, 0.05, false);
        assert_eq!(verdict(&model, &bad, None), Validity::Invalid, "{family}");
        assert_eq!(
            verdict(&model, &good, None),
            Validity::Valid,
            "{family} twin"
        );
    }
}

#[test]
fn a_key_over_the_memory_limit_is_unknown_with_the_reason() {
    let events = hard(HardFamily::StaleRead, 2_000, 10, 0.05, true);
    let opts = CheckOptions {
        memory_limit: Some(1),
        ..CheckOptions::default()
    };
    let model = CasRegister::new(Val::Nil);
    let r = check_with_model(&events, &SearchOnly(&model), &opts).expect("checks");
    assert_eq!(r.valid, Validity::Unknown, "{}", r.summary());
    let reason = r.partitions[0].reason.clone().unwrap_or_default();
    assert!(reason.contains("memory limit"), "reason: {reason}");
}
