//! Per-key work that stays on the calling thread while it is quick and
//! spreads over rayon's pool once it is not.
//!
//! Most histories are small: their keys take microseconds each, and handing
//! them to rayon costs more than checking them (the pool's threads are
//! spawned on first use, and every parallel call wakes them and waits for
//! them). Measured on the corpus's `kv/c01-ok` (a few keys, 58 operations):
//! 37 µs on this thread against 140-220 µs through the pool. Big histories
//! still get every core, after paying [`SPREAD_AFTER`] at most.

use rayon::prelude::*;
use std::time::{Duration, Instant};

/// How long a check runs on the calling thread before the items it has not
/// started yet go to the pool.
pub(crate) const SPREAD_AFTER: Duration = Duration::from_millis(1);

/// Threads the pool has, or would have once started: asking rayon itself
/// starts it. Rayon sizes its global pool from `RAYON_NUM_THREADS`, else
/// from the cores the process may use.
pub(crate) fn pool_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// When work goes to the pool.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Spread {
    /// Once [`SPREAD_AFTER`] has passed since this instant (the start of the check).
    After(Instant),
    /// At once, when there are two items or more: for work whose every item
    /// may be long.
    Now,
}

impl Spread {
    fn due(self) -> bool {
        match self {
            Spread::After(since) => since.elapsed() >= SPREAD_AFTER,
            Spread::Now => true,
        }
    }
}

/// Runs `work` on every item: on this thread, in order, until spreading is
/// due, then the rest on the pool, one item per task (items differ wildly
/// in cost, so none is batched with another).
pub(crate) fn for_each_mut<T: Send>(items: &mut [T], when: Spread, work: impl Fn(&mut T) + Sync) {
    for i in 0..items.len() {
        if items.len() - i > 1 && when.due() {
            items[i..].par_iter_mut().with_max_len(1).for_each(&work);
            return;
        }
        work(&mut items[i]);
    }
}

/// [`for_each_mut`] as a map: the outputs in the order of the inputs.
pub(crate) fn map<I: Send, O: Send>(
    items: Vec<I>,
    when: Spread,
    f: impl Fn(I) -> O + Sync,
) -> Vec<O> {
    let mut slots: Vec<(Option<I>, Option<O>)> =
        items.into_iter().map(|i| (Some(i), None)).collect();
    for_each_mut(&mut slots, when, |(input, output)| {
        *output = input.take().map(&f);
    });
    slots.into_iter().filter_map(|(_, o)| o).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn quick_items_stay_on_this_thread_in_order() {
        let me = std::thread::current().id();
        let seen = std::sync::Mutex::new(Vec::new());
        let out = map(
            (0..50).collect(),
            Spread::After(Instant::now()),
            |i: u32| {
                assert_eq!(std::thread::current().id(), me);
                seen.lock().map(|mut s| s.push(i)).ok();
                i * 2
            },
        );
        assert_eq!(out, (0..50).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(seen.into_inner().ok(), Some((0..50).collect()));
    }

    #[test]
    fn spread_work_is_done_once_per_item_and_on_the_pool() {
        let me = std::thread::current().id();
        let done = AtomicUsize::new(0);
        let elsewhere = AtomicUsize::new(0);
        let mut items = vec![0u32; 64];
        for_each_mut(&mut items, Spread::Now, |x| {
            *x += 1;
            done.fetch_add(1, Ordering::Relaxed);
            if std::thread::current().id() != me {
                elsewhere.fetch_add(1, Ordering::Relaxed);
            }
        });
        assert!(items.iter().all(|&x| x == 1));
        assert_eq!(done.load(Ordering::Relaxed), 64);
        assert!(
            elsewhere.load(Ordering::Relaxed) > 0,
            "nothing ran on the pool"
        );
        // Outputs keep their order also when the pool made them.
        let out = map((0..64).collect(), Spread::Now, |i: u32| i + 1);
        assert_eq!(out, (1..65).collect::<Vec<_>>());
    }
}
