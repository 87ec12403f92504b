//! One command per host, all at once: a fault or a heal on many nodes
//! takes as long as the slowest host, not the sum of them.

use std::sync::Arc;
use std::time::Duration;

use super::ssh::{SshClient, SshTarget};
use crate::error::NemesisError;

/// A command for one node's host.
#[derive(Debug, Clone)]
pub struct Job {
    /// The node it is for (named in results).
    pub node: String,
    /// Where it runs.
    pub target: SshTarget,
    /// What runs.
    pub argv: Vec<String>,
}

/// Runs every job concurrently; results in the jobs' order.
pub async fn run_all(
    client: &Arc<SshClient>,
    jobs: Vec<Job>,
    timeout: Duration,
) -> Vec<(String, Result<Vec<u8>, NemesisError>)> {
    let mut handles = Vec::with_capacity(jobs.len());
    for job in jobs {
        let client = client.clone();
        handles.push((
            job.node.clone(),
            tokio::spawn(async move { client.run(&job.target, &job.argv, timeout).await }),
        ));
    }
    let mut results = Vec::with_capacity(handles.len());
    for (node, handle) in handles {
        let result = handle.await.unwrap_or_else(|e| {
            Err(NemesisError::control(
                "run",
                &node,
                format!("the SSH task failed: {e}"),
            ))
        });
        results.push((node, result));
    }
    results
}

/// The first error of `results`, if any (the others are logged).
pub fn first_error<T>(results: Vec<(String, Result<T, NemesisError>)>) -> Result<(), NemesisError> {
    let mut first = None;
    for (node, result) in results {
        if let Err(e) = result {
            if first.is_some() {
                tracing::warn!("{node}: {e}");
            } else {
                first = Some(e);
            }
        }
    }
    first.map_or(Ok(()), Err)
}
