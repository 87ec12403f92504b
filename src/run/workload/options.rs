//! The options of every workload that has some, gathered for the run's
//! configuration: its flags, its keys in a `--config` file and in the
//! `config.toml` a run writes, and the refusal of a setting given to a
//! workload it does not belong to. A workload's options are defined once,
//! in its own file; this one only lists them.

use super::args::WorkloadArgs;
use super::bank::BankArgs;
use super::lock::LockArgs;
use faultline_workloads::workload::WorkloadKind;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Every workload's own options; each group applies to its workload alone.
#[derive(Debug, Clone, PartialEq, Default, Serialize, clap::Args)]
pub struct WorkloadOptions {
    /// The lock workload's lease and pauses.
    #[command(flatten)]
    #[serde(flatten)]
    pub lock: LockArgs,
    /// The bank workload's accounts.
    #[command(flatten)]
    #[serde(flatten)]
    pub bank: BankArgs,
}

/// Where the options are read from: a config file's text, or a JSON map of
/// keys. Each group takes its own keys and leaves the others.
pub trait OptionSource {
    /// The error of a key of the wrong type.
    type Error;
    /// One group, from the keys it knows.
    fn group<T: DeserializeOwned>(&self) -> Result<T, Self::Error>;
}

/// A config file's text: a group's errors keep their line numbers.
pub struct TomlText<'a>(pub &'a str);

impl OptionSource for TomlText<'_> {
    type Error = toml::de::Error;
    fn group<T: DeserializeOwned>(&self) -> Result<T, toml::de::Error> {
        toml::from_str(self.0)
    }
}

impl OptionSource for serde_json::Value {
    type Error = serde_json::Error;
    fn group<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(self)
    }
}

impl WorkloadOptions {
    /// The options `source` gives; the rest of its keys are not theirs.
    pub fn read<S: OptionSource>(source: &S) -> Result<WorkloadOptions, S::Error> {
        Ok(WorkloadOptions {
            lock: source.group()?,
            bank: source.group()?,
        })
    }

    /// Each group's workload, its keys whose values differ from their
    /// defaults (alphabetically), and its validation.
    fn groups(&self) -> [Group; 2] {
        [Group::of(&self.lock), Group::of(&self.bank)]
    }

    /// The keys of every group, as a config file spells them.
    pub fn keys() -> Vec<String> {
        match serde_json::to_value(WorkloadOptions::default()) {
            Ok(serde_json::Value::Object(map)) => map.into_iter().map(|(k, _)| k).collect(),
            _ => Vec::new(),
        }
    }

    /// The first option given for a workload other than `workload`, with
    /// the workload it belongs to.
    pub fn given_to_another(&self, workload: WorkloadKind) -> Option<(String, WorkloadKind)> {
        self.groups()
            .into_iter()
            .filter(|g| g.workload != workload)
            .find_map(|g| g.given.into_iter().next().map(|key| (key, g.workload)))
    }

    /// Rejects values of `workload`'s options that no run can use.
    pub fn validate(&self, workload: WorkloadKind) -> anyhow::Result<()> {
        match self.groups().into_iter().find(|g| g.workload == workload) {
            Some(g) => g.validation,
            None => Ok(()),
        }
    }
}

/// One group, seen apart from its type.
struct Group {
    workload: WorkloadKind,
    given: Vec<String>,
    validation: anyhow::Result<()>,
}

impl Group {
    fn of<A: WorkloadArgs>(args: &A) -> Group {
        let as_map = |a: &A| match serde_json::to_value(a) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let defaults = as_map(&A::default());
        Group {
            workload: A::WORKLOAD,
            given: as_map(args)
                .into_iter()
                .filter(|(k, v)| defaults.get(k) != Some(v))
                .map(|(k, _)| k)
                .collect(),
            validation: args.validate(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_belongs_to_one_group_and_reads_back() {
        let keys = WorkloadOptions::keys();
        assert!(keys.contains(&"lock-ttl-ms".to_string()), "{keys:?}");
        assert!(keys.contains(&"accounts".to_string()), "{keys:?}");
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "a key in two groups: {keys:?}");

        let text = "accounts = 5\nlock-ttl-ms = 40\nconcurrency = 3\n";
        let o = WorkloadOptions::read(&TomlText(text)).unwrap();
        assert_eq!((o.bank.accounts, o.lock.lock_ttl_ms), (5, 40));
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(WorkloadOptions::read(&json).unwrap(), o);
    }

    #[test]
    fn a_wrong_type_names_the_line_and_key() {
        let err = WorkloadOptions::read(&TomlText("concurrency = 3\naccounts = \"x\"\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("accounts"), "{err}");
    }

    #[test]
    fn an_option_given_to_another_workload_is_found() {
        let mut o = WorkloadOptions::default();
        assert_eq!(o.given_to_another(WorkloadKind::Register), None);
        o.lock.lock_pause_ms = 10;
        assert_eq!(o.given_to_another(WorkloadKind::Lock), None);
        assert_eq!(
            o.given_to_another(WorkloadKind::Bank),
            Some(("lock-pause-ms".to_string(), WorkloadKind::Lock))
        );
    }
}
