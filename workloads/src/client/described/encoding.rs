//! How a read's value is held in a store's answer, and how it is decoded.

use crate::client::base64;
use serde_json::Value;

/// How a read's value is held in the response at `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ValueEncoding {
    /// The JSON value itself.
    #[default]
    Json,
    /// A string holding JSON text (what `{value}` sends).
    JsonText,
    /// A string holding base64 of JSON text (what `{value_b64}` sends).
    Base64Json,
}

impl ValueEncoding {
    pub(super) fn parse(s: &str) -> Option<ValueEncoding> {
        match s {
            "json" => Some(ValueEncoding::Json),
            "json-text" => Some(ValueEncoding::JsonText),
            "base64-json" => Some(ValueEncoding::Base64Json),
            _ => None,
        }
    }

    /// A read's value as its JSON, from the response field `v`.
    pub(super) fn decode(self, v: &Value) -> Result<Value, String> {
        match self {
            ValueEncoding::Json => Ok(v.clone()),
            ValueEncoding::JsonText => {
                let s = v.as_str().ok_or("expected a string holding JSON text")?;
                serde_json::from_str(s).map_err(|e| format!("not JSON text: {e}"))
            }
            ValueEncoding::Base64Json => {
                let s = v.as_str().ok_or("expected a base64 string")?;
                let bytes = base64::decode(s).map_err(|e| e.to_string())?;
                serde_json::from_slice(&bytes).map_err(|e| format!("not JSON text: {e}"))
            }
        }
    }
}
