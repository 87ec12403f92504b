//! Interrupting a run: Ctrl-C (SIGINT) mid-run heals, checks what was
//! recorded and writes the results; a harness crash (SIGKILL) leaves a
//! history that `faultline check` reads.

use crate::run_support::{
    StoreOptions, bundled_run, faultline, history, http_run, output, results_json, start_store,
    wait_exit, wait_for_history,
};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn signal(child: &Child, sig: Signal) {
    kill(Pid::from_raw(child.id() as i32), sig).unwrap();
}

#[test]
fn ctrl_c_during_a_partition_heals_checks_and_writes_results() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = bundled_run(
        tmp.path(),
        &[
            "--name",
            "int",
            "--time-limit",
            "120",
            "--nemesis",
            "partition",
            "--nemesis-schedule",
            "random",
        ],
    );
    // Its own process group, so the SIGINT below reaches the group as a
    // terminal's Ctrl-C does (cluster nodes must not die of it before the heal).
    let mut child = cmd
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Interrupt while a partition is in force.
    let path = wait_for_history(tmp.path(), "int", |t| {
        t.matches("\"start-partition\"").count() > t.matches("\"stop-partition\"").count()
    });
    kill(Pid::from_raw(-(child.id() as i32)), Signal::SIGINT).unwrap();
    let status = wait_exit(&mut child);
    let mut stdout = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "the recorded part is valid: {stdout}"
    );
    assert!(stdout.contains("verdict: valid"), "{stdout}");
    let dir = path.parent().unwrap();
    let r = results_json(dir);
    assert_eq!(r["interrupted"], true);
    assert_eq!(r["valid"], "valid");
    let h = history(dir);
    // The partition was healed, and the heal is in the history.
    let last = h.iter().rev().find(|e| e["process"] == "nemesis").unwrap();
    assert_eq!(last["f"], "stop-partition", "{last}");
    // Every invoke has its completion: in-flight requests were allowed to finish.
    let invokes = h.iter().filter(|e| e["type"] == "invoke").count();
    let completions = h
        .iter()
        .filter(|e| e["process"].is_u64() && e["type"] != "invoke")
        .count();
    assert_eq!(invokes, completions);
    assert!(dir.join("summary.txt").exists());
}

#[test]
fn a_killed_harness_leaves_a_history_faultline_check_reads() {
    let urls = start_store(StoreOptions::good(2));
    let tmp = tempfile::tempdir().unwrap();
    let mut child = http_run(
        tmp.path(),
        &urls,
        &["--name", "crash", "--time-limit", "120", "--rate", "300"],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let path = wait_for_history(tmp.path(), "crash", |t| t.len() > 20_000);
    signal(&child, Signal::SIGKILL);
    wait_exit(&mut child);
    let dir = path.parent().unwrap();
    assert!(!dir.join("results.json").exists(), "it really crashed");
    // Every line that reached the file is a whole event.
    let h = history(dir);
    assert!(h.len() > 100);
    let out = output({
        let mut c = faultline();
        c.arg("check").arg(&path);
        c
    });
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("valid"),
        "faultline check gives a verdict"
    );
}

/// Pids of processes whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(needle) {
            pids.push(pid);
        }
    }
    pids
}

#[test]
fn a_killed_harness_takes_its_cluster_nodes_down() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = bundled_run(
        tmp.path(),
        &[
            "--name",
            "orphans",
            "--time-limit",
            "120",
            "--nemesis",
            "none",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let path = wait_for_history(tmp.path(), "orphans", |t| t.len() > 5_000);
    // The nodes' data directories are under the results directory.
    let needle = format!("{}/orphans/", tmp.path().display());
    let nodes = processes_mentioning(&needle);
    assert_eq!(nodes.len(), 3, "three nodes run: {nodes:?}");
    signal(&child, Signal::SIGKILL);
    wait_exit(&mut child);
    let begun = Instant::now();
    while !processes_mentioning(&needle).is_empty() {
        assert!(
            begun.elapsed() < Duration::from_secs(20),
            "nodes outlived the harness"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The history up to the crash is still there and readable.
    assert!(history(path.parent().unwrap()).len() > 10);
}
