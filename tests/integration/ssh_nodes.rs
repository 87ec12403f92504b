//! Nodes over SSH, for real on one machine: network namespaces stand in
//! for hosts, each with its own sshd (a key made for the test), and
//! `faultline run` drives bundled `faultline node` processes in them over
//! SSH only — `[db]` templates start, kill and pause them, partitions are
//! nftables rules inside the namespaces. Needs root, iproute2, nftables
//! and OpenSSH: skipped with a line saying so elsewhere, a failure where
//! `FAULTLINE_REQUIRE` names `root` (as in CI).

use crate::requirements;
use crate::ssh_lab::{
    Lab, NODES, SERIAL, faultline, has_faultline_table, has_nft_table, history_has,
    iptables_has_chain, lab, ok, results_of, run, stopped_nodes, toml_string,
};

use faultline_nemeses::{
    Firewall, LatencyBackend, RemoteNode, Slowdown, SshClient, SshLoss, SshTarget, heal_argv,
};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const DB_PORT: u16 = 7000;

/// Starts a node in the background and records its pid; its arguments
/// come as positional parameters, never spliced into this text. A node
/// already running is left alone, as docs/ssh-nodes.md asks of `start`.
const START: &str = r#"node=$1; listen=$2; peers=$3; exe=$4; dir=$5; shift 5
p=$(cat "$dir/pids/$node.pid" 2>/dev/null) && tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | grep -q -- "$dir/data/$node " && exit 0
mkdir -p "$dir/data/$node"
set -- "$exe" node --id "$node" --listen "$listen" --data-dir "$dir/data/$node" "$@"
IFS=,; for p in $peers; do set -- "$@" --peer "$p"; done; unset IFS
nohup "$@" >>"$dir/logs/$node.log" 2>&1 </dev/null &
echo $! >"$dir/pids/$node.pid""#;

/// Sends a signal to the node's recorded pid; after KILL waits (bounded)
/// until the process is gone, as a kill template must.
const SIGNAL: &str = r#"sig=$1; pidfile=$2
[ -f "$pidfile" ] || exit 0
p=$(cat "$pidfile")
kill -"$sig" "$p" 2>/dev/null || exit 0
if [ "$sig" = KILL ]; then
  i=0; while [ -d /proc/"$p" ] && ! grep -q '^State:.*Z' /proc/"$p"/status 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
fi
exit 0"#;

/// The `[db] clock` template's script: appends the offset it was given to
/// a file per node, which the test reads back (setting a real clock would
/// change the machine's, which tests never do).
const CLOCK: &str = r#"echo "$1" >>"$2""#;

/// The test file: the same `[db]` and workload a bundled run would take,
/// with `[[nodes]]` naming the namespaces' addresses.
fn config(lab: &Lab, name: &str, extra: &str, node_flags: &[&str]) -> PathBuf {
    let p = lab.path();
    let q = |s: &str| format!("{s:?}");
    let mut text = format!(
        "name = {}\nresults-dir = {}\nworkload = \"register\"\nconcurrency = 3\nrate = 60\n\
         recovery-time = 2\nrequest-timeout = 1\n{extra}\n",
        q(name),
        q(&p.join("results").display().to_string()),
    );
    for (node, _, address) in lab.nodes() {
        text.push_str(&format!(
            "\n[[nodes]]\nname = {}\nhost = \"{address}\"\nuser = \"root\"\nkey = {}\nport = {DB_PORT}\n",
            q(&node),
            q(&p.join("id").display().to_string()),
        ));
    }
    text.push('\n');
    text.push_str(&db_table(p, node_flags));
    let file = p.join(format!("{name}.toml"));
    std::fs::write(&file, text).unwrap();
    file
}

/// The `[db]` table that runs bundled `faultline node` processes (with
/// `node_flags`) from their `[[nodes]]` entries, keeping their logs, pid
/// files and data under `p`.
pub fn db_table(p: &Path, node_flags: &[&str]) -> String {
    let exe = env!("CARGO_BIN_EXE_faultline");
    let q = |s: &str| format!("{s:?}");
    let script = |s: &str| toml_string(s);
    let flags: Vec<String> = node_flags.iter().map(|f| q(f)).collect();
    let pid = |_: ()| q(&format!("{}/pids/{{node}}.pid", p.display()));
    format!(
        "[db]\n\
         setup = [\"mkdir\", \"-p\", {logs}, {pids}]\n\
         wipe = [\"rm\", \"-rf\", {data}]\n\
         start = [\"sh\", \"-c\", {start}, \"start\", \"{{node}}\", \"{{address}}:{{port}}\", \"{{peers}}\", {exe}, {dir}{flags}]\n\
         kill = [\"sh\", \"-c\", {signal}, \"kill\", \"KILL\", {pid}]\n\
         stop = [\"sh\", \"-c\", {signal}, \"stop\", \"KILL\", {pid}]\n\
         pause = [\"sh\", \"-c\", {signal}, \"pause\", \"STOP\", {pid}]\n\
         resume = [\"sh\", \"-c\", {signal}, \"resume\", \"CONT\", {pid}]\n\
         clock = [\"sh\", \"-c\", {clock}, \"clock\", \"{{offset_ms}}\", {clock_file}]\n\
         logs = [{log}]\n",
        logs = q(&p.join("logs").display().to_string()),
        pids = q(&p.join("pids").display().to_string()),
        data = q(&format!("{}/data/{{node}}", p.display())),
        start = script(START),
        signal = script(SIGNAL),
        exe = q(exe),
        dir = q(&p.display().to_string()),
        flags = flags.iter().map(|f| format!(", {f}")).collect::<String>(),
        pid = pid(()),
        clock = script(CLOCK),
        clock_file = q(&format!("{}/clock-{{node}}", p.display())),
        log = q(&format!("{}/logs/{{node}}.log", p.display())),
    )
}

#[test]
fn a_correct_cluster_on_ssh_nodes_stays_valid_under_partitions_kills_and_pauses() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !requirements::have(requirements::Need::RootSsh, "ssh_nodes: valid under faults") {
        return;
    }
    let lab = lab();
    // A table of the host's own, which no heal may touch.
    let (_, ns1, _) = lab.nodes()[0].clone();
    ok(Command::new("ip").args(["netns", "exec", &ns1, "nft", "add", "table", "inet", "mine"]));
    let file = config(
        &lab,
        "ssh-valid",
        "time-limit = 6\nseed = 3\nnemesis = [\"partition\", \"kill\", \"pause\"]\nnemesis-interval = 1",
        &[],
    );
    let (status, stderr) = run(faultline(&["run", "--config"]).arg(&file));
    assert_eq!(status.code(), Some(0), "{stderr}");
    let dir = results_of(&lab, "ssh-valid");
    for f in [
        "start-partition",
        "stop-partition",
        "kill",
        "start",
        "pause",
        "resume",
    ] {
        assert!(
            history_has(&dir, f),
            "no nemesis {f} in the history: {stderr}"
        );
    }
    let history = std::fs::read_to_string(dir.join("history.jsonl")).unwrap();
    assert!(
        history.contains("ssh-firewall"),
        "partitions went through another backend"
    );
    for node in NODES {
        let log = dir.join("nodes").join(node).join(format!("{node}.log"));
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(!text.is_empty(), "no log downloaded at {}", log.display());
    }
    for (_, ns, _) in lab.nodes() {
        assert!(
            !has_faultline_table(&ns),
            "the run left faultline's table in {ns}"
        );
    }
    assert!(
        Command::new("ip")
            .args([
                "netns", "exec", &ns1, "nft", "list", "table", "inet", "mine"
            ])
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success(),
        "the host's own nft table went with faultline's"
    );
    // The harness reached the nodes from outside their network, not as one of them.
    assert!(!history.contains(&lab.harness.to_string()));
    // Leader faults found the leader through the nodes' /status (before,
    // SSH nodes without a description had no leader source, and every
    // leader fault fell back to a random node).
    let leader_faults: Vec<serde_json::Value> = history
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["process"] == "nemesis")
        .filter(|e| e["value"]["target"] == "leader" || e["value"]["kind"] == "isolate-leader")
        .collect();
    // A kill or pause that fell back says `"fallback": "random"`; an
    // isolate-leader partition without a leader says `"leader": null`.
    let found = |v: &serde_json::Value| {
        v.get("fallback").is_none() && (v["kind"] != "isolate-leader" || v["leader"].is_string())
    };
    assert!(
        leader_faults.iter().any(|e| found(&e["value"])),
        "no leader fault found the leader: {leader_faults:?}"
    );
}

#[test]
fn stale_reads_are_caught_through_ssh_driven_partitions() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !requirements::have(requirements::Need::RootSsh, "ssh_nodes: stale reads caught") {
        return;
    }
    let lab = lab();
    // A few seeds: catching the bug needs a read at a cut-off node after a
    // write it missed; each seed's schedule gives that many chances.
    let mut endings = Vec::new();
    for seed in 1..=3 {
        let name = format!("ssh-stale-{seed}");
        let file = config(
            &lab,
            &name,
            &format!(
                "time-limit = 6\nseed = {seed}\nnemesis = [\"partition\"]\nnemesis-interval = 1.5"
            ),
            &["--bug", "stale-reads"],
        );
        let (status, stderr) = run(faultline(&["run", "--config"]).arg(&file));
        endings.push((
            seed,
            status.code(),
            stderr.lines().last().unwrap_or_default().to_string(),
        ));
        if status.code() == Some(1) {
            let dir = results_of(&lab, &name);
            assert!(history_has(&dir, "start-partition"), "{stderr}");
            return;
        }
        assert_eq!(status.code(), Some(0), "seed {seed}: {stderr}");
    }
    panic!("stale-reads never caught through SSH partitions: {endings:?}");
}

#[test]
fn heal_after_a_sigkilled_harness_removes_faultlines_rules_and_resumes_nodes() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !requirements::have(requirements::Need::RootSsh, "ssh_nodes: heal after SIGKILL") {
        return;
    }
    let lab = lab();
    let file = config(
        &lab,
        "ssh-killed",
        "time-limit = 120\nseed = 5\nnemesis = [\"partition\", \"pause\"]\nnemesis-interval = 2",
        &[],
    );
    let mut harness = faultline(&["run", "--config"])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Until a partition and a pause hold at once (a combination window).
    let deadline = Instant::now() + Duration::from_secs(90);
    let namespaces: Vec<String> = lab.nodes().into_iter().map(|(_, ns, _)| ns).collect();
    loop {
        let cut = namespaces.iter().any(|ns| has_faultline_table(ns));
        if cut && !stopped_nodes(&lab).is_empty() {
            break;
        }
        if Instant::now() > deadline {
            let _ = harness.kill();
            let _ = harness.wait();
            panic!("no partition and pause at once within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    harness.kill().unwrap();
    harness.wait().unwrap();
    assert!(namespaces.iter().any(|ns| has_faultline_table(ns)));

    let (status, stderr) = run(faultline(&["heal", "--config"]).arg(&file));
    assert!(status.success(), "heal failed: {stderr}");
    for ns in &namespaces {
        assert!(
            !has_faultline_table(ns),
            "faultline's table is still in {ns}"
        );
    }
    assert_eq!(
        stopped_nodes(&lab),
        Vec::<String>::new(),
        "paused nodes left after heal"
    );
    // Clocks too: heal sets every node's back to offset 0.
    for node in NODES {
        let offsets =
            std::fs::read_to_string(lab.path().join(format!("clock-{node}"))).unwrap_or_default();
        assert_eq!(
            offsets.lines().last(),
            Some("0"),
            "{node}'s clock not reset"
        );
    }
}

#[test]
fn ctrl_c_mid_partition_heals_and_still_fetches_the_logs() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !requirements::have(requirements::Need::RootSsh, "ssh_nodes: Ctrl-C") {
        return;
    }
    let lab = lab();
    let file = config(
        &lab,
        "ssh-interrupted",
        "time-limit = 120\nseed = 7\nnemesis = [\"partition\"]\nnemesis-interval = 2",
        &[],
    );
    let mut harness = faultline(&["run", "--config"])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let namespaces: Vec<String> = lab.nodes().into_iter().map(|(_, ns, _)| ns).collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !namespaces.iter().any(|ns| has_faultline_table(ns)) {
        if Instant::now() > deadline {
            let _ = harness.kill();
            let _ = harness.wait();
            panic!("no partition within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(harness.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while harness.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = harness.kill();
            panic!("the run did not end within 120 s of Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for ns in &namespaces {
        assert!(
            !has_faultline_table(ns),
            "faultline's table is still in {ns}"
        );
    }
    let dir = results_of(&lab, "ssh-interrupted");
    for node in NODES {
        let log = dir.join("nodes").join(node).join(format!("{node}.log"));
        assert!(log.is_file(), "no log downloaded at {}", log.display());
    }
}

/// Whether `ns` can open a TCP connection to `address:22` (its sshd).
fn reaches(ns: &str, address: Ipv4Addr) -> bool {
    Command::new("ip")
        .args(["netns", "exec", ns, "timeout", "2", "bash", "-c"])
        .arg(format!("exec 3<>/dev/tcp/{address}/22"))
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The iptables fallback, for hosts without nft: the same grudge in a
/// chain of faultline's own, healed without touching the host's chains.
#[test]
fn iptables_cuts_over_ssh_live_in_faultlines_chain_only() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !requirements::have(
        requirements::Need::RootIptables,
        "ssh_nodes: iptables fallback",
    ) {
        return;
    }
    let lab = lab();
    let nodes = lab.nodes();
    let (_, ns1, a1) = nodes[0].clone();
    let (_, ns2, a2) = nodes[1].clone();
    ok(Command::new("ip").args(["netns", "exec", &ns1, "iptables", "-w", "-N", "HOSTCHAIN"]));
    assert!(reaches(&ns2, a1), "n2 cannot reach n1 before any cut");
    let target = SshTarget {
        host: a1.to_string(),
        port: 22,
        user: Some("root".into()),
        key: Some(lab.path().join("id")),
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let ssh = SshClient::new().unwrap();
        let timeout = Duration::from_secs(30);
        ssh.run(&target, &Firewall::Iptables.cut_argv(&[a2.into()]), timeout)
            .await
            .unwrap();
        assert!(!reaches(&ns2, a1), "the cut let n2 through to n1");
        assert!(iptables_has_chain(&ns1, "FAULTLINE"));
        ssh.run(&target, &heal_argv(), timeout).await.unwrap();
        ssh.close().await;
    });
    assert!(reaches(&ns2, a1), "n2 cannot reach n1 after the heal");
    assert!(
        !iptables_has_chain(&ns1, "FAULTLINE"),
        "faultline's chain outlived the heal"
    );
    assert!(
        iptables_has_chain(&ns1, "HOSTCHAIN"),
        "the heal removed the host's own chain"
    );
}

/// Loss through nftables' `numgen random` (no netem needed): at 100 % a
/// peer gets nothing through, the harness still does, and the heal
/// removes only the loss table.
#[test]
fn nft_loss_over_ssh_drops_peer_packets_and_heals() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !requirements::have(requirements::Need::RootSsh, "ssh_nodes: nft loss") {
        return;
    }
    let lab = lab();
    let nodes: Vec<RemoteNode> = lab
        .nodes()
        .into_iter()
        .map(|(name, _, address)| RemoteNode {
            name,
            ssh: SshTarget {
                host: address.to_string(),
                port: 22,
                user: Some("root".into()),
                key: Some(lab.path().join("id")),
            },
            address: address.into(),
            port: Some(DB_PORT),
            url: format!("http://{address}:{DB_PORT}"),
            sudo: false,
        })
        .collect();
    let (_, ns1, a1) = lab.nodes()[0].clone();
    let (_, ns2, _) = lab.nodes()[1].clone();
    assert!(reaches(&ns2, a1), "n2 cannot reach n1 before the loss");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let ssh = Arc::new(SshClient::new().unwrap());
        let loss = SshLoss::new(ssh.clone(), nodes, Duration::from_secs(30));
        let all = Slowdown {
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            loss: 1.0,
        };
        let applied = loss.slow(all).await.unwrap();
        assert_eq!(applied["percent"], 100);
        assert!(has_nft_table(&ns1, "faultline_loss"));
        assert!(!reaches(&ns2, a1), "100 % loss let n2 through to n1");
        // The harness is no peer: its SSH still works under the loss.
        loss.restore().await.unwrap();
        // nftables drops but cannot delay: a slowdown is refused, not ignored.
        let slow = Slowdown {
            delay: Duration::from_millis(100),
            ..all
        };
        assert!(loss.slow(slow).await.is_err());
        ssh.close().await;
    });
    assert!(
        !has_nft_table(&ns1, "faultline_loss"),
        "the loss table outlived the heal"
    );
    assert!(reaches(&ns2, a1), "n2 cannot reach n1 after the heal");
}

#[test]
fn clock_faults_on_ssh_nodes_run_the_clock_template_and_reset_it() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !requirements::have(requirements::Need::RootSsh, "ssh_nodes: clock template") {
        return;
    }
    let lab = lab();
    let file = config(
        &lab,
        "ssh-clock",
        "time-limit = 4\nseed = 2\nnemesis = [\"clock\"]\nnemesis-interval = 1",
        &[],
    );
    let (status, stderr) = run(faultline(&["run", "--config"]).arg(&file));
    assert_eq!(status.code(), Some(0), "{stderr}");
    let dir = results_of(&lab, "ssh-clock");
    assert!(history_has(&dir, "start-clock"), "no clock fault: {stderr}");
    let mut skewed = 0;
    for node in NODES {
        let offsets =
            std::fs::read_to_string(lab.path().join(format!("clock-{node}"))).unwrap_or_default();
        let offsets: Vec<i64> = offsets.lines().map(|l| l.parse().unwrap()).collect();
        skewed += offsets.iter().filter(|o| **o != 0).count();
        // Every node a fault skewed was set back to the true time.
        if let Some(last) = offsets.last() {
            assert_eq!(*last, 0, "{node} left at {offsets:?}");
        }
    }
    assert!(skewed > 0, "the clock template never got an offset");
}

#[test]
fn a_run_under_nft_loss_on_ssh_nodes_stays_valid_and_heals() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !requirements::have(requirements::Need::RootSsh, "ssh_nodes: loss run") {
        return;
    }
    let lab = lab();
    let file = config(
        &lab,
        "ssh-loss",
        "time-limit = 4\nseed = 4\nnemesis = [\"loss\", \"partition\"]\nnemesis-interval = 1",
        &[],
    );
    let (status, stderr) = run(faultline(&["run", "--config"]).arg(&file));
    assert_eq!(status.code(), Some(0), "{stderr}");
    let dir = results_of(&lab, "ssh-loss");
    assert!(history_has(&dir, "start-loss"), "no loss fault: {stderr}");
    assert!(history_has(&dir, "stop-loss"), "the loss was not healed");
    let history = std::fs::read_to_string(dir.join("history.jsonl")).unwrap();
    assert!(
        history.contains("ssh-nft"),
        "loss went through another backend"
    );
    for (_, ns, _) in lab.nodes() {
        assert!(
            !has_nft_table(&ns, "faultline_loss"),
            "the run left the loss table in {ns}"
        );
    }
}

/// Whether tc netem works in namespace `ns` (it needs the kernel's sch_netem).
fn netem_works(ns: &str) -> bool {
    let add = Command::new("ip")
        .args([
            "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo", "root",
        ])
        .args(["netem", "delay", "0ms"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if add {
        let _ = Command::new("ip")
            .args([
                "netns", "exec", ns, "tc", "qdisc", "del", "dev", "lo", "root",
            ])
            .status();
    }
    add
}

#[test]
fn latency_on_ssh_nodes_goes_through_netem_or_is_refused_naming_sch_netem() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if !requirements::have(requirements::Need::RootSsh, "ssh_nodes: netem latency") {
        return;
    }
    let lab = lab();
    let (_, ns1, _) = lab.nodes()[0].clone();
    let file = config(
        &lab,
        "ssh-latency",
        "time-limit = 3\nseed = 5\nnemesis = [\"latency\"]\nnemesis-interval = 1",
        &[],
    );
    let (status, stderr) = run(faultline(&["run", "--config"]).arg(&file));
    if !netem_works(&ns1) {
        // Refused before any load, with the reason a user can act on.
        eprintln!("{stderr}");
        assert_eq!(status.code(), Some(3), "{stderr}");
        assert!(stderr.contains("sch_netem"), "{stderr}");
        assert!(
            !lab.path().join("results/ssh-latency").exists() || {
                let dir = results_of(&lab, "ssh-latency");
                !history_has(&dir, "start-latency")
            }
        );
        eprintln!(
            "skipped: ssh_nodes netem latency under load (this kernel has no netem; \
             checked only that the run is refused naming sch_netem)"
        );
        return;
    }
    assert_eq!(status.code(), Some(0), "{stderr}");
    let dir = results_of(&lab, "ssh-latency");
    assert!(history_has(&dir, "start-latency"), "{stderr}");
    let history = std::fs::read_to_string(dir.join("history.jsonl")).unwrap();
    assert!(history.contains("ssh-netem"));
    for (_, ns, _) in lab.nodes() {
        let out = Command::new("ip")
            .args(["netns", "exec", &ns, "tc", "qdisc", "show"])
            .output()
            .unwrap();
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("5fa1:"),
            "faultline's netem qdisc left in {ns}"
        );
    }
}
