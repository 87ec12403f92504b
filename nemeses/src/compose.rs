//! Composition: several nemeses behind one, one fault at a time.

use std::sync::Arc;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::control::BoxFuture;
use crate::error::NemesisError;
use crate::nemesis::Nemesis;
use crate::sink::EventSink;

/// Each fault is drawn from one member chosen by the schedule's RNG; heal,
/// setup and teardown go to every member.
pub struct ComposedNemesis {
    name: String,
    members: Vec<Arc<dyn Nemesis>>,
}

impl ComposedNemesis {
    /// Composes `members` under `name` (e.g. `all`).
    pub fn new(name: impl Into<String>, members: Vec<Arc<dyn Nemesis>>) -> Self {
        ComposedNemesis {
            name: name.into(),
            members,
        }
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
            let i = rng.random_range(0..self.members.len());
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
