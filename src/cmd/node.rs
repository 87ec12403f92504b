//! `faultline node`: one node of the bundled cluster (started by `cluster up`).

use crate::exit::Exit;
use anyhow::Context;

/// Arguments of `faultline node` (defined by the cluster crate).
pub type NodeArgs = faultline_cluster::NodeArgs;

/// Runs the node until it fails or is killed.
pub fn execute(args: NodeArgs) -> anyhow::Result<Exit> {
    let id = args.id.clone();
    faultline_cluster::run_node(args).with_context(|| format!("node {id}"))?;
    Ok(Exit::Valid)
}
