//! Per-operation routing in a store description: each operation goes to
//! the node its `endpoint` names (or its URL spells out), and the history's
//! `node` field names that node, not the one the balancer would have picked.

use crate::run_support::{
    StoreOptions, client_events, faultline, history, output, run_dir, start_store,
};
use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn the_history_names_the_node_each_request_went_to() {
    let urls = start_store(StoreOptions::good(3));
    let bundled =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("stores/bundled.toml"))
            .unwrap();
    // Reads pinned to n2; writes to n3's URL written out in full, the way a
    // user had to before routing existed (the history then named whichever
    // node the balancer had picked).
    let text = bundled
        .replacen(
            "[read]\nmethod = \"GET\"\n",
            "[read]\nmethod = \"GET\"\nendpoint = \"n2\"\n",
            1,
        )
        .replacen(
            "[write]\nmethod = \"PUT\"\nurl = \"{endpoint}/kv/{key}\"",
            &format!(
                "[write]\nmethod = \"PUT\"\nurl = \"{}/kv/{{key}}\"",
                urls[2]
            ),
            1,
        );
    assert_ne!(text, bundled);
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("routed.toml");
    std::fs::write(&store, text).unwrap();
    let mut c = faultline();
    c.args(["run", "--sut", "described", "--nemesis", "none"])
        .args(["--workload", "register", "--recovery-time", "0.2"])
        .args(["--time-limit", "1.5", "--rate", "200", "--name", "routed"])
        .args(["--balance", "round-robin"])
        .arg("--store")
        .arg(&store)
        .arg("--endpoints")
        .arg(urls.join(","))
        .arg("--results-dir")
        .arg(tmp.path());
    let out = output(c);
    assert_eq!(out.status.code(), Some(0));
    let events = history(&run_dir(tmp.path(), "routed"));
    let completions: Vec<_> = client_events(&events)
        .into_iter()
        .filter(|e| e["type"] != "invoke")
        .collect();
    let nodes_of = |f: &str| -> BTreeSet<String> {
        completions
            .iter()
            .filter(|e| e["f"] == f)
            .map(|e| e["node"].as_str().unwrap_or("none").to_string())
            .collect()
    };
    // Round-robin would have spread both over n1, n2 and n3.
    assert_eq!(nodes_of("read"), BTreeSet::from(["n2".to_string()]));
    assert_eq!(nodes_of("write"), BTreeSet::from(["n3".to_string()]));
}

#[test]
fn a_route_to_a_node_the_run_does_not_have_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let bundled =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("stores/bundled.toml"))
            .unwrap();
    let store = tmp.path().join("n5.toml");
    std::fs::write(
        &store,
        bundled.replacen(
            "[read]\nmethod = \"GET\"\n",
            "[read]\nmethod = \"GET\"\nendpoint = \"n5\"\n",
            1,
        ),
    )
    .unwrap();
    let mut c = faultline();
    c.args(["run", "--sut", "described", "--nemesis", "none"])
        .arg("--store")
        .arg(&store)
        .args(["--endpoints", "http://127.0.0.1:1,http://127.0.0.1:2"])
        .arg("--results-dir")
        .arg(tmp.path());
    let out = output(c);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`read.endpoint = \"n5\"` names no node") && stderr.contains("n1 to n2"),
        "{stderr}"
    );
    // Nor can --balance leader work without a way to find the leader.
    let mut c = faultline();
    c.args(["run", "--sut", "described", "--nemesis", "none"])
        .args(["--balance", "leader"])
        .arg("--store")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("stores/bundled.toml"))
        .args(["--endpoints", "http://127.0.0.1:1"])
        .arg("--results-dir")
        .arg(tmp.path());
    let out = output(c);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs a [leader] table"), "{stderr}");
}
