//! faultline: a Jepsen-style testing harness. The binary is a thin layer over
//! the library crates: it parses the command line and dispatches.

mod bench;
mod byte_size;
#[cfg(test)]
mod cli_reference;
mod closed_pipe;
mod cmd;
mod etcd;
mod exit;
mod fd_limit;
mod prose;
mod report;
// Unit tests that need etcd skip where it is missing, as the integration tests do.
#[cfg(test)]
#[path = "../tests/requirements/mod.rs"]
mod requirements;
mod run;
mod serve;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

/// Jepsen-style testing of distributed stores: workloads, faults, histories
/// and a fast linearizability checker.
#[derive(Parser)]
#[command(name = "faultline", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Each subcommand's arguments are built only when it is the one invoked:
// `run` alone has some 50, with help texts and defaults to compute, and CI
// scripts start `faultline check FILE` once per history. A deferred
// subcommand's about is its arguments struct's doc comment; the variants'
// (the same words) are what `faultline --help` lists without building them.
#[derive(Subcommand)]
#[command(defer = true)]
enum Command {
    /// Run a test: start the SUT, drive a workload under faults, record and check the history.
    Run(Box<cmd::run::RunArgs>),
    /// Check a recorded history (faultline JSONL, Jepsen EDN, Porcupine logs).
    Check(cmd::check::CheckArgs),
    /// Manage the bundled reference cluster.
    Cluster(cmd::cluster::ClusterArgs),
    /// Clean up SSH nodes after a killed run: faultline's firewall rules, paused processes.
    Heal(cmd::heal::HealArgs),
    /// Run one node of the bundled cluster (started by `cluster up`).
    Node(Box<cmd::node::NodeArgs>),
    /// Regenerate plots and report.html of a results directory.
    Report(cmd::report::ReportArgs),
    /// Serve a browsable index of past runs.
    Serve(cmd::serve::ServeArgs),
    /// Benchmarks that print numbers: checker, cluster, harness, bugs, soak.
    Bench(bench::args::BenchArgs),
}

fn main() -> ExitCode {
    closed_pipe::exit_quietly_on_closed_pipe();
    // Before anything opens files or starts nodes: children inherit it.
    fd_limit::raise_to_hard();
    // Usage errors are bad input (exit 3); clap's own code 2 would read as "unknown".
    // The matches too: `run` tells the flags given from the defaults by them.
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                exit::Exit::Error.into()
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Run(args) => match matches.subcommand_matches("run") {
            Some(run) => cmd::run::execute(*args, run),
            None => Err(anyhow::anyhow!("the run command's arguments went missing")),
        },
        Command::Check(args) => cmd::check::execute(args),
        Command::Cluster(args) => cmd::cluster::execute(args),
        Command::Heal(args) => cmd::heal::execute(args),
        Command::Node(args) => cmd::node::execute(*args),
        Command::Report(args) => cmd::report::execute(args),
        Command::Serve(args) => cmd::serve::execute(args),
        Command::Bench(args) => cmd::bench::execute(args),
    };
    match result {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("error: {err:#}");
            exit::Exit::Error.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `faultline --help` lists each command by its variant's doc comment
    /// without building it; its own help shows its arguments struct's. The
    /// two must say the same.
    #[test]
    fn each_command_is_described_alike_in_the_list_and_in_its_own_help() {
        let about = |c: &clap::Command| c.get_about().map(|a| a.to_string()).unwrap_or_default();
        let listed: Vec<(String, String)> = Cli::command()
            .get_subcommands()
            .map(|s| (s.get_name().to_string(), about(s)))
            .collect();
        assert!(listed.len() >= 8, "{listed:?}");
        let mut built = Cli::command();
        built.build();
        for (name, listed_about) in listed {
            let sub = built.find_subcommand(&name).expect("listed command");
            assert!(!listed_about.is_empty(), "{name} has no description");
            assert_eq!(about(sub), listed_about, "faultline {name}");
        }
    }
}
