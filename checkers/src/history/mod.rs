//! Histories: events, their pairing into operations, and file formats.

mod error;
mod event;
mod key_order;
mod operation;
mod pairing;
mod reason;

pub use error::HistoryError;
pub use event::{Event, EventType, OpFn, ProcessId};
pub use key_order::{key_cmp, key_label, natural_cmp};
pub use operation::{OpStatus, Operation};
pub use pairing::{pair_operations, validate_events};
pub use reason::FailReason;
