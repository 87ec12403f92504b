//! A 3-member etcd over SSH (issue 17): one member in each namespace of
//! the SSH lab, started, SIGKILLed, SIGSTOPped and wiped by the `[db]`
//! templates of docs/ssh-nodes.md's etcd example, and driven by
//! `faultline run --sut ssh --store stores/etcd.toml` over SSH only.
//! Needs root, iproute2, nftables, OpenSSH and etcd: skipped with a line
//! saying so elsewhere, a failure where `FAULTLINE_REQUIRE` names `root`
//! or `etcd`.

use crate::requirements::{self, Need};
use crate::ssh_lab::{
    Lab, NODES, SERIAL, SIGNAL, faultline, has_faultline_table, iptables_has_chain, lab,
    processes_in, results_of, run, toml_string,
};

use serde_json::Value;
use std::path::{Path, PathBuf};

const CLIENT_PORT: u16 = 2379;
const PEER_PORT: u16 = 2380;

/// Starts one member in the background and records its pid. A restart
/// after a kill passes the same flags: etcd ignores the `--initial-*` ones
/// once its data directory holds a member.
const START: &str = r#"node=$1; client=$2; peer=$3; cluster=$4; dir=$5; etcd=$6
nohup "$etcd" --name "$node" --data-dir "$dir/data/$node" \
  --listen-client-urls "$client" --advertise-client-urls "$client" \
  --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
  --initial-cluster "$cluster" --initial-cluster-state new \
  --initial-cluster-token faultline --logger zap --log-outputs stderr \
  >>"$dir/logs/$node.log" 2>&1 </dev/null &
echo $! >"$dir/pids/$node.pid""#;

/// The test file: `[[nodes]]` on the namespaces' addresses and a `[db]`
/// for etcd. `--initial-cluster` needs every member's peer URL, which no
/// placeholder gives (`{peers}` holds the others' client URLs), so it is
/// written out literally, as a user writes it for known hosts.
fn config(lab: &Lab, name: &str, etcd: &Path) -> PathBuf {
    let p = lab.path();
    let q = |s: &str| format!("{s:?}");
    let pid = q(&format!("{}/pids/{{node}}.pid", p.display()));
    let cluster: Vec<String> = lab
        .nodes()
        .iter()
        .map(|(node, _, address)| format!("{node}=http://{address}:{PEER_PORT}"))
        .collect();
    let mut text = format!(
        "name = {}\nresults-dir = {}\nworkload = \"register\"\nconcurrency = 3\nrate = 50\n\
         time-limit = 10\nrecovery-time = 3\nrequest-timeout = 2\nseed = 3\n\
         nemesis = [\"partition\", \"kill\", \"pause\"]\nnemesis-interval = 1.5\n",
        q(name),
        q(&p.join("results").display().to_string()),
    );
    for (node, _, address) in lab.nodes() {
        text.push_str(&format!(
            "\n[[nodes]]\nname = {}\nhost = \"{address}\"\nuser = \"root\"\nkey = {}\nport = {CLIENT_PORT}\n",
            q(&node),
            q(&p.join("id").display().to_string()),
        ));
    }
    text.push_str(&format!(
        "\n[db]\n\
         wipe = [\"rm\", \"-rf\", {data}]\n\
         setup = [\"mkdir\", \"-p\", {logs}, {pids}]\n\
         start = [\"sh\", \"-c\", {start}, \"start\", \"{{node}}\", \"http://{{address}}:{{port}}\", \
                  \"http://{{address}}:{PEER_PORT}\", {cluster}, {dir}, {etcd}]\n\
         kill = [\"sh\", \"-c\", {signal}, \"kill\", \"KILL\", {pid}]\n\
         stop = [\"sh\", \"-c\", {signal}, \"stop\", \"TERM\", {pid}]\n\
         pause = [\"sh\", \"-c\", {signal}, \"pause\", \"STOP\", {pid}]\n\
         resume = [\"sh\", \"-c\", {signal}, \"resume\", \"CONT\", {pid}]\n\
         logs = [{log}]\n",
        data = q(&format!("{}/data/{{node}}", p.display())),
        logs = q(&p.join("logs").display().to_string()),
        pids = q(&p.join("pids").display().to_string()),
        start = toml_string(START),
        cluster = q(&cluster.join(",")),
        dir = q(&p.display().to_string()),
        etcd = q(&etcd.display().to_string()),
        signal = toml_string(SIGNAL),
        log = q(&format!("{}/logs/{{node}}.log", p.display())),
    ));
    let file = p.join(format!("{name}.toml"));
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn etcd_on_ssh_nodes_stays_linearizable_under_partitions_kills_and_pauses() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let test = "ssh_etcd: etcd over SSH under faults";
    if !requirements::have(Need::RootSsh, test) || !requirements::have(Need::Etcd, test) {
        return;
    }
    let etcd = requirements::on_path("etcd").unwrap();
    let lab = lab();
    let file = config(&lab, "ssh-etcd", &etcd);
    let store = concat!(env!("CARGO_MANIFEST_DIR"), "/stores/etcd.toml");
    let (status, stderr) =
        run(faultline(&["run", "--sut", "ssh", "--store", store, "--config"]).arg(&file));
    assert_eq!(status.code(), Some(0), "{stderr}");
    let dir = results_of(&lab, "ssh-etcd");
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["valid"], "valid", "{stderr}");

    // The clients spoke to the members at their namespaces' addresses.
    let history = std::fs::read_to_string(dir.join("history.jsonl")).unwrap();
    let events: Vec<Value> = history
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (node, _, address) in lab.nodes() {
        let served = events
            .iter()
            .filter(|e| e["type"] == "ok" && e["node"] == node.as_str())
            .count();
        assert!(served > 0, "no op completed at {node}: {stderr}");
        assert!(
            results["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n[0] == node.as_str()
                    && n[1] == format!("http://{address}:{CLIENT_PORT}").as_str()),
            "{node} not at {address}: {}",
            results["nodes"]
        );
    }

    let faults = &results["faults"];
    for kind in ["partition", "kill", "pause"] {
        assert!(
            faults["injected"][kind].as_u64() >= Some(1),
            "no {kind}: {faults}"
        );
    }
    assert!(faults["error"].is_null(), "{faults}");
    assert!(
        history.contains("ssh-firewall"),
        "partitions went through another backend"
    );

    for node in NODES {
        let log = dir.join("nodes").join(node).join(format!("{node}.log"));
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        // zap's JSON lines name the member; a wrong file would not.
        assert!(
            text.contains("etcd") && text.contains(node),
            "no etcd log downloaded at {}",
            log.display()
        );
    }

    for (_, ns, _) in lab.nodes() {
        assert!(
            !has_faultline_table(&ns),
            "the run left faultline's table in {ns}"
        );
        assert!(
            !iptables_has_chain(&ns, "FAULTLINE"),
            "the run left faultline's chain in {ns}"
        );
        // `stop` ran on every member: nothing of etcd is left, stopped or not.
        let left: Vec<_> = processes_in(&ns)
            .into_iter()
            .filter(|(_, comm, _)| comm == "etcd")
            .collect();
        assert!(left.is_empty(), "etcd left in {ns}: {left:?}");
        let stopped: Vec<_> = processes_in(&ns)
            .into_iter()
            .filter(|(_, _, state)| *state == 'T')
            .collect();
        assert!(stopped.is_empty(), "stopped processes in {ns}: {stopped:?}");
    }
}
