//! `faultline cluster up --sut etcd`: local etcd members until Ctrl-C.

use super::local::LocalEtcd;
use crate::exit::Exit;
use anyhow::Context;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Starts `nodes` members (data and logs under `dir`, client ports from
/// `base_port`), prints their endpoints and keeps them running until Ctrl-C.
pub fn run(nodes: usize, dir: &Path, base_port: u16) -> anyhow::Result<Exit> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .context("installing the Ctrl-C handler")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        // The mesh costs little and keeps peer traffic on the same path as in `run`.
        let etcd = LocalEtcd::start(nodes, dir, Some(dir), base_port, true).await?;
        println!("data dir: {}", dir.display());
        for (name, url) in etcd.cluster.names().iter().zip(etcd.cluster.client_urls()) {
            println!(
                "{name}: {url}  (log: {})",
                etcd.cluster.log_path(name).display()
            );
        }
        match etcd.cluster.leader().await {
            Some(l) => println!("leader: {l}"),
            None => eprintln!("warning: no leader reported yet"),
        }
        println!("endpoints: {}", etcd.cluster.client_urls().join(","));
        println!("running; press Ctrl-C to stop");
        while !stop.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        etcd.stop();
        println!("stopped");
        Ok(Exit::Valid)
    })
}
