//! Running the coordinator process: recover its log, start redelivery,
//! serve HTTP.

use super::api;
use super::coordinator::Coordinator;
use super::delivery::run_redelivery;
use super::group_client::GroupClient;
use crate::args::NodeArgs;
use crate::bugs::BugSet;
use crate::error::ClusterError;
use std::sync::Arc;
use std::time::Duration;

/// Serves the coordinator until it fails (called inside a tokio runtime).
pub async fn serve(args: NodeArgs) -> Result<(), ClusterError> {
    let mut shards = args.shards.clone();
    shards.sort_by_key(|s| s.index);
    if shards.is_empty() || shards.iter().enumerate().any(|(i, s)| s.index != i + 1) {
        return Err(ClusterError::InvalidArgument(
            "a coordinator needs --shard 1=..., --shard 2=..., numbered from 1 without gaps".into(),
        ));
    }
    let http = crate::net::peer_client()?;
    // A group's answer may take a full commit timeout plus one forward hop.
    let request_timeout = Duration::from_millis(args.commit_timeout_ms.max(1) + 1500);
    let groups = shards
        .into_iter()
        .map(|s| GroupClient::new(s.urls, http.clone(), request_timeout))
        .collect();
    let coordinator = Coordinator::recover(
        args.id.to_string(),
        groups,
        BugSet::new(args.bugs.iter().copied()),
        request_timeout + Duration::from_secs(1),
        &args.data_dir,
    )?;
    let coordinator = Arc::new(coordinator);
    let listener = crate::net::bind(args.listen).await?;
    tracing::info!(id = %args.id, listen = %args.listen, "coordinator serving");
    tokio::spawn(run_redelivery(coordinator.clone()));
    axum::serve(listener, api::router(coordinator))
        .await
        .map_err(ClusterError::Server)
}
