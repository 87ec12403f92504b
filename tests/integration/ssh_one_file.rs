//! One test file, many places (docs/ssh-nodes.md): the same TOML —
//! workload, checkers, kill and pause, `[db]` templates driving a
//! `faultline node` process — runs against the bundled cluster
//! (`nodes = 3`), against processes on this machine (`[[nodes]]` on
//! 127.0.0.1 through an sshd of the test's own, distinct ports) and
//! against SSH hosts (`[[nodes]]` on the lab's namespaces). Only the
//! nodes part of the file differs, and no flag: `[[nodes]]` alone selects
//! SSH nodes. Needs root, iproute2, nftables and OpenSSH, as the other
//! SSH tests.

use crate::requirements;
use crate::run_support::run_dirs_if_any;
use crate::ssh_lab::{
    LocalSshd, NODES, SERIAL, faultline, free_port, lab, node_processes_under, processes_in, run,
    stopped_nodes,
};
use crate::ssh_nodes::db_table;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Stands for the nodes part in the one template every file comes from.
const NODES_PART: &str = "{NODES_PART}\n";

/// The file's own part: everything but the nodes. Top-level keys come
/// first, the nodes part (a key or tables) next, the `[db]` table last.
fn template(dir: &Path) -> String {
    format!(
        "name = \"one-file\"\nresults-dir = {results:?}\nworkload = \"register\"\n\
         checker = [\"linearizable\", \"sequential\"]\nconcurrency = 3\nrate = 60\n\
         time-limit = 7\nseed = 11\nnemesis = [\"kill\", \"pause\"]\nnemesis-interval = 1\n\
         recovery-time = 2\nrequest-timeout = 1\n\n{NODES_PART}\n{db}",
        results = dir.join("results").display().to_string(),
        db = db_table(dir, &[]),
    )
}

/// `[[nodes]]` tables, one per (name, host, sshd port, database port).
fn node_tables(key: &Path, nodes: &[(&str, String, u16, u16)]) -> String {
    nodes
        .iter()
        .map(|(name, host, ssh_port, port)| {
            format!(
                "[[nodes]]\nname = {name:?}\nhost = {host:?}\nssh-port = {ssh_port}\n\
                 user = \"root\"\nkey = {key:?}\nport = {port}\n\n",
                key = key.display().to_string(),
            )
        })
        .collect()
}

/// The part of `file` that is not `template`'s: what replaced the nodes part.
fn nodes_part_of<'a>(template: &str, file: &'a str) -> &'a str {
    let (head, tail) = template.split_once(NODES_PART).unwrap();
    assert!(file.starts_with(head) && file.ends_with(tail));
    &file[head.len()..file.len() - tail.len()]
}

/// The run directories under `results/one-file`.
fn runs(dir: &Path) -> BTreeSet<PathBuf> {
    run_dirs_if_any(&dir.join("results"), "one-file")
        .into_iter()
        .collect()
}

/// Runs `file` with the same command line in every place, and checks what
/// every place must give: a valid run with kill and pause each injected,
/// on the SUT the nodes part names, and no node process left behind.
fn run_in_place(dir: &Path, file: &Path, place: &str, sut: &str) {
    let before = runs(dir);
    let started = std::time::Instant::now();
    let (status, stderr) = run(faultline(&["run", "--config"]).arg(file));
    let elapsed = started.elapsed();
    assert_eq!(status.code(), Some(0), "{place}: {stderr}");
    let new: Vec<PathBuf> = runs(dir).difference(&before).cloned().collect();
    assert_eq!(new.len(), 1, "{place}: run directories {new:?}");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(new[0].join("results.json")).unwrap())
            .unwrap();
    assert_eq!(results["valid"], "valid", "{place}: {stderr}");
    assert_eq!(results["config"]["sut"], sut, "{place}");
    for fault in ["kill", "pause"] {
        let injected = results["faults"]["injected"][fault].as_u64().unwrap_or(0);
        assert!(
            injected >= 1,
            "{place}: {fault} never injected: {}",
            results["faults"]
        );
    }
    let left = node_processes_under(dir);
    if !left.is_empty() {
        let pids: Vec<String> = NODES
            .iter()
            .map(|n| std::fs::read_to_string(dir.join(format!("pids/{n}.pid"))).unwrap_or_default())
            .collect();
        let history = std::fs::read_to_string(new[0].join("history.jsonl")).unwrap_or_default();
        let faults: Vec<&str> = history
            .lines()
            .filter(|l| l.contains("\"nemesis\""))
            .collect();
        // Whether they go by themselves (a slow exit) or stay (orphans).
        std::thread::sleep(std::time::Duration::from_secs(3));
        let still = node_processes_under(dir);
        panic!(
            "{place}: node processes left: {left:?} (3 s later: {still:?})\n\
             pid files: {pids:?}\nfaults: {faults:#?}\n{stderr}"
        );
    }
    eprintln!(
        "{place}: valid, faults {} in {:.1} s",
        results["faults"]["injected"],
        elapsed.as_secs_f64()
    );
}

#[test]
fn one_file_runs_on_the_bundled_cluster_on_local_processes_and_on_ssh_hosts() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !requirements::have(
        requirements::Need::RootSsh,
        "ssh_one_file: one file, many places",
    ) {
        return;
    }
    let lab = lab();
    let local = LocalSshd::start(lab.path());
    let dir = lab.path();
    let key = dir.join("id");
    let template = template(dir);

    let bundled = "nodes = 3\n".to_string();
    let local_ports: Vec<u16> = {
        let mut ports = BTreeSet::new();
        for _ in 0..100 {
            if ports.len() == NODES.len() {
                break;
            }
            let port = free_port();
            if port != local.port {
                ports.insert(port);
            }
        }
        ports.into_iter().collect()
    };
    assert_eq!(local_ports.len(), NODES.len(), "no free ports");
    let on_this_machine: Vec<(&str, String, u16, u16)> = NODES
        .iter()
        .zip(&local_ports)
        .map(|(n, port)| (*n, "127.0.0.1".to_string(), local.port, *port))
        .collect();
    let on_hosts: Vec<(&str, String, u16, u16)> = NODES
        .iter()
        .zip(lab.nodes())
        .map(|(n, (_, _, address))| (*n, address.to_string(), 22, 7000))
        .collect();
    let places = [
        ("bundled cluster", bundled, "bundled"),
        (
            "processes on this machine",
            node_tables(&key, &on_this_machine),
            "ssh",
        ),
        ("SSH hosts", node_tables(&key, &on_hosts), "ssh"),
    ];

    // One template, so the files differ in the nodes part only; checked
    // on the text too, with the nodes part nothing but `nodes`.
    let files: Vec<(String, PathBuf)> = places
        .iter()
        .enumerate()
        .map(|(i, (_, nodes, _))| {
            let text = template.replacen(NODES_PART, nodes, 1);
            let file = dir.join(format!("one-file-{i}.toml"));
            std::fs::write(&file, &text).unwrap();
            (text, file)
        })
        .collect();
    for ((text, _), (place, nodes, _)) in files.iter().zip(&places) {
        let part = nodes_part_of(&template, text);
        assert_eq!(part, nodes, "{place}");
        let table: toml::Table = toml::from_str(part).unwrap();
        assert_eq!(table.keys().collect::<Vec<_>>(), ["nodes"], "{place}");
        let rest = text.replacen(part, "", 1);
        assert_eq!(rest, template.replacen(NODES_PART, "", 1), "{place}");
    }

    for ((_, file), (place, _, sut)) in files.iter().zip(&places) {
        run_in_place(dir, file, place, sut);
        assert_eq!(stopped_nodes(&lab), Vec::<String>::new(), "{place}");
    }
    // On the hosts, only their sshds are left in the namespaces.
    for (_, ns, _) in lab.nodes() {
        let left: Vec<_> = processes_in(&ns)
            .into_iter()
            .filter(|(_, comm, _)| !comm.starts_with("sshd"))
            .collect();
        assert!(left.is_empty(), "left in {ns}: {left:?}");
    }
    drop(local);
}
