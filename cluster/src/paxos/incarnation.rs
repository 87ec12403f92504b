//! The node's incarnation number, bumped durably at every start, so ballots
//! of a restarted proposer differ from every ballot it used before.

use crate::error::ClusterError;
use crate::framing;
use std::path::Path;

/// Reads `dir/incarnation`, stores the next number durably and returns it.
pub fn next(dir: &Path) -> Result<u64, ClusterError> {
    let path = dir.join("incarnation");
    let previous = framing::open::<u64>(&path)?
        .records
        .last()
        .copied()
        .unwrap_or(0);
    let current = previous + 1;
    framing::rewrite(&path, &[current])?;
    Ok(current)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_start_gets_a_higher_number() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(super::next(dir.path()).unwrap(), 1);
        assert_eq!(super::next(dir.path()).unwrap(), 2);
        assert_eq!(super::next(dir.path()).unwrap(), 3);
    }
}
