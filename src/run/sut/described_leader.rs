//! The nemesis asks a described store for its leader through the
//! description's `[leader]` query, so leader-targeted faults (isolate-leader,
//! kill or pause the leader) hit the node the store itself calls leader.

use super::client::Described;
use faultline_nemeses::{BoxFuture, LeaderSource};
use faultline_workloads::client::Endpoint;
use faultline_workloads::client::described::LeaderQuery;
use std::sync::Arc;
use std::time::Duration;

/// A limit for each node's answer: a hung node must not stall a fault.
const ASK_TIMEOUT: Duration = Duration::from_secs(5);

/// The `[leader]` query over the run's endpoints.
pub struct QueriedLeader {
    query: LeaderQuery,
    http: reqwest::Client,
    headers: Vec<(String, String)>,
    endpoints: Vec<Endpoint>,
}

impl QueriedLeader {
    /// The leader source of `described` over `endpoints`, when its
    /// description has a `[leader]` table: what every SUT that speaks a
    /// description gives its nemeses.
    pub fn of(
        described: &Described,
        endpoints: &[Endpoint],
    ) -> anyhow::Result<Option<Arc<dyn LeaderSource>>> {
        let d = &described.description;
        let Some(query) = &d.leader else {
            return Ok(None);
        };
        let source = QueriedLeader::new(query.clone(), d.headers.clone(), endpoints.to_vec())?;
        Ok(Some(Arc::new(source)))
    }

    /// Asks `endpoints` as `query` says, sending `headers`.
    pub fn new(
        query: LeaderQuery,
        headers: Vec<(String, String)>,
        endpoints: Vec<Endpoint>,
    ) -> anyhow::Result<QueriedLeader> {
        let http = reqwest::Client::builder()
            .timeout(ASK_TIMEOUT)
            .build()
            .map_err(|e| anyhow::anyhow!("building the HTTP client of the [leader] query: {e}"))?;
        Ok(QueriedLeader {
            query,
            http,
            headers,
            endpoints,
        })
    }
}

impl LeaderSource for QueriedLeader {
    fn leader(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async move {
            let i = self
                .query
                .find(&self.http, &self.headers, &self.endpoints)
                .await?;
            self.endpoints.get(i).map(|e| e.name.clone())
        })
    }
}
