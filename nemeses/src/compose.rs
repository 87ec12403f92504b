//! Composition: several nemeses behind one, one fault at a time.

use std::sync::{Arc, Mutex};

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::control::BoxFuture;
use crate::error::NemesisError;
use crate::nemesis::Nemesis;
use crate::sink::EventSink;

/// Faults come from the members in rounds: each round is every member once,
/// in an order drawn from the schedule's RNG, so any `n` consecutive faults
/// of `n` members cover every kind (independent draws left a short run
/// with two kinds one kind only half the time). Heal, setup and teardown go
/// to every member.
pub struct ComposedNemesis {
    name: String,
    members: Vec<Arc<dyn Nemesis>>,
    /// Members still to fault in this round, next last.
    round: Mutex<Vec<usize>>,
}

impl ComposedNemesis {
    /// Composes `members` under `name` (e.g. `all`).
    pub fn new(name: impl Into<String>, members: Vec<Arc<dyn Nemesis>>) -> Self {
        ComposedNemesis {
            name: name.into(),
            members,
            round: Mutex::new(Vec::new()),
        }
    }

    /// The member the next fault comes from, starting a new round when due.
    fn next_member(&self, rng: &mut ChaCha8Rng) -> usize {
        let mut round = self.round.lock().unwrap_or_else(|p| p.into_inner());
        if round.is_empty() {
            round.extend(0..self.members.len());
            round.shuffle(rng);
        }
        round.pop().unwrap_or(0)
    }

    /// The member nemeses.
    pub fn members(&self) -> &[Arc<dyn Nemesis>] {
        &self.members
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
            if self.members.is_empty() {
                return Ok(());
            }
            let i = self.next_member(rng);
            self.members[i].invoke(rng, sink).await
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
            failure.map_or(Ok(()), Err)
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
        failure.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::MemorySink;
    use rand::SeedableRng;

    /// A member that records its own name as the fault.
    struct Named(&'static str);

    impl Nemesis for Named {
        fn name(&self) -> &str {
            self.0
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
        fn heal<'a>(&'a self, _sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>> {
            Box::pin(async { Ok(()) })
        }
    }

    #[tokio::test]
    async fn every_round_faults_each_member_once_in_a_seeded_order() {
        let members: Vec<Arc<dyn Nemesis>> = vec![
            Arc::new(Named("a")),
            Arc::new(Named("b")),
            Arc::new(Named("c")),
        ];
        let mut orders = std::collections::BTreeSet::new();
        for seed in 0..8 {
            let composed = ComposedNemesis::new("abc", members.clone());
            let sink = MemorySink::new();
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            for _ in 0..9 {
                composed.invoke(&mut rng, &sink).await.unwrap();
            }
            let fs = sink.fs();
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
