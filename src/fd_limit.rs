//! Open-file limits: a run of the bundled cluster holds a proxy listener and
//! forwarded connections for every directed peer link, so its descriptor
//! count grows with the square of the node count. The soft limit (often
//! 1024) is raised to the hard one at start; a run that would still need
//! more is refused up front instead of drowning in "Too many open files".

use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// Raises the soft open-file limit to the hard one; returns the soft limit
/// in force afterwards (`None` where it cannot be read).
pub fn raise_to_hard() -> Option<u64> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
    if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return Some(hard);
    }
    Some(soft)
}

/// The current soft open-file limit.
pub fn current() -> Option<u64> {
    getrlimit(Resource::RLIMIT_NOFILE)
        .ok()
        .map(|(soft, _)| soft)
}

/// A lower bound on the descriptors the harness holds for a bundled cluster
/// of `nodes` with `clients` workers: per directed link a listener plus both
/// ends of at least one forwarded peer connection, one pooled connection per
/// worker and node, and a margin for the runtime, logs and history.
pub fn needed_for_bundled(nodes: usize, clients: usize) -> u64 {
    let n = nodes as u64;
    3 * n * n.saturating_sub(1) + clients as u64 * n + 64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
        let low = hard.min(256);
        setrlimit(Resource::RLIMIT_NOFILE, low, hard).unwrap();
        assert_eq!(current(), Some(low));
        assert_eq!(raise_to_hard(), Some(hard));
        assert_eq!(current(), Some(hard));
    }

    #[test]
    fn the_need_grows_with_the_square_of_the_nodes() {
        assert_eq!(needed_for_bundled(1, 6), 70);
        assert_eq!(needed_for_bundled(3, 6), 18 + 18 + 64);
        assert!(needed_for_bundled(100, 6) > 29_000);
    }
}
