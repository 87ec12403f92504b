//! Renderers of linearizability reports: terminal text and a self-contained HTML timeline.
//!
//! The JSON form is the serde form of [`crate::linearizability::LinearizabilityReport`]
//! and needs no renderer of its own.

pub mod html;
pub(crate) mod label;
pub mod text;
