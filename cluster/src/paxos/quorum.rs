//! Sending one phase's message to every acceptor (this node's own directly,
//! peers over HTTP) and collecting the answers as they arrive.

use super::server::PaxosNode;
use crate::error::ClusterError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use tokio::task::JoinSet;

/// One acceptor's answer to a phase message.
#[derive(Debug)]
pub enum Reply<T> {
    /// The acceptor answered.
    Answer(T),
    /// The connection was refused: the message definitely never arrived.
    Unreachable,
    /// Timed out, broke off or failed: the acceptor may have acted on it.
    Lost,
}

/// Answers still to come for one phase.
pub struct FanOut<T: 'static> {
    tasks: JoinSet<Reply<T>>,
    deadline: Instant,
}

impl<T: Send + 'static> FanOut<T> {
    /// The next answer, or `None` once all arrived or the deadline passed
    /// (the remaining ones are then lost).
    pub async fn next(&mut self) -> Option<Reply<T>> {
        match tokio::time::timeout_at(self.deadline.into(), self.tasks.join_next()).await {
            Ok(Some(Ok(reply))) => Some(reply),
            Ok(Some(Err(_))) => Some(Reply::Lost),
            Ok(None) | Err(_) => None,
        }
    }

    /// How many answers are still outstanding.
    pub fn pending(&self) -> usize {
        self.tasks.len()
    }
}

impl<T: 'static> Drop for FanOut<T> {
    /// Messages still in flight once the round is decided run to the end
    /// rather than being cut off: lagging acceptors catch up that way.
    fn drop(&mut self) {
        self.tasks.detach_all();
    }
}

/// Sends `req` to `path` on every peer and runs `local` against this node's
/// acceptor; every answer must arrive before `deadline`.
pub fn broadcast<Req, Resp, Fut>(
    node: &Arc<PaxosNode>,
    path: &'static str,
    req: &Req,
    deadline: Instant,
    local: Fut,
) -> FanOut<Resp>
where
    Req: Serialize,
    Resp: DeserializeOwned + Send + 'static,
    Fut: Future<Output = Result<Resp, ClusterError>> + Send + 'static,
{
    let mut tasks = JoinSet::new();
    let me = node.clone();
    tasks.spawn(async move {
        match local.await {
            Ok(resp) => Reply::Answer(resp),
            Err(e) => {
                me.fail(e);
                Reply::Lost
            }
        }
    });
    // Serializing our own message types cannot fail.
    let body = bytes_of(req);
    for url in node.cfg.peers.values() {
        let request = node
            .http
            .post(format!("{url}{path}"))
            .header("content-type", "application/json")
            .timeout(deadline.saturating_duration_since(Instant::now()))
            .body(body.clone());
        tasks.spawn(async move {
            match request.send().await {
                Ok(resp) if resp.status().is_success() => match resp.json::<Resp>().await {
                    Ok(answer) => Reply::Answer(answer),
                    Err(_) => Reply::Lost,
                },
                Ok(_) => Reply::Lost,
                Err(e) if e.is_connect() => Reply::Unreachable,
                Err(_) => Reply::Lost,
            }
        });
    }
    FanOut { tasks, deadline }
}

fn bytes_of<T: Serialize>(value: &T) -> axum::body::Bytes {
    axum::body::Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}
