//! The `[db]` table: argv templates for each step of a database's life on
//! a node (Jepsen's `DB` protocol as commands), and the placeholders they
//! may use, checked when the file is read rather than when a fault runs.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A step of the lifecycle, by its key in `[db]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Install and configure (once per run, before `start`).
    Setup,
    /// Start the database process (at the run's start and after a kill).
    Start,
    /// Stop it gracefully at the run's end.
    Stop,
    /// Kill it hard (the kill fault).
    Kill,
    /// Freeze it (the pause fault).
    Pause,
    /// Thaw it.
    Resume,
    /// Delete its data (before `setup`, so a run starts empty).
    Wipe,
}

impl Step {
    /// Every step, in the order a file lists them.
    pub const ALL: [Step; 7] = [
        Step::Setup,
        Step::Start,
        Step::Stop,
        Step::Kill,
        Step::Pause,
        Step::Resume,
        Step::Wipe,
    ];

    /// Its key in `[db]`.
    pub fn key(self) -> &'static str {
        match self {
            Step::Setup => "setup",
            Step::Start => "start",
            Step::Stop => "stop",
            Step::Kill => "kill",
            Step::Pause => "pause",
            Step::Resume => "resume",
            Step::Wipe => "wipe",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The placeholders a template may hold, each replaced per node.
pub const PLACEHOLDERS: [&str; 6] = ["node", "host", "address", "port", "url", "peers"];

/// The placeholder only the `clock` template has: the offset to set, in
/// milliseconds (negative: behind; 0: the true time again).
pub const OFFSET_MS: &str = "offset_ms";

/// The `[db]` table of a test file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct DbTemplates {
    /// Installs and configures the database on `{node}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup: Option<Vec<String>>,
    /// Starts it; must return once it is launched (run it in the background).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Vec<String>>,
    /// Stops it at the end of the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<Vec<String>>,
    /// Kills it hard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kill: Option<Vec<String>>,
    /// Freezes it (SIGSTOP, say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause: Option<Vec<String>>,
    /// Thaws it (SIGCONT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resume: Option<Vec<String>>,
    /// Deletes its data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wipe: Option<Vec<String>>,
    /// Sets the node's clock to the true time plus `{offset_ms}` (the clock
    /// fault: with `faketime`, `date -s`, chrony, or the store's own knob);
    /// called with 0 to reset it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<Vec<String>>,
    /// Remote files downloaded into `nodes/<node>/` at the end of the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<String>,
    /// Limit for each command, in seconds.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_timeout_secs() -> u64 {
    30
}

/// A template that uses a placeholder no node has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "[db] {key}: unknown placeholder {{{name}}} in {arg:?} (allowed: {}{})",
    allowed(),
    if key == "clock" { ", {offset_ms}" } else { "" }
)]
pub struct UnknownPlaceholder {
    /// The key, e.g. `start` or `logs`.
    pub key: String,
    /// The placeholder's name, without braces.
    pub name: String,
    /// The argument it was found in.
    pub arg: String,
}

fn allowed() -> String {
    PLACEHOLDERS
        .iter()
        .map(|p| format!("{{{p}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl DbTemplates {
    /// The template of `step`, if the file has one.
    pub fn get(&self, step: Step) -> Option<&Vec<String>> {
        match step {
            Step::Setup => self.setup.as_ref(),
            Step::Start => self.start.as_ref(),
            Step::Stop => self.stop.as_ref(),
            Step::Kill => self.kill.as_ref(),
            Step::Pause => self.pause.as_ref(),
            Step::Resume => self.resume.as_ref(),
            Step::Wipe => self.wipe.as_ref(),
        }
    }

    /// Checks every template and log path for placeholders outside
    /// [`PLACEHOLDERS`], and that no template is an empty list.
    pub fn validate(&self) -> Result<(), UnknownPlaceholder> {
        let mut keyed: Vec<(&str, &Vec<String>)> = Step::ALL
            .iter()
            .filter_map(|s| self.get(*s).map(|t| (s.key(), t)))
            .collect();
        keyed.push(("logs", &self.logs));
        if let Some(clock) = &self.clock {
            keyed.push(("clock", clock));
        }
        for (key, args) in keyed {
            let known = |n: &&str| PLACEHOLDERS.contains(n) || (key == "clock" && *n == OFFSET_MS);
            for arg in args {
                if let Some(name) = placeholders_in(arg).into_iter().find(|n| !known(n)) {
                    return Err(UnknownPlaceholder {
                        key: key.to_string(),
                        name: name.to_string(),
                        arg: arg.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The keys whose template is an empty list (which could run nothing).
    pub fn empty_steps(&self) -> Vec<String> {
        let mut empty: Vec<String> = Step::ALL
            .into_iter()
            .filter(|s| self.get(*s).is_some_and(|t| t.is_empty()))
            .map(|s| s.key().to_string())
            .collect();
        if self.clock.as_ref().is_some_and(|t| t.is_empty()) {
            empty.push("clock".to_string());
        }
        empty
    }
}

/// The `{name}`s in `arg` that look like placeholders: a name of letters,
/// digits, `_` or `-` in braces, not after a `$` (a shell's `${VAR}`), so
/// nft's `{ type filter ... }` and shell syntax pass untouched.
pub fn placeholders_in(arg: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let bytes = arg.as_bytes();
    let mut i = 0;
    while let Some(open) = arg[i..].find('{').map(|o| o + i) {
        let after = &arg[open + 1..];
        let shell = open > 0 && bytes[open - 1] == b'$';
        if let Some(close) = after.find('}') {
            let name = &after[..close];
            let word = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if word && !shell {
                found.push(name);
            }
        }
        i = open + 1;
    }
    found
}

/// `text` with each `{name}` of `values` replaced (other braces kept).
pub fn fill(text: &str, values: &BTreeMap<&str, &str>) -> String {
    crate::command::substitute(&[text.to_string()], values)
        .pop()
        .unwrap_or_default()
}

/// One node's values for the placeholders.
pub fn values<'a>(
    node: &'a str,
    host: &'a str,
    address: &'a str,
    port: &'a str,
    url: &'a str,
    peers: &'a str,
) -> BTreeMap<&'static str, &'a str> {
    BTreeMap::from([
        ("node", node),
        ("host", host),
        ("address", address),
        ("port", port),
        ("url", url),
        ("peers", peers),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders_but_not_shell_or_nft_braces() {
        assert_eq!(placeholders_in("{host}:{port}"), vec!["host", "port"]);
        assert!(placeholders_in("${HOME}/x").is_empty());
        assert!(placeholders_in("{ type filter ; }").is_empty());
        assert_eq!(placeholders_in("{{node}}"), vec!["node"]);
    }

    #[test]
    fn an_unknown_placeholder_names_the_key_and_the_allowed_ones() {
        let db = DbTemplates {
            start: Some(vec!["run".into(), "--dir={data_dir}".into()]),
            ..DbTemplates::default()
        };
        let e = db.validate().unwrap_err().to_string();
        assert!(e.contains("[db] start"), "{e}");
        assert!(e.contains("{data_dir}"), "{e}");
        assert!(e.contains("{node}, {host}"), "{e}");
        let logs = DbTemplates {
            logs: vec!["/var/log/{nod}.log".into()],
            ..DbTemplates::default()
        };
        assert!(
            logs.validate()
                .unwrap_err()
                .to_string()
                .contains("[db] logs")
        );
        let fine = DbTemplates {
            start: Some(vec!["sh".into(), "-c".into(), "x ${A} {node}".into()]),
            ..DbTemplates::default()
        };
        assert!(fine.validate().is_ok());
    }

    #[test]
    fn only_the_clock_template_has_the_offset() {
        let clock = DbTemplates {
            clock: Some(vec![
                "faketime-set".into(),
                "{node}".into(),
                "{offset_ms}".into(),
            ]),
            ..DbTemplates::default()
        };
        assert!(clock.validate().is_ok());
        let start = DbTemplates {
            start: Some(vec!["run".into(), "{offset_ms}".into()]),
            ..DbTemplates::default()
        };
        let e = start.validate().unwrap_err().to_string();
        assert!(
            e.contains("[db] start") && !e.contains("{offset_ms})"),
            "{e}"
        );
        let typo = DbTemplates {
            clock: Some(vec!["{offset}".into()]),
            ..DbTemplates::default()
        };
        let e = typo.validate().unwrap_err().to_string();
        assert!(
            e.contains("[db] clock") && e.contains("{offset_ms})"),
            "{e}"
        );
    }
}
