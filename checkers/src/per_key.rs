//! The report shape shared by the checkers that judge a history key by key
//! against a model (linearizable and sequential): one answer per key, each
//! invalid key with the checker's own kind of counterexample.

use crate::history::key_cmp;
use crate::verdict::Validity;
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// Result of checking a whole history key by key: the combination of its keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "C: Evidence", deserialize = "C: Evidence"))]
pub struct PerKeyReport<C> {
    /// Name of the model the history was checked against.
    pub model: String,
    /// Combined validity: invalid if any key is, else unknown if any is.
    pub valid: Validity,
    /// One entry per key (one for an unkeyed history).
    pub partitions: Vec<KeyResult<C>>,
    /// Wall time the check took, in milliseconds.
    pub elapsed_ms: f64,
}

/// Result for one key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyResult<C> {
    /// The key, or `None` for an unkeyed history.
    pub key: Option<String>,
    /// The answer for this key.
    pub valid: Validity,
    /// Number of operations checked for this key.
    pub ops: usize,
    /// Why the answer is unknown (deadline, cancelled), when it is.
    pub reason: Option<String>,
    /// Why the key is invalid; present when `valid` is `Invalid`.
    pub counterexample: Option<C>,
}

/// A per-key checker's counterexample type, and the field its reports have
/// always stored it under (`results.json` written before the checkers
/// shared this type must still read back).
pub trait Evidence: Serialize + DeserializeOwned {
    /// JSON field name of the counterexample in a [`KeyResult`].
    const FIELD: &'static str;
}

impl<C: Evidence> Serialize for KeyResult<C> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("KeyResult", 5)?;
        st.serialize_field("key", &self.key)?;
        st.serialize_field("valid", &self.valid)?;
        st.serialize_field("ops", &self.ops)?;
        match &self.reason {
            Some(r) => st.serialize_field("reason", r)?,
            None => st.skip_field("reason")?,
        }
        match &self.counterexample {
            Some(c) => st.serialize_field(C::FIELD, c)?,
            None => st.skip_field(C::FIELD)?,
        }
        st.end()
    }
}

impl<'de, C: Evidence> Deserialize<'de> for KeyResult<C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor<C>(PhantomData<C>);
        impl<'de, C: Evidence> Visitor<'de> for KeyVisitor<C> {
            type Value = KeyResult<C>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a per-key result")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut key = None;
                let mut valid = None;
                let mut ops = None;
                let mut reason = None;
                let mut counterexample = None;
                while let Some(name) = map.next_key::<String>()? {
                    match name.as_str() {
                        "key" => key = map.next_value()?,
                        "valid" => valid = Some(map.next_value()?),
                        "ops" => ops = Some(map.next_value()?),
                        "reason" => reason = map.next_value()?,
                        n if n == C::FIELD => counterexample = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(KeyResult {
                    key,
                    valid: valid.ok_or_else(|| de::Error::missing_field("valid"))?,
                    ops: ops.ok_or_else(|| de::Error::missing_field("ops"))?,
                    reason,
                    counterexample,
                })
            }
        }
        d.deserialize_map(KeyVisitor(PhantomData))
    }
}

impl<C> PerKeyReport<C> {
    /// The report of keys checked in parts (batches of whole keys), as one
    /// check of them all gives it: keys as lists show them, answers combined.
    pub(crate) fn joined(
        model: String,
        mut partitions: Vec<KeyResult<C>>,
        elapsed_ms: f64,
    ) -> PerKeyReport<C> {
        partitions.sort_by(|a, b| key_cmp(&a.key, &b.key));
        let valid = partitions
            .iter()
            .fold(Validity::Valid, |acc, p| acc.and(p.valid));
        PerKeyReport {
            model,
            valid,
            partitions,
            elapsed_ms,
        }
    }

    /// How many operations were checked, over all keys.
    pub fn ops(&self) -> usize {
        self.partitions.iter().map(|p| p.ops).sum()
    }

    /// How many keys have the answer `v`.
    pub fn count(&self, v: Validity) -> usize {
        self.partitions.iter().filter(|p| p.valid == v).count()
    }
}

impl<C> PerKeyReport<C> {
    /// The same answers per key with the counterexamples left out, as
    /// another checker's report type: what the linearizability renderers
    /// draw of a sequential report.
    pub fn answers_only<D>(&self) -> PerKeyReport<D> {
        PerKeyReport {
            model: self.model.clone(),
            valid: self.valid,
            partitions: self
                .partitions
                .iter()
                .map(|p| KeyResult {
                    key: p.key.clone(),
                    valid: p.valid,
                    ops: p.ops,
                    reason: p.reason.clone(),
                    counterexample: None,
                })
                .collect(),
            elapsed_ms: self.elapsed_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::linearizability::PartitionResult;
    use crate::sequential::SequentialPartition;
    use crate::verdict::Validity;

    #[test]
    fn each_checker_keeps_its_own_field_name_and_omits_what_is_absent() {
        let seq: SequentialPartition = serde_json::from_str(
            r#"{"key":"k","valid":"unknown","ops":3,"reason":"deadline","extra":1}"#,
        )
        .unwrap();
        assert_eq!(seq.reason.as_deref(), Some("deadline"));
        assert_eq!(
            serde_json::to_string(&seq).unwrap(),
            r#"{"key":"k","valid":"unknown","ops":3,"reason":"deadline"}"#
        );
        let lin = PartitionResult {
            key: None,
            valid: Validity::Valid,
            ops: 2,
            reason: None,
            counterexample: None,
        };
        assert_eq!(
            serde_json::to_string(&lin).unwrap(),
            r#"{"key":null,"valid":"valid","ops":2}"#
        );
        // A sequential witness is not a linearizability counterexample.
        let w = r#"{"key":"k","valid":"invalid","ops":1,"witness":{"key":"k","placed":0,"total":1,"state":"s","order_tail":[],"stuck":[],"text":"t"}}"#;
        let seq: SequentialPartition = serde_json::from_str(w).unwrap();
        assert_eq!(seq.counterexample.map(|c| c.text), Some("t".to_string()));
        let lin: PartitionResult = serde_json::from_str(w).unwrap();
        assert!(lin.counterexample.is_none());
    }
}
