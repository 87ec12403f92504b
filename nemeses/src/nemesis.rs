//! The `Nemesis` trait: one kind of fault that can be injected and healed.

use rand_chacha::ChaCha8Rng;

use crate::control::BoxFuture;
use crate::error::NemesisError;
use crate::kind::NemesisKind;
use crate::sink::EventSink;

/// A fault injector. Methods take `&self` (state lives behind locks) so the
/// harness can call [`Nemesis::heal_blocking`] from a Ctrl-C handler while a
/// schedule is running.
///
/// Contract: `heal` undoes everything `invoke` did, is idempotent, and records
/// an event only when it actually healed something.
pub trait Nemesis: Send + Sync {
    /// Short name used in logs and errors (`kill`, `partition`, `all`, ...).
    fn name(&self) -> &str;

    /// Prepares the nemesis before the first fault (default: nothing).
    fn setup<'a>(&'a self, _sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async { Ok(()) })
    }

    /// Injects one fault, choosing targets with `rng`, and records what it did.
    fn invoke<'a>(
        &'a self,
        rng: &'a mut ChaCha8Rng,
        sink: &'a dyn EventSink,
    ) -> BoxFuture<'a, Result<(), NemesisError>>;

    /// Undoes every fault still in effect and records each heal.
    fn heal<'a>(&'a self, sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>>;

    /// The kind of fault this nemesis injects, if it is one of the named
    /// kinds (a composition has none of its own).
    fn kind(&self) -> Option<NemesisKind> {
        None
    }

    /// Whether a second fault can start now, beside the one in effect: a
    /// composition with a kind left in its round that pairs with it (see
    /// [`NemesisKind::pairs_with`]). Default: never.
    fn can_add_fault(&self) -> bool {
        false
    }

    /// Heals only the fault that started first, leaving a later one of a
    /// combination in effect (default: heals everything).
    fn heal_first<'a>(
        &'a self,
        sink: &'a dyn EventSink,
    ) -> BoxFuture<'a, Result<(), NemesisError>> {
        self.heal(sink)
    }

    /// Releases resources after the last heal (default: nothing).
    fn teardown<'a>(&'a self, _sink: &'a dyn EventSink) -> BoxFuture<'a, Result<(), NemesisError>> {
        Box::pin(async { Ok(()) })
    }

    /// Heals from synchronous code (a Ctrl-C handler, a panic path), on a
    /// private runtime in a helper thread so it works inside or outside tokio.
    fn heal_blocking(&self, sink: &dyn EventSink) -> Result<(), NemesisError> {
        block_on_fresh(self.heal(sink))?
    }
}

/// Runs a future to completion on a new current-thread runtime in a scoped
/// thread: blocking inside an existing runtime would panic, and a Ctrl-C
/// handler thread has no runtime at all.
pub(crate) fn block_on_fresh<F>(fut: F) -> Result<F::Output, NemesisError>
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    std::thread::scope(|scope| {
        let handle = scope.spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| NemesisError::io("building the heal runtime", e))?;
            Ok(runtime.block_on(fut))
        });
        handle.join().unwrap_or_else(|_| {
            Err(NemesisError::io(
                "heal thread",
                std::io::Error::other("the heal thread panicked"),
            ))
        })
    })
}
