//! Starting a memory store: binding its loopback listeners and serving them,
//! on the caller's runtime or on a thread of its own.

use super::error::MemoryStoreError;
use super::map::SharedMap;
use super::node::Node;
use super::options::MemoryStoreOptions;
use super::replica::spawn_lagging_copy;
use super::routes;
use std::time::Duration;

/// How long [`start_on_own_thread`] waits for the thread to bind its
/// listeners; binding loopback ports takes milliseconds, so reaching this
/// means the thread is stuck.
const THREAD_STARTUP: Duration = Duration::from_secs(10);

/// Binds `opts.nodes` listeners on free 127.0.0.1 ports and serves them on
/// tasks of the current tokio runtime, for as long as it runs; returns the
/// nodes' URLs (`http://127.0.0.1:PORT`), node 0 first.
///
/// Must be called within a tokio runtime (it spawns tasks).
pub async fn start(opts: MemoryStoreOptions) -> Result<Vec<String>, MemoryStoreError> {
    if opts.nodes == 0 {
        return Err(MemoryStoreError::NoNodes);
    }
    let mut listeners = Vec::with_capacity(opts.nodes);
    let mut urls = Vec::with_capacity(opts.nodes);
    // All bound before any is served: a leader-only follower names node 0's URL.
    for _ in 0..opts.nodes {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(MemoryStoreError::Bind)?;
        let addr = listener.local_addr().map_err(MemoryStoreError::Bind)?;
        urls.push(format!("http://{addr}"));
        listeners.push(listener);
    }
    let primary = SharedMap::default();
    let requests = std::sync::Arc::default();
    let txn_writes = std::sync::Arc::default();
    for (i, listener) in listeners.into_iter().enumerate() {
        let app = if opts.foreign {
            routes::foreign()
        } else {
            routes::protocol(Node {
                primary: primary.clone(),
                replica: opts.stale.then(|| spawn_lagging_copy(primary.clone(), i)),
                leader: if opts.leader_only && i > 0 {
                    urls.first().cloned()
                } else {
                    None
                },
                opts,
                requests: std::sync::Arc::clone(&requests),
                txn_writes: std::sync::Arc::clone(&txn_writes),
            })
        };
        // A serve error (the listener failing) ends only that node, which
        // then refuses connections: a fault its clients report themselves.
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
    Ok(urls)
}

/// Like [`start`], but on a thread of its own with a one-worker runtime,
/// for callers without a runtime (synchronous tests). The store lives until
/// the process exits.
pub fn start_on_own_thread(opts: MemoryStoreOptions) -> Result<Vec<String>, MemoryStoreError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => {
                // The caller may have given up waiting; nothing else to tell.
                let _ = tx.send(Err(MemoryStoreError::Runtime(e)));
                return;
            }
        };
        runtime.block_on(async move {
            let started = start(opts).await;
            let serving = started.is_ok();
            let _ = tx.send(started);
            if serving {
                // Keeps the runtime, and with it the store's tasks, alive.
                std::future::pending::<()>().await;
            }
        });
    });
    rx.recv_timeout(THREAD_STARTUP)
        .map_err(|_| MemoryStoreError::Startup(THREAD_STARTUP))?
}
