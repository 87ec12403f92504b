//! `faultline node`: one node of the bundled cluster (started by `cluster up`).

use crate::exit::Exit;
use anyhow::Context;

/// Arguments of `faultline node` (defined by the cluster crate).
pub type NodeArgs = faultline_cluster::NodeArgs;

/// How often a node checks that the process that started it is still alive.
const PARENT_CHECK: std::time::Duration = std::time::Duration::from_millis(500);

/// Runs the node until it fails, is killed, or its parent goes away.
pub fn execute(args: NodeArgs) -> anyhow::Result<Exit> {
    let id = args.id.clone();
    exit_with_parent();
    faultline_cluster::run_node(args).with_context(|| format!("node {id}"))?;
    Ok(Exit::Valid)
}

/// Exits once this process is orphaned. Nodes are started by a harness
/// (`run`, `cluster up`, a benchmark) that stops them when it ends; if the
/// harness itself is killed (SIGKILL, a crash), nothing else would, and
/// stray nodes would hold their ports and keep writing logs.
fn exit_with_parent() {
    let parent = std::os::unix::process::parent_id();
    let watch = move || {
        loop {
            std::thread::sleep(PARENT_CHECK);
            if std::os::unix::process::parent_id() != parent {
                std::process::exit(0);
            }
        }
    };
    if let Err(e) = std::thread::Builder::new()
        .name("parent-watch".into())
        .spawn(watch)
    {
        tracing::warn!("cannot watch the parent process: {e}");
    }
}
