//! Histories: events, their pairing into operations, and file formats.

mod error;
mod event;
mod operation;
mod pairing;

pub use error::HistoryError;
pub use event::{Event, EventType, OpFn, ProcessId};
pub use operation::{OpStatus, Operation};
pub use pairing::{CAS_MISMATCH, pair_operations, validate_events};
