//! The `[commands]` table: per-node argv templates the nemeses run against a
//! store the harness did not start, each checked for its placeholders when
//! the file is read (a typo must not wait for the first fault to surface).

use super::error::DescriptionError;
use super::toml_reader::Field;

/// One command of `[commands]`: its key, and the placeholders it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKey {
    /// Kills `{node}` hard.
    Kill,
    /// Starts a killed `{node}`.
    Start,
    /// Freezes `{node}`.
    Pause,
    /// Thaws `{node}`.
    Resume,
    /// Once per cut directed link: `{node}` stops receiving from `{peer}`.
    Partition,
    /// Once per node: `{node}` receives from everyone again.
    Heal,
    /// Once per node: `{node}` delays what it sends or receives.
    Latency,
    /// Once per node: undoes `latency`.
    LatencyHeal,
    /// Prints the leader's node name.
    Leader,
}

/// Placeholders every per-node command may use.
const NODE: [&str; 3] = ["node", "host", "port"];
/// What a partition command adds: the peer it is cut from.
const PEER: [&str; 3] = ["peer", "peer_host", "peer_port"];
/// What a latency command adds: how much to delay.
const DELAY: [&str; 2] = ["delay_ms", "jitter_ms"];

impl CommandKey {
    /// Every command, in the order the docs list them.
    pub const ALL: [CommandKey; 9] = [
        CommandKey::Kill,
        CommandKey::Start,
        CommandKey::Pause,
        CommandKey::Resume,
        CommandKey::Partition,
        CommandKey::Heal,
        CommandKey::Latency,
        CommandKey::LatencyHeal,
        CommandKey::Leader,
    ];

    /// The key in the file.
    pub fn key(self) -> &'static str {
        match self {
            CommandKey::Kill => "kill",
            CommandKey::Start => "start",
            CommandKey::Pause => "pause",
            CommandKey::Resume => "resume",
            CommandKey::Partition => "partition",
            CommandKey::Heal => "heal",
            CommandKey::Latency => "latency",
            CommandKey::LatencyHeal => "latency-heal",
            CommandKey::Leader => "leader",
        }
    }

    /// The placeholders (without braces) this command may use.
    pub fn placeholders(self) -> Vec<&'static str> {
        match self {
            // Run once for the whole store, so no node is meant.
            CommandKey::Leader => Vec::new(),
            CommandKey::Partition => NODE.iter().chain(PEER.iter()).copied().collect(),
            CommandKey::Latency => NODE.iter().chain(DELAY.iter()).copied().collect(),
            _ => NODE.to_vec(),
        }
    }
}

/// Per-node process and network commands (argv lists, placeholders
/// substituted inside single arguments, never through a shell).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessCommands {
    /// Kills the node hard.
    pub kill: Option<Vec<String>>,
    /// Starts a killed node again.
    pub start: Option<Vec<String>>,
    /// Freezes the node.
    pub pause: Option<Vec<String>>,
    /// Thaws a paused node.
    pub resume: Option<Vec<String>>,
    /// Cuts one directed link: `{node}` drops what `{peer}` sends it.
    pub partition: Option<Vec<String>>,
    /// Restores every link of `{node}`.
    pub heal: Option<Vec<String>>,
    /// Delays `{node}`'s traffic by `{delay_ms}` ± `{jitter_ms}`.
    pub latency: Option<Vec<String>>,
    /// Removes `{node}`'s delay.
    pub latency_heal: Option<Vec<String>>,
    /// Prints the leader's node name on stdout.
    pub leader: Option<Vec<String>>,
    /// Limit for each command, seconds.
    pub timeout_secs: u64,
}

impl ProcessCommands {
    /// The command at `key`, if the file has one.
    pub fn get(&self, key: CommandKey) -> Option<&Vec<String>> {
        match key {
            CommandKey::Kill => self.kill.as_ref(),
            CommandKey::Start => self.start.as_ref(),
            CommandKey::Pause => self.pause.as_ref(),
            CommandKey::Resume => self.resume.as_ref(),
            CommandKey::Partition => self.partition.as_ref(),
            CommandKey::Heal => self.heal.as_ref(),
            CommandKey::Latency => self.latency.as_ref(),
            CommandKey::LatencyHeal => self.latency_heal.as_ref(),
            CommandKey::Leader => self.leader.as_ref(),
        }
    }

    fn slot(&mut self, key: CommandKey) -> &mut Option<Vec<String>> {
        match key {
            CommandKey::Kill => &mut self.kill,
            CommandKey::Start => &mut self.start,
            CommandKey::Pause => &mut self.pause,
            CommandKey::Resume => &mut self.resume,
            CommandKey::Partition => &mut self.partition,
            CommandKey::Heal => &mut self.heal,
            CommandKey::Latency => &mut self.latency,
            CommandKey::LatencyHeal => &mut self.latency_heal,
            CommandKey::Leader => &mut self.leader,
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

/// The `{name}`s in `arg` that look like placeholders (lowercase name in
/// braces); other braces (nft sets, jq, JSON) are not placeholders.
pub fn placeholders_in(arg: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = arg;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let len = after
            .find(|c: char| !is_name_char(c))
            .unwrap_or(after.len());
        if len > 0 && after[len..].starts_with('}') {
            found.push(&after[..len]);
            rest = &after[len + 1..];
        } else {
            rest = after;
        }
    }
    found
}

pub(super) fn commands(f: &Field<'_, '_>) -> Result<ProcessCommands, DescriptionError> {
    let mut allowed: Vec<&str> = CommandKey::ALL.iter().map(|k| k.key()).collect();
    allowed.push("timeout-secs");
    let t = f.table(&allowed)?;
    let mut out = ProcessCommands {
        timeout_secs: 30,
        ..ProcessCommands::default()
    };
    for key in CommandKey::ALL {
        let Some(c) = t.get(key.key()) else { continue };
        let list = c.string_list("an argv array such as [\"kill\", \"-9\", \"...\"]")?;
        if list[0].trim().is_empty() || list[0].contains('{') {
            return Err(
                c.error("a program name (not empty, not a placeholder) as the first element")
            );
        }
        let names = key.placeholders();
        for (i, arg) in list.iter().enumerate() {
            if let Some(bad) = placeholders_in(arg)
                .into_iter()
                .find(|p| !names.contains(p))
            {
                let allowed = if names.is_empty() {
                    "no placeholders".to_string()
                } else {
                    format!("placeholders among {{{}}}", names.join("}, {"))
                };
                return Err(c.error(format!(
                    "{allowed} in `{}`, found {{{bad}}} in argument {i} (`{arg}`)",
                    key.key()
                )));
            }
        }
        *out.slot(key) = Some(list);
    }
    if let Some(s) = t.get("timeout-secs") {
        out.timeout_secs = match s.as_integer() {
            Some(n) if n > 0 => n as u64,
            _ => return Err(s.error("a positive integer number of seconds")),
        };
    }
    for (a, b) in [
        (CommandKey::Partition, CommandKey::Heal),
        (CommandKey::Latency, CommandKey::LatencyHeal),
    ] {
        // A fault that cannot be undone would outlive the run.
        if out.get(a).is_some() != out.get(b).is_some() {
            let (have, lack) = if out.get(a).is_some() { (a, b) } else { (b, a) };
            return Err(t.error(format!(
                "`{}` together with `{}` (found `{}` alone: a fault the run cannot undo, or an undo without its fault)",
                lack.key(),
                have.key(),
                have.key()
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders_but_not_other_braces() {
        assert_eq!(
            placeholders_in("ip saddr { {peer_host} } drop {x"),
            vec!["peer_host"]
        );
        assert_eq!(placeholders_in("{}{ a }{A}{a-b}"), Vec::<&str>::new());
        assert_eq!(placeholders_in("{port}{node}"), vec!["port", "node"]);
    }
}
