//! Property tests of the WGL search: stretched sequential executions are
//! linearizable for every model, corrupting one read to an impossible value
//! makes them not (also without the models' pre-checks), and on small random
//! histories the search agrees with a brute-force permutation checker.

use crate::support;

use faultline_checkers::SearchOnly;
use faultline_checkers::{
    CheckOptions, Event, EventType, Format, Model, ModelKind, OpFn, SYNTH_IMPOSSIBLE, Validity,
    check_linearizable, check_with_model, parse_history, synth_cas_history, to_edn,
};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use std::time::Duration;
use support::brute_force::brute_force;
use support::histories::{append_or_get, random_history, random_history_of, stretched_history};
use support::models::{WithModel, with_model};
use support::shadow::{Spec, impossible_output};

/// Far more than any generated history needs; a search that explodes shows up as `Unknown`.
const CHECK_TIMEOUT: Duration = Duration::from_secs(20);

fn verdict<M: Model>(model: &M, events: &[Event]) -> Validity {
    let opts = CheckOptions {
        timeout: Some(CHECK_TIMEOUT),
        ..CheckOptions::default()
    };
    check_with_model(events, model, &opts)
        .expect("generated histories check")
        .valid
}

/// WGL (with and without pre-check) and brute force on one history.
struct Verdicts<'e>(&'e [Event]);

impl WithModel for Verdicts<'_> {
    type Out = (Validity, Validity, Validity);
    fn run<M: Model>(self, model: &M) -> Self::Out {
        (
            verdict(model, self.0),
            verdict(&SearchOnly(model), self.0),
            brute_force(model, self.0),
        )
    }
}

/// Cases per model in the brute-force comparison.
const CASES_PER_MODEL: u64 = 1000;

#[test]
fn wgl_agrees_with_brute_force_on_small_histories_of_every_model() {
    let lopsided: Vec<String> = ModelKind::ALL
        .iter()
        .filter_map(|&kind| {
            agree_with_brute_force(kind, |seed| {
                random_history(kind, 1 + (seed % 8) as usize, seed)
            })
        })
        .collect();
    assert!(
        lopsided.is_empty(),
        "the generator is lopsided: {lopsided:?}"
    );
}

/// kv-append histories of appends and gets alone: where the model's
/// look-ahead prunes (with a put about, it never does), and where wrong
/// orders of concurrent appends are cut at their first append.
#[test]
fn kv_append_look_ahead_agrees_with_brute_force() {
    let lopsided = agree_with_brute_force(ModelKind::KvAppend, |seed| {
        random_history_of(
            ModelKind::KvAppend,
            2 + (seed % 7) as usize,
            seed,
            &append_or_get,
        )
    });
    assert_eq!(lopsided, None);
}

/// Checks `CASES_PER_MODEL` histories of `kind` (one per seed) with the
/// search, the search without pre-checks and brute force, which must agree;
/// says how lopsided they were when either answer is under a fifth, as
/// the comparison then proves little.
fn agree_with_brute_force(kind: ModelKind, history: impl Fn(u64) -> Vec<Event>) -> Option<String> {
    let (mut valid, mut invalid) = (0, 0);
    for seed in 0..CASES_PER_MODEL {
        let events = history(seed);
        let (wgl, search_only, brute) = with_model(kind, Verdicts(&events));
        assert_eq!(
            (wgl, search_only),
            (brute, brute),
            "model {kind}, seed {seed}: WGL / WGL without pre-check / brute force disagree on\n{}",
            show(&events)
        );
        match brute {
            Validity::Valid => valid += 1,
            _ => invalid += 1,
        }
    }
    eprintln!("{kind}: {valid} valid, {invalid} invalid");
    let min = CASES_PER_MODEL / 5;
    (valid < min || invalid < min).then(|| format!("{kind}: {valid} valid, {invalid} invalid"))
}

fn show(events: &[Event]) -> String {
    events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks one history with a model, with and without its pre-check.
struct BothChecks<'e>(&'e [Event]);

impl WithModel for BothChecks<'_> {
    type Out = (Validity, Validity);
    fn run<M: Model>(self, model: &M) -> Self::Out {
        (verdict(model, self.0), verdict(&SearchOnly(model), self.0))
    }
}

/// Longest stretched execution generated: crashed enqueues and appends may
/// land anywhere in the queue or list, and the search's work grows quickly
/// with them (see docs/check.md), so these stay moderate to keep the test fast.
const STRETCHED_MAX_OPS: usize = 60;

/// 200 cases from a fixed seed, so CI runs the same (checked, fast) cases
/// every time; set `PROPTEST_RNG_SEED` to explore others.
fn config() -> ProptestConfig {
    let default = ProptestConfig::default();
    let rng_seed = if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
        default.rng_seed
    } else {
        RngSeed::Fixed(0x5eed_f417)
    };
    ProptestConfig {
        cases: 200,
        rng_seed,
        ..default
    }
}

fn any_model() -> impl Strategy<Value = ModelKind> {
    (0..ModelKind::ALL.len()).prop_map(|i| ModelKind::ALL[i])
}

/// Models with an operation that observes the state (all but mutex).
fn observing_model() -> impl Strategy<Value = ModelKind> {
    any_model().prop_filter("mutex observes nothing", |k| *k != ModelKind::Mutex)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn an_edn_export_checks_the_same_as_the_history(
        cas in any::<bool>(),
        deletes in any::<bool>(),
        n in 1usize..10,
        seed in any::<u64>(),
    ) {
        let kind = if cas { ModelKind::CasRegister } else { ModelKind::Register };
        let mut events = random_history(kind, n, seed);
        if deletes {
            // Value 0 becomes null everywhere: deletes, cas from and to nothing.
            for e in &mut events {
                null_zeros(&mut e.value);
            }
        }
        let edn = to_edn(&events);
        let back = parse_history(&edn, "export.edn", Format::Edn).expect("the export parses");
        let opts = CheckOptions { timeout: Some(CHECK_TIMEOUT), ..CheckOptions::default() };
        let before = check_linearizable(&events, kind, &opts).expect("checks").valid;
        let after = check_linearizable(&back, kind, &opts).expect("checks").valid;
        prop_assert_eq!(before, after, "{}\n{}", show(&events), edn);
    }

    #[test]
    fn stretched_sequential_executions_are_linearizable(
        kind in any_model(),
        keys in 1u32..4,
        n in 1usize..STRETCHED_MAX_OPS,
        seed in any::<u64>(),
    ) {
        let events = stretched_history(kind, n, keys, seed);
        let (checked, search_only) = with_model(kind, BothChecks(&events));
        prop_assert_eq!(checked, Validity::Valid, "{}", show(&events));
        prop_assert_eq!(search_only, Validity::Valid);
    }

    #[test]
    fn corrupting_one_read_to_an_impossible_value_is_invalid(
        kind in observing_model(),
        keys in 1u32..4,
        n in 1usize..STRETCHED_MAX_OPS,
        which in any::<prop::sample::Index>(),
        seed in any::<u64>(),
    ) {
        let mut events = stretched_history(kind, n, keys, seed);
        let observations: Vec<usize> = events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == EventType::Ok && matches!(e.f, OpFn::Read | OpFn::Dequeue))
            .map(|(i, _)| i)
            .collect();
        prop_assume!(!observations.is_empty());
        let at = observations[which.index(observations.len())];
        let spec = Spec { f: events[at].f.clone(), value: serde_json::Value::Null };
        let bad = impossible_output(kind, &spec).expect("observations can be corrupted");
        events[at].value = bad;
        let (checked, search_only) = with_model(kind, BothChecks(&events));
        prop_assert_eq!(checked, Validity::Invalid, "{}", show(&events));
        prop_assert_eq!(search_only, Validity::Invalid, "model {} search only {}", kind, show(&events));
    }

    #[test]
    fn synthetic_cas_histories_with_crashes_are_linearizable(
        n in 1usize..400,
        procs in 1usize..8,
        crash in 0.0f64..0.2,
        seed in any::<u64>(),
    ) {
        let events = synth_cas_history(n, procs, crash, false, seed);
        let report = check_linearizable(&events, ModelKind::CasRegister, &CheckOptions::default())
            .expect("synthetic histories check");
        prop_assert_eq!(report.valid, Validity::Valid, "{}", report.summary());
    }

    #[test]
    fn synthetic_cas_histories_with_an_impossible_read_are_invalid(
        n in 2usize..150,
        procs in 1usize..6,
        crash in 0.0f64..0.1,
        seed in any::<u64>(),
    ) {
        let events = synth_cas_history(n, procs, crash, true, seed);
        let impossible = serde_json::json!(SYNTH_IMPOSSIBLE);
        prop_assume!(events.iter().any(|e| e.kind == EventType::Ok && e.f == OpFn::Read && e.value == impossible));
        let (checked, search_only) = with_model(ModelKind::CasRegister, BothChecks(&events));
        prop_assert_eq!(checked, Validity::Invalid);
        prop_assert_eq!(search_only, Validity::Invalid);
    }
}

fn null_zeros(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.as_i64() == Some(0) => *v = serde_json::Value::Null,
        serde_json::Value::Array(a) => a.iter_mut().for_each(null_zeros),
        _ => {}
    }
}
