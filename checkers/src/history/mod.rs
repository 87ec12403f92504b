//! Histories: events, their pairing into operations, and file formats.

mod event;

pub use event::{Event, EventType, OpFn, ProcessId};
