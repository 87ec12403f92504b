//! `faultline check` as a user runs it: the real binary on corpus files and on
//! broken input, checking exit codes and what it prints or writes.

use std::path::PathBuf;
use std::process::{Command, Output};

fn corpus(file: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(file);
    assert!(p.exists(), "corpus file {} is missing", p.display());
    p
}

fn faultline(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg("check")
        .args(args)
        .output()
        .expect("run faultline")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn valid_corpus_file_exits_0() {
    let out = faultline(&[corpus("porcupine/jepsen/etcd_005.log").as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("VALID"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn invalid_corpus_file_exits_1_with_a_counterexample() {
    let out = faultline(&[corpus("porcupine/jepsen/etcd_000.log").as_os_str()]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("INVALID: not linearizable as cas-register"),
        "{stdout}"
    );
    assert!(stdout.contains("longest linearizable prefix"), "{stdout}");
    assert!(
        stdout.contains("✗ p"),
        "an unplaceable op is named: {stdout}"
    );
    assert!(stdout.contains("state "), "{stdout}");
}

#[test]
fn invalid_kv_history_names_the_key() {
    let out = faultline(&[
        corpus("porcupine/kv/c01-bad.txt").as_os_str(),
        "--model".as_ref(),
        "kv-append".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("key \""),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn json_output_parses_and_says_invalid() {
    let out = faultline(&[
        corpus("porcupine/jepsen/etcd_000.log").as_os_str(),
        "--json".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(v["valid"], "invalid");
    assert_eq!(v["model"], "cas-register");
    let cx = &v["partitions"][0]["counterexample"];
    assert!(
        !cx["unplaceable"]
            .as_array()
            .expect("unplaceable list")
            .is_empty()
    );
}

#[test]
fn html_option_writes_a_self_contained_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("cx.html");
    let out = faultline(&[
        corpus("porcupine/jepsen/etcd_000.log").as_os_str(),
        "--html".as_ref(),
        html.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let page = std::fs::read_to_string(&html).expect("HTML written");
    assert!(page.contains("class=\"op bad"), "the failing op is marked");
    assert!(
        page.contains("class=\"proc\">p0</text>"),
        "a row per process"
    );
    assert!(
        !page
            .replace("http://www.w3.org/2000/svg", "")
            .contains("http"),
        "no external references"
    );
}

#[test]
fn export_edn_writes_a_history_that_checks_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let edn = dir.path().join("h.edn");
    let out = faultline(&[
        corpus("porcupine/jepsen/etcd_000.log").as_os_str(),
        "--export-edn".as_ref(),
        edn.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let again = faultline(&[edn.as_os_str(), "--model".as_ref(), "cas-register".as_ref()]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "stderr: {}",
        text(&again.stderr)
    );
}

#[test]
fn malformed_jsonl_exits_3_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    std::fs::write(
        &path,
        "{\"index\":0,\"time\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n{\"index\":1, this is not json\n",
    )
    .unwrap();
    let out = faultline(&[path.as_os_str()]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:2:", path.display())),
        "{stderr}"
    );
}

#[test]
fn missing_file_exits_3() {
    let out = faultline(&["/nonexistent/history.jsonl".as_ref()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("/nonexistent/history.jsonl"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn unknown_model_is_rejected_with_the_list() {
    let out = faultline(&[
        corpus("porcupine/jepsen/etcd_000.log").as_os_str(),
        "--model".as_ref(),
        "bogus".as_ref(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "bad input is exit 3, not 2 (unknown)"
    );
    assert!(
        text(&out.stderr).contains("cas-register"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn help_documents_models_and_formats() {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["check", "--help"])
        .output()
        .unwrap();
    let help = text(&out.stdout);
    for word in [
        "kv-append",
        "fifo-queue",
        "porcupine-etcd",
        "--timeout",
        "--html",
        "Exit codes",
    ] {
        assert!(help.contains(word), "help lacks {word}: {help}");
    }
}

/// `faultline check --json FILE | head`: the reader is gone before anything
/// is written. Before the fix this panicked (exit 101, a backtrace on stderr).
#[test]
fn a_closed_stdout_ends_quietly_without_a_panic() {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg("check")
        .arg("--json")
        .arg(corpus("porcupine/jepsen/etcd_000.log"))
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run faultline");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

/// The same with stderr closed too: nothing can be reported, and no panic
/// turns into exit 101.
#[test]
fn closed_stdout_and_stderr_end_quietly() {
    let (reader, out_w) = std::io::pipe().expect("pipe");
    let err_w = out_w.try_clone().expect("clone pipe");
    drop(reader);
    let status = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg("check")
        .arg(corpus("porcupine/jepsen/etcd_000.log"))
        .stdout(out_w)
        .stderr(err_w)
        .status()
        .expect("run faultline");
    assert_eq!(status.code(), Some(141));
}

/// Before, whether an EDN history was one of Jepsen's independent `[key
/// value]` tuples was guessed silently (and a history of cas operations alone
/// was once torn apart as tuples). The guess is now said on stderr, and
/// `--independent` / `--no-independent` decide it.
#[test]
fn edn_independence_is_stated_and_can_be_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let tuples = dir.path().join("tuples.edn");
    std::fs::write(
        &tuples,
        "{:process 0 :type :invoke :f :write :value [1 3]}\n\
         {:process 0 :type :ok :f :write :value [1 3]}\n\
         {:process 1 :type :invoke :f :read :value [1 nil]}\n\
         {:process 1 :type :ok :f :read :value [1 3]}\n",
    )
    .unwrap();
    let out = faultline(&[tuples.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("read as independent tuples"),
        "{}",
        text(&out.stderr)
    );
    let out = faultline(&["--no-independent".as_ref(), tuples.as_os_str()]);
    assert!(
        text(&out.stderr).contains("values read whole (--no-independent)"),
        "{}",
        text(&out.stderr)
    );
    // Plain values with reads of nil: read whole; forcing tuples is an error
    // naming the line whose value is not a pair.
    let plain = dir.path().join("plain.edn");
    std::fs::write(
        &plain,
        "{:process 0 :type :invoke :f :write :value 3}\n\
         {:process 0 :type :ok :f :write :value 3}\n",
    )
    .unwrap();
    let out = faultline(&[plain.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("values read whole (not every :value"));
    let out = faultline(&["--independent".as_ref(), plain.as_os_str()]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(
        err.contains("plain.edn:1") && err.contains("expected a [key value] tuple"),
        "{err}"
    );
}

/// CI scripts check many histories in one process: each is reported, the
/// files that did not pass are listed again at the end, and the exit code is
/// the worst (invalid before an unreadable file before unknown).
#[test]
fn several_files_and_a_results_directory_in_one_process() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("results").join("cas-register");
    for (run, file) in [("run-10", "etcd_005.log"), ("run-2", "etcd_000.log")] {
        std::fs::create_dir_all(runs.join(run)).unwrap();
        std::fs::copy(
            corpus(&format!("porcupine/jepsen/{file}")),
            runs.join(run).join("history.jsonl"),
        )
        .unwrap();
    }
    // A `latest` link must not list a run twice.
    std::os::unix::fs::symlink(runs.join("run-2"), runs.join("latest")).unwrap();

    let valid = corpus("porcupine/jepsen/etcd_005.log");
    let out = faultline(&[valid.as_os_str(), valid.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("checked 2 files in"),
        "{}",
        text(&out.stdout)
    );

    let out = faultline(&[dir.path().join("results").as_os_str(), valid.as_os_str()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    // Natural order: run-2 before run-10.
    let two = stdout.find("run-2/history.jsonl").expect("run-2 checked");
    let ten = stdout.find("run-10/history.jsonl").expect("run-10 checked");
    assert!(two < ten, "{stdout}");
    assert!(!stdout.contains("latest"), "{stdout}");
    assert!(stdout.contains("checked 3 files in"), "{stdout}");
    assert!(stdout.contains("2 valid, 1 invalid, 0 unknown"), "{stdout}");
    assert!(stdout.contains("  INVALID   "), "{stdout}");

    // An unreadable file is an error beside the others, not the end of the list.
    let broken = dir.path().join("broken.jsonl");
    std::fs::write(&broken, "{not json\n").unwrap();
    let out = faultline(&[broken.as_os_str(), valid.as_os_str()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("1 valid, 0 invalid, 0 unknown, 1 could not be checked"),
        "{stdout}"
    );

    // JSON: one object a line, each with its file and exit code.
    let out = faultline(&[
        valid.as_os_str(),
        runs.join("run-2").as_os_str(),
        "--json".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["exit"], 1);
    assert_eq!(lines[1]["report"]["valid"], "invalid");

    // One file only for the writers.
    let out = faultline(&[
        valid.as_os_str(),
        valid.as_os_str(),
        "--html".as_ref(),
        "x.html".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("--html and --export-edn write one file"));
}

/// The counterexample starts with the shrunk core, and `--shrink-timeout 0`
/// leaves it out without changing the verdict.
#[test]
fn the_smallest_counterexample_comes_first_and_can_be_switched_off() {
    let file = corpus("porcupine/jepsen/etcd_010.log");
    let out = faultline(&[file.as_os_str()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let small = stdout
        .find("smallest counterexample: these")
        .expect("shown");
    let whole = stdout.find("longest linearizable prefix").expect("shown");
    assert!(small < whole, "{stdout}");
    let out = faultline(&[file.as_os_str(), "--shrink-timeout".as_ref(), "0".as_ref()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!text(&out.stdout).contains("smallest counterexample"));
}

// ---------------------------------------------------------------------------
// Histories in the shape of Jepsen's workloads (tests/fixtures/jepsen), read
// with the format detected and judged as Jepsen's own checkers judge them.

fn jepsen(file: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jepsen")
        .join(file);
    assert!(p.exists(), "fixture {} is missing", p.display());
    p
}

#[test]
fn jepsen_shaped_histories_are_read_as_they_are_and_judged_by_their_checker() {
    let manifest = std::fs::read_to_string(jepsen("manifest.tsv")).unwrap();
    let mut checked = 0;
    for row in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (file, checker, expected) = (cols[0], cols[1], cols[2]);
        let out = faultline(&[jepsen(file).as_os_str(), "--json".as_ref()]);
        let stderr = text(&out.stderr);
        let code = match expected {
            "valid" => 0,
            "invalid" => 1,
            _ => 2,
        };
        assert_eq!(out.status.code(), Some(code), "{file}: {stderr}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{file}: not JSON ({e}): {}", text(&out.stdout)));
        assert_eq!(json["valid"], expected, "{file}");
        let (name, model) = checker.split_once(':').unwrap_or((checker, ""));
        match name {
            // The plain linearizability report: no card, the model it used.
            "linearizable" => assert_eq!(json["model"], model, "{file}"),
            _ => {
                let verdicts = json["verdicts"].as_array().unwrap();
                assert_eq!(verdicts.len(), 1, "{file}: {verdicts:?}");
                assert_eq!(verdicts[0]["checker"], name, "{file}");
            }
        }
        if name == "txn" {
            // The model the verdict is about: serializability for long fork.
            let long_fork = stderr.contains("long-fork workload");
            assert_eq!(long_fork, model == "serializable", "{file}: {stderr}");
        }
        checked += 1;
    }
    assert!(checked >= 18, "only {checked} fixtures");
}

#[test]
fn jepsen_checkers_print_what_they_found_and_options_change_the_verdict() {
    // set-full lists the lost element; counter the read out of bounds.
    let out = faultline(&[jepsen("set-full-lost.edn").as_os_str()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("set-full │ INVALID"), "{stdout}");
    assert!(stdout.contains("lost: 1"), "{stdout}");
    assert!(
        stdout.contains("element 1 was known from index 3"),
        "{stdout}"
    );
    let out = faultline(&[jepsen("counter-out-of-bounds.edn").as_os_str()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("returned 10, above 9"), "{stdout}");

    // The bank total defaults to what most reads show; Jepsen's test total
    // can be given.
    let bank = jepsen("bank-valid.edn");
    let out = faultline(&[bank.as_os_str(), "--bank-total".as_ref(), "100".as_ref()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("not the given total 100"));
    let out = faultline(&[bank.as_os_str(), "--bank-total".as_ref(), "40".as_ref()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));

    // A model or a stronger consistency model is the user's to choose.
    let out = faultline(&[
        jepsen("counter-valid.edn").as_os_str(),
        "--model".as_ref(),
        "counter".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).starts_with("INVALID: not linearizable as counter"));
    let out = faultline(&[
        jepsen("long-fork-no-fork.edn").as_os_str(),
        "--consistency-model".as_ref(),
        "strict-serializable".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(!text(&out.stderr).contains("long-fork workload"));
}

/// A results directory's history is checked with the model its run used
/// (config.toml names the workload), so `check` and `run` use one name.
#[test]
fn a_runs_history_is_checked_with_the_runs_model() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        corpus("porcupine/jepsen/etcd_005.log"),
        dir.path().join("history.jsonl"),
    )
    .unwrap();
    // Without config.toml: the format's default.
    let out = faultline(&[
        dir.path().join("history.jsonl").as_os_str(),
        "--format".as_ref(),
        "porcupine-etcd".as_ref(),
    ]);
    assert!(
        text(&out.stdout).contains("as cas-register"),
        "{}",
        text(&out.stdout)
    );
    std::fs::write(dir.path().join("config.toml"), "workload = \"register\"\n").unwrap();
    let out = faultline(&[
        dir.path().join("history.jsonl").as_os_str(),
        "--format".as_ref(),
        "porcupine-etcd".as_ref(),
    ]);
    // etcd_005 has cas operations, which a plain register refuses: the
    // model came from config.toml.
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains("register"), "{all}");
    assert!(!all.contains("as cas-register"), "{all}");
}

/// Ctrl-C during a long check: the first one stops the search and the
/// unfinished key is reported unknown (exit 2) with what was interrupted; a
/// second one quits at once (exit 130). The handler starts no thread, so a
/// regression in it would show here, not in the timing benchmarks.
#[test]
fn ctrl_c_stops_a_long_check_and_a_second_one_quits() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use std::io::Write;
    use std::time::{Duration, Instant};

    // A stale read among 50,000 operations with crashed writes: seconds of
    // search on any machine this suite runs on.
    let events = faultline_checkers::synth_hard_history(
        faultline_checkers::HardFamily::StaleRepeated,
        50_000,
        10,
        0.05,
        true,
        1,
    )
    .expect("the family fits in 50,000 operations");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hard.jsonl");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    for e in &events {
        serde_json::to_writer(&mut w, e).unwrap();
        w.write_all(b"\n").unwrap();
    }
    w.flush().unwrap();
    drop(w);

    let start = |signals: usize| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .arg("check")
            .arg(&file)
            .arg("--timeout")
            .arg("120")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Time to parse the file and start the search.
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            child.try_wait().unwrap().is_none(),
            "the check ended before Ctrl-C: the history is too easy for this test"
        );
        let pid = Pid::from_raw(child.id() as i32);
        for _ in 0..signals {
            kill(pid, Signal::SIGINT).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
        let asked = Instant::now();
        let out = child.wait_with_output().unwrap();
        (out, asked.elapsed())
    };

    let (out, took) = start(1);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.contains("interrupted: stopping the check"),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(10), "stopped after {took:?}");
    assert!(
        text(&out.stdout).contains("cancelled"),
        "{}",
        text(&out.stdout)
    );

    let (out, _) = start(2);
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
}
