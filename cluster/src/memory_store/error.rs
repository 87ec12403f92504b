//! Why a memory store could not start.

/// Why a memory store could not start. Once it has started it does not fail:
/// every request gets an answer from the protocol.
#[derive(Debug, thiserror::Error)]
pub enum MemoryStoreError {
    /// `nodes` was 0: a store without endpoints could serve nothing.
    #[error("a memory store needs at least one node")]
    NoNodes,
    /// A loopback listener could not be bound.
    #[error("binding a memory store listener on 127.0.0.1: {0}")]
    Bind(#[source] std::io::Error),
    /// The store's own thread could not start its async runtime.
    #[error("starting the memory store's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The store's own thread did not report its URLs in time.
    #[error("the memory store's thread did not start within {0:?}")]
    Startup(std::time::Duration),
}
