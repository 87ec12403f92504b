//! Composition: several nemeses behind one, one fault at a time, or two
//! of kinds that pair in a combination window.

use std::sync::{Arc, Mutex, MutexGuard};

use rand_chacha::ChaCha8Rng;

use crate::control::BoxFuture;
use crate::error::NemesisError;
use crate::nemesis::Nemesis;
use crate::rounds::Rounds;
use crate::sink::EventSink;

/// Faults come from the members in rounds ([`Rounds`]): faults 1..n, n+1..2n,
/// ... of `n` members each fault every member once, in an order drawn from
/// the schedule's RNG (independent draws left a short run with two kinds
/// one kind only half the time). A fault that starts while another is in
/// effect (the second of a combination window) is the first member left in
/// the round whose kind pairs with it ([`crate::NemesisKind::pairs_with`]),
/// or of a new round when this one is used up; when the round's rest has
/// none, there is no second fault, so rounds stay whole. Heal, setup and
/// teardown go to every member.
pub struct ComposedNemesis {
    name: String,
    members: Vec<Arc<dyn Nemesis>>,
    state: Mutex<State>,
}

struct State {
    rounds: Rounds<usize>,
    /// Members with a fault in effect, in the order they started.
    active: Vec<usize>,
}

impl ComposedNemesis {
    /// Composes `members` under `name` (e.g. `all`).
    pub fn new(name: impl Into<String>, members: Vec<Arc<dyn Nemesis>>) -> Self {
        let rounds = Rounds::new((0..members.len()).collect());
        ComposedNemesis {
            name: name.into(),
            members,
            state: Mutex::new(State {
                rounds,
                active: Vec::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a fault of member `second` may start while `first`'s is in effect.
    fn pair(&self, first: usize, second: usize) -> bool {
        match (self.members[first].kind(), self.members[second].kind()) {
            (Some(a), Some(b)) => a.pairs_with(b),
            _ => false,
        }
    }

    /// Whether `m` may fault beside every fault in effect.
    fn pairs_with_active(&self, active: &[usize], m: usize) -> bool {
        active.iter().all(|a| self.pair(*a, m))
    }

    /// The member the next fault comes from (noted as active), or `None`
    /// when faults are in effect and no member left in the round pairs
    /// with all of them.
    fn next_member(&self, rng: &mut ChaCha8Rng) -> Option<usize> {
        let mut state = self.lock();
        let active = state.active.clone();
        let next = if active.is_empty() {
            state.rounds.next(rng)?
        } else {
            state
                .rounds
                .next_in_round(rng, |m| self.pairs_with_active(&active, *m))?
        };
        // Noted before the fault: a half-done fault must be healed too.
        state.active.push(next);
        Some(next)
    }
}

impl Nemesis for ComposedNemesis {
    fn name(&self) -> &str {
        &self.name
    }

    fn setup<'a>(&'a self, sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            for m in &self.members {
                m.setup(sink).await?;
            }
            Ok(())
        })
    }

    fn invoke<'a>(
        &'a self,
        rng: &'a mut ChaCha8Rng,
        sink: &'a dyn EventSink,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            match self.next_member(rng) {
                Some(i) => self.members[i].invoke(rng, sink).await,
                None => Ok(()),
            }
        })
    }

    fn heal<'a>(&'a self, sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            // Heal everything even if one member fails; report the first failure.
            let mut failure = None;
            for m in &self.members {
                if let Err(e) = m.heal(sink).await {
                    failure.get_or_insert(e);
                }
            }
            self.lock().active.clear();
            failure.map_or(Ok(()), Err)
        })
    }

    fn can_add_fault(&self) -> bool {
        let state = self.lock();
        !state.active.is_empty()
            && state
                .rounds
                .any_in_round(|m| self.pairs_with_active(&state.active, *m))
    }

    fn heal_first<'a>(
        &'a self,
        sink: &'a dyn EventSink,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let first = self.lock().active.first().copied();
            let Some(first) = first else {
                return Ok(());
            };
            self.members[first].heal(sink).await?;
            self.lock().active.retain(|m| *m != first);
            Ok(())
        })
    }

    fn teardown<'a>(&'a self, sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async move {
            let mut failure = None;
            for m in &self.members {
                if let Err(e) = m.teardown(sink).await {
                    failure.get_or_insert(e);
                }
            }
            failure.map_or(Ok(()), Err)
        })
    }

    fn heal_blocking(&self, sink: &dyn EventSink) -> Result<(), NemesisError> {
        let mut failure = None;
        for m in &self.members {
            if let Err(e) = m.heal_blocking(sink) {
                failure.get_or_insert(e);
            }
        }
        self.lock().active.clear();
        failure.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::{NemesisKind, NemesisKinds};
    use crate::sink::MemorySink;
    use rand::SeedableRng;

    /// A member that records its own name as the fault.
    struct Named(&'static str);

    impl Nemesis for Named {
        fn name(&self) -> &str {
            self.0
        }
        fn kind(&self) -> Option<NemesisKind> {
            NemesisKind::ALL.into_iter().find(|k| k.as_str() == self.0)
        }
        fn invoke<'a>(
            &'a self,
            _rng: &'a mut ChaCha8Rng,
            sink: &'a dyn EventSink,
        ) -> BoxFuture<'a, Result<(), NemesisError>> {
            Box::pin(async move {
                sink.record(self.0, serde_json::Value::Null);
                Ok(())
            })
        }
        fn heal<'a>(&'a self, sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>> {
            Box::pin(async move {
                sink.record(&format!("heal {}", self.0), serde_json::Value::Null);
                Ok(())
            })
        }
    }

    fn named(names: &[&'static str]) -> Vec<Arc<dyn Nemesis>> {
        names
            .iter()
            .map(|n| Arc::new(Named(n)) as Arc<dyn Nemesis>)
            .collect()
    }

    fn faults(sink: &MemorySink) -> Vec<String> {
        sink.fs()
            .into_iter()
            .filter(|f| !f.starts_with("heal"))
            .collect()
    }

    #[tokio::test]
    async fn a_second_fault_pairs_with_the_first_and_heal_first_heals_only_it() {
        let mut pairs = std::collections::BTreeSet::new();
        let mut combined = std::collections::BTreeMap::new();
        for seed in 0..200 {
            let composed = ComposedNemesis::new("k", named(&["kill", "pause", "partition"]));
            assert!(!composed.can_add_fault(), "nothing in effect to add to");
            let sink = MemorySink::new();
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            // As the default schedule does: single, combined, ... single.
            let mut combinations = 0;
            for window in 0..9 {
                let before = sink.fs().len();
                composed.invoke(&mut rng, &sink).await.unwrap();
                if window % 2 == 1 && composed.can_add_fault() {
                    combinations += 1;
                    composed.invoke(&mut rng, &sink).await.unwrap();
                    composed.heal_first(&sink).await.unwrap();
                    let events = sink.fs();
                    let (a, b) = (&events[before], &events[before + 1]);
                    let kind = |s: &str| s.parse::<NemesisKinds>().unwrap().iter().next().unwrap();
                    assert!(kind(a).pairs_with(kind(b)), "seed {seed}: {a} then {b}");
                    // heal_first healed the first's member alone.
                    assert_eq!(events[before + 2..], [format!("heal {a}")], "{events:?}");
                    pairs.insert((a.clone(), b.clone()));
                }
                composed.heal(&sink).await.unwrap();
            }
            *combined.entry(combinations).or_insert(0) += 1;
            // Rounds stay whole: every three faults are the three kinds.
            let fs = faults(&sink);
            for round in fs.chunks(3).filter(|r| r.len() == 3) {
                let mut sorted = round.to_vec();
                sorted.sort();
                assert_eq!(
                    sorted,
                    ["kill", "partition", "pause"],
                    "seed {seed}: {fs:?}"
                );
            }
        }
        // Every pairing that may happen did, in both orders, and most
        // combination windows found a partner.
        assert_eq!(pairs.len(), 4, "{pairs:?}");
        assert!(combined.keys().all(|c| *c >= 3), "{combined:?}");
    }

    #[tokio::test]
    async fn process_faults_alone_never_combine() {
        let composed = ComposedNemesis::new("k", named(&["kill", "pause"]));
        let sink = MemorySink::new();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        composed.invoke(&mut rng, &sink).await.unwrap();
        assert!(!composed.can_add_fault());
        composed.invoke(&mut rng, &sink).await.unwrap();
        assert_eq!(faults(&sink).len(), 1, "a second process fault started");
    }

    #[tokio::test]
    async fn every_round_faults_each_member_once_in_a_seeded_order() {
        let members = named(&["a", "b", "c"]);
        let mut orders = std::collections::BTreeSet::new();
        for seed in 0..8 {
            let composed = ComposedNemesis::new("abc", members.clone());
            let sink = MemorySink::new();
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            for _ in 0..9 {
                composed.invoke(&mut rng, &sink).await.unwrap();
                composed.heal(&sink).await.unwrap();
            }
            let fs = faults(&sink);
            for round in fs.chunks(3) {
                let mut sorted = round.to_vec();
                sorted.sort();
                assert_eq!(sorted, ["a", "b", "c"], "seed {seed}: {fs:?}");
            }
            orders.insert(fs[..3].to_vec());
        }
        assert!(orders.len() > 1, "the order within a round never varied");
    }
}
