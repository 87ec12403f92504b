//! The command-line reference (docs/reference/cli.md), rendered from the
//! clap definitions themselves: each option is defined once, in code, and
//! the manual cannot drift from `--help` because a test compares the two.
//!
//! Regenerate after changing an option:
//! `FAULTLINE_BLESS=1 cargo test --bin faultline cli_reference`.

use clap::{Arg, Command};
use std::fmt::Write as _;

/// The whole page, one section per command (subcommands nested).
pub fn markdown(root: &Command) -> String {
    // Built, clap fills in what the derive left implicit (value names, arity).
    let mut root = root.clone();
    root.build();
    let root = &root;
    let mut out = String::new();
    let _ = writeln!(out, "# Command-line reference\n");
    let _ = writeln!(
        out,
        "<!-- Generated from the option definitions by src/cli_reference.rs; \
         do not edit by hand (FAULTLINE_BLESS=1 cargo test --bin faultline \
         cli_reference rewrites it). -->\n"
    );
    let _ = writeln!(
        out,
        "Every `run` option is also a key of a `--config` TOML file, spelled \
         as the long flag without its dashes (`time-limit = 30`); flags \
         override the file, the file overrides the defaults. The exit codes \
         are those of [Exit codes](../run.md#exit-codes).\n"
    );
    for sub in root.get_subcommands().filter(|s| s.get_name() != "help") {
        command(
            &mut out,
            sub,
            &format!("{} {}", root.get_name(), sub.get_name()),
        );
    }
    out
}

fn command(out: &mut String, cmd: &Command, path: &str) {
    let _ = writeln!(out, "## `{path}`\n");
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        let _ = writeln!(out, "{}\n", about.to_string().trim());
    }
    let args: Vec<&Arg> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && a.get_id() != "help" && a.get_id() != "version")
        .collect();
    if !args.is_empty() {
        let _ = writeln!(out, "| option | default | meaning |\n|---|---|---|");
        for arg in args {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                name(arg),
                default(arg),
                cell(&help(arg))
            );
        }
        out.push('\n');
    }
    if let Some(after) = cmd.get_after_long_help().or(cmd.get_after_help()) {
        let _ = writeln!(out, "```text\n{}\n```\n", after.to_string().trim_end());
    }
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        command(out, sub, &format!("{path} {}", sub.get_name()));
    }
}

/// `` `--time-limit SECS` `` or `` `FILE...` `` for a positional.
fn name(arg: &Arg) -> String {
    let value = arg
        .get_value_names()
        .map(|v| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "));
    let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
    match arg.get_long() {
        Some(long) => match value.filter(|_| takes_value) {
            Some(v) => format!("`--{long} {v}`"),
            None if takes_value => format!("`--{long} {}`", arg.get_id().as_str().to_uppercase()),
            None => format!("`--{long}`"),
        },
        None => format!("`{}`", value.unwrap_or_else(|| arg.get_id().to_string())),
    }
}

fn default(arg: &Arg) -> String {
    let values: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() || arg.get_num_args().is_some_and(|n| !n.takes_values()) {
        "–".to_string()
    } else {
        format!("`{}`", values.join(","))
    }
}

fn help(arg: &Arg) -> String {
    let mut text = arg
        .get_long_help()
        .or(arg.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    let possible = arg.get_possible_values();
    let values: Vec<&str> = possible
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name())
        .collect();
    let listed = values.iter().all(|v| text.contains(v));
    if !values.is_empty() && !listed && arg.get_num_args().is_some_and(|n| n.takes_values()) {
        let _ = write!(text, " (one of: {})", values.join(", "));
    }
    text
}

/// Text safe in one table cell.
fn cell(text: &str) -> String {
    text.trim()
        .replace('|', "\\|")
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("<br>")
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    const PAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reference/cli.md");

    #[test]
    fn the_cli_reference_is_the_option_definitions() {
        let page = super::markdown(&crate::Cli::command());
        if std::env::var_os("FAULTLINE_BLESS").is_some() {
            std::fs::write(PAGE, &page).unwrap();
        }
        let written = std::fs::read_to_string(PAGE).unwrap_or_default();
        assert!(
            written == page,
            "docs/reference/cli.md is not what the option definitions give; \
             regenerate it: FAULTLINE_BLESS=1 cargo test --bin faultline cli_reference"
        );
    }

    #[test]
    fn every_run_option_is_in_the_reference() {
        let page = super::markdown(&crate::Cli::command());
        let run = crate::Cli::command();
        let run = run.find_subcommand("run").unwrap();
        for arg in run.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                assert!(page.contains(&format!("`--{long}")), "--{long} missing");
            }
        }
    }
}
