//! Where nemeses report what they did; the harness writes it into the history.

use std::sync::Mutex;

use serde_json::Value;

/// Receives one `(f, value)` per fault or heal, in the order they happened.
///
/// The harness records each as `{"process":"nemesis","type":"info","f":f,"value":value}`.
pub trait EventSink: Send + Sync {
    /// Records that `f` happened with details `value`.
    fn record(&self, f: &str, value: Value);
}

impl<F> EventSink for F
where
    F: Fn(&str, Value) + Send + Sync,
{
    fn record(&self, f: &str, value: Value) {
        self(f, value)
    }
}

/// An in-memory sink, for tests and for callers that post-process events.
#[derive(Debug, Default)]
pub struct MemorySink {
    events: Mutex<Vec<(String, Value)>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of everything recorded so far.
    pub fn events(&self) -> Vec<(String, Value)> {
        self.events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Only the `f` names recorded so far.
    pub fn fs(&self) -> Vec<String> {
        self.events().into_iter().map(|(f, _)| f).collect()
    }
}

impl EventSink for MemorySink {
    fn record(&self, f: &str, value: Value) {
        self.events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((f.to_string(), value));
    }
}
