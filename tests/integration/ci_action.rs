//! The composite GitHub Action `.github/actions/faultline/action.yml`, run
//! here as a runner would run it: its YAML is parsed (a broken file fails),
//! and its shell steps are executed from the YAML itself (their `run` text
//! with their `env`, the `${{ }}` expressions filled from the inputs and the
//! earlier steps' outputs, in bash with `-eo pipefail` as `shell: bash` is),
//! against stores started here on 127.0.0.1: the bundled cluster started as
//! an external store (`faultline cluster up`), and two test stores, one
//! answering stale reads and one speaking another protocol.
//!
//! What cannot run here are the steps that `uses:` another action (cache,
//! upload-artifact, the JUnit reporter) and `cargo install` from the
//! network: the binary under test stands in for the cached one, and those
//! steps' inputs are checked to name files that exist.

use crate::run_support::{StoreOptions, cluster_up, start_store};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use yaml_rust2::{Yaml, YamlLoader};

/// Longest a step may take: a run of a few seconds, its check and report.
const STEP_TIMEOUT: Duration = Duration::from_secs(240);

fn action_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/actions/faultline")
}

fn load_yaml(path: &Path) -> Yaml {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut docs = YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    assert_eq!(docs.len(), 1, "{} holds one document", path.display());
    docs.remove(0)
}

fn action() -> Yaml {
    load_yaml(&action_dir().join("action.yml"))
}

fn steps(action: &Yaml) -> &[Yaml] {
    action["runs"]["steps"]
        .as_vec()
        .expect("runs.steps is a list")
}

fn step<'a>(action: &'a Yaml, id: &str) -> &'a Yaml {
    steps(action)
        .iter()
        .find(|s| s["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("action.yml has no step `{id}`"))
}

/// A string field, or a panic naming it.
fn text<'a>(y: &'a Yaml, what: &str) -> &'a str {
    y.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {y:?}"))
}

/// Every `${{ ... }}` expression in `s`, trimmed.
fn expressions(s: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let end = after.find("}}").expect("an unclosed ${{");
        found.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    found
}

/// Runs the action's shell steps one at a time in a working directory, as
/// a GitHub runner would, keeping each step's outputs for the next.
struct Runner {
    action: Yaml,
    inputs: HashMap<String, String>,
    outputs: HashMap<String, HashMap<String, String>>,
    /// The job's working directory (the store's checkout on a runner).
    work: PathBuf,
    /// `$GITHUB_STEP_SUMMARY`, shared by all steps as on a runner.
    summary: PathBuf,
}

impl Runner {
    /// A runner with `inputs` over the action's defaults.
    fn new(work: &Path, inputs: &[(&str, &str)]) -> Runner {
        let action = action();
        let mut all = HashMap::new();
        for (name, spec) in action["inputs"].as_hash().expect("inputs") {
            if let (Some(name), Some(default)) = (name.as_str(), spec["default"].as_str()) {
                all.insert(name.to_string(), default.to_string());
            }
        }
        for (k, v) in inputs {
            assert!(
                action["inputs"][*k].as_hash().is_some(),
                "action.yml has no input `{k}`"
            );
            all.insert(k.to_string(), v.to_string());
        }
        let summary = work.join("step-summary.md");
        std::fs::write(&summary, "").expect("create the summary file");
        Runner {
            action,
            inputs: all,
            outputs: HashMap::new(),
            work: work.to_path_buf(),
            summary,
        }
    }

    /// The value of one `${{ }}` expression this action may use in a shell
    /// step's `env` or a `with`; anything else is a test failure, so the
    /// YAML stays within what this runner understands.
    fn eval(&self, expr: &str) -> String {
        if let Some(name) = expr.strip_prefix("inputs.") {
            return self
                .inputs
                .get(name)
                .unwrap_or_else(|| panic!("input `{name}` has no value"))
                .clone();
        }
        if let Some(rest) = expr.strip_prefix("steps.")
            && let Some((id, name)) = rest.split_once(".outputs.")
        {
            return self
                .outputs
                .get(id)
                .and_then(|o| o.get(name))
                .cloned()
                .unwrap_or_default();
        }
        // What an ubuntu-latest runner says.
        match expr {
            "runner.os" => return "Linux".into(),
            "runner.arch" => return "X64".into(),
            _ => {}
        }
        panic!("this test's runner does not evaluate `${{{{ {expr} }}}}`")
    }

    /// `s` with every expression replaced by its value.
    fn fill(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${{") {
            let after = &rest[start + 3..];
            let end = after.find("}}").expect("an unclosed ${{");
            out.push_str(&rest[..start]);
            out.push_str(&self.eval(after[..end].trim()));
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// The value a `uses:` step would get for its input `name`.
    fn with(&self, id: &str, name: &str) -> String {
        let step = step(&self.action, id);
        self.fill(text(&step["with"][name], &format!("{id}.with.{name}")))
    }

    /// Output `name` of step `id` ("" when it set none, as on a runner).
    fn output(&self, id: &str, name: &str) -> String {
        self.eval(&format!("steps.{id}.outputs.{name}"))
    }

    /// Runs shell step `id`; returns its exit status and its stdout and stderr.
    fn run(&mut self, id: &str) -> (ExitStatus, String) {
        let step = step(&self.action, id).clone();
        assert_eq!(step["shell"].as_str(), Some("bash"), "{id}: shell");
        let script = text(&step["run"], &format!("{id}.run"));
        assert!(
            !script.contains("${{"),
            "{id}: inputs go through env, never into the script text"
        );
        let dir = self.work.join(format!("step-{id}"));
        std::fs::create_dir_all(&dir).expect("step dir");
        let file = dir.join("script.sh");
        std::fs::write(&file, script).expect("write the step's script");
        let (output, path, log) = (dir.join("output"), dir.join("path"), dir.join("log"));
        std::fs::write(&output, "").expect("output file");
        let bin = Path::new(env!("CARGO_BIN_EXE_faultline"))
            .parent()
            .expect("the binary's directory");
        let mut c = Command::new("bash");
        c.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .current_dir(&self.work)
            // The binary under test stands for the one restored from the cache.
            .env("PATH", prepend_path(bin))
            .env("HOME", &dir)
            .env("GITHUB_ACTION_PATH", action_dir())
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_PATH", &path)
            .env("GITHUB_STEP_SUMMARY", &self.summary)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).expect("log"))
            .stderr(Stdio::from(
                std::fs::File::options()
                    .append(true)
                    .open(&log)
                    .expect("log"),
            ));
        if let Some(env) = step["env"].as_hash() {
            for (k, v) in env {
                c.env(
                    text(k, "an env name"),
                    self.fill(text(v, &format!("{id}.env"))),
                );
            }
        }
        let mut child = c.spawn().expect("start bash");
        let begun = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait for the step") {
                break s;
            }
            if begun.elapsed() > STEP_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "step {id} ran over {STEP_TIMEOUT:?}:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        eprintln!("--- step {id}: {status}\n{log}");
        let mut outputs = HashMap::new();
        for line in std::fs::read_to_string(&output)
            .expect("read GITHUB_OUTPUT")
            .lines()
        {
            let (k, v) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("{id}: output line without `=`: {line}"));
            outputs.insert(k.to_string(), v.to_string());
        }
        self.outputs.insert(id.to_string(), outputs);
        (status, log)
    }

    /// The job after `faultline run`: the upload and JUnit steps' inputs
    /// name what exists, then summary and finish run. Returns finish's exit
    /// code and the summary page.
    fn after_the_run(&mut self) -> (Option<i32>, String) {
        // Relative paths are the job's working directory's, as on a runner.
        let upload = self.work.join(self.with("upload", "path"));
        assert!(upload.is_dir(), "upload path {}", upload.display());
        let run_dir = self.output("run", "run-dir");
        if !run_dir.is_empty() {
            assert!(
                Path::new(&run_dir).starts_with(&upload),
                "the upload holds the run: {run_dir} under {}",
                upload.display()
            );
            let junit = self.with("junit", "report_paths");
            let xml = std::fs::read_to_string(&junit)
                .unwrap_or_else(|e| panic!("junit report {junit}: {e}"));
            roxmltree::Document::parse(&xml).expect("junit.xml parses");
        }
        let (status, _) = self.run("summary");
        assert!(status.success(), "the summary step never fails the job");
        let (status, _) = self.run("finish");
        let page = std::fs::read_to_string(&self.summary).expect("the summary file");
        eprintln!("--- $GITHUB_STEP_SUMMARY\n{page}");
        (status.code(), page)
    }
}

fn prepend_path(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    if let Some(p) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(paths).expect("PATH")
}

/// A `ci.toml` for the HTTP store at `endpoints`, without faults, plus `extra` lines.
fn write_config(work: &Path, endpoints: &[String], extra: &str) {
    let list: Vec<String> = endpoints.iter().map(|e| format!("\"{e}\"")).collect();
    std::fs::write(
        work.join("ci.toml"),
        format!(
            "name = \"ci\"\nsut = \"http\"\nendpoints = [{}]\nnemesis = [\"none\"]\n{extra}",
            list.join(", ")
        ),
    )
    .expect("write ci.toml");
}

/// The action's run step in `work` with `ci.toml` and extra `args`; the
/// install steps are not run (the binary under test is on PATH).
fn run_step(work: &Path, args: &str) -> Runner {
    let mut r = Runner::new(
        work,
        &[
            ("repository", "unused: nothing is installed here"),
            ("version", "unused"),
            ("config", "ci.toml"),
            ("args", args),
        ],
    );
    let (status, _) = r.run("run");
    assert!(status.success(), "the run step never fails the job");
    r
}

#[test]
fn action_yml_documents_every_input_and_keeps_its_steps_in_order() {
    let a = action();
    assert_eq!(a["runs"]["using"].as_str(), Some("composite"));
    assert!(a["description"].as_str().is_some_and(|d| !d.is_empty()));
    let inputs = a["inputs"].as_hash().expect("inputs");
    for (name, spec) in inputs {
        let name = text(name, "an input name");
        assert!(
            spec["description"].as_str().is_some_and(|d| d.len() > 20),
            "input `{name}` is documented"
        );
    }
    for required in ["repository", "version", "config"] {
        assert_eq!(a["inputs"][required]["required"].as_bool(), Some(true));
    }
    let ids: Vec<&str> = steps(&a)
        .iter()
        .map(|s| text(&s["id"], "a step id"))
        .collect();
    assert_eq!(
        ids,
        [
            "resolve", "cache", "install", "run", "upload", "junit", "summary", "finish"
        ],
        "upload, JUnit and summary come before the step that fails the job"
    );
    // Every expression names a declared input or an earlier step's output.
    for (i, s) in steps(&a).iter().enumerate() {
        let mut texts: Vec<&str> = Vec::new();
        for part in ["env", "with"] {
            if let Some(h) = s[part].as_hash() {
                texts.extend(h.values().filter_map(Yaml::as_str));
            }
        }
        texts.extend(s["if"].as_str());
        for e in texts.iter().flat_map(|t| expressions(t)) {
            let names = e
                .split(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-' || c == '_'))
                .filter(|w| w.starts_with("inputs.") || w.starts_with("steps."));
            for name in names {
                if let Some(input) = name.strip_prefix("inputs.") {
                    assert!(inputs.contains_key(&Yaml::String(input.into())), "{name}");
                } else {
                    let id = name.split('.').nth(1).unwrap_or_default();
                    assert!(ids[..i].contains(&id), "{name} is used before {id} ran");
                }
            }
        }
    }
    let cache = step(&a, "cache");
    assert!(text(&cache["uses"], "cache.uses").starts_with("actions/cache@"));
    assert_eq!(
        cache["with"]["path"].as_str(),
        Some("~/.cargo/bin/faultline")
    );
    assert!(text(&cache["with"]["key"], "cache key").contains("steps.resolve.outputs.commit"));
    let install = step(&a, "install");
    assert_eq!(
        install["if"].as_str(),
        Some("steps.cache.outputs.cache-hit != 'true'")
    );
    let script = std::fs::read_to_string(action_dir().join("faultline-ci.sh")).expect("script");
    assert!(script.contains("cargo install --git \"${FAULTLINE_REPOSITORY:?}\""));
    assert!(script.contains("--locked faultline"));
    for id in ["upload", "junit", "summary", "finish"] {
        assert!(
            text(&step(&a, id)["if"], "if").starts_with("always()"),
            "{id} runs whatever the verdict"
        );
    }
    assert!(text(&step(&a, "upload")["uses"], "uses").starts_with("actions/upload-artifact@"));
    assert!(text(&step(&a, "junit")["uses"], "uses").starts_with("mikepenz/action-junit-report@"));
    // Each shell step calls a subcommand the script has.
    for s in steps(&a).iter().filter(|s| s["run"].as_str().is_some()) {
        let run = text(&s["run"], "run");
        let sub = run.rsplit(' ').next().unwrap_or_default();
        assert!(run.contains("faultline-ci.sh"), "{run}");
        assert!(
            script.contains(&format!("\n{sub}() {{")),
            "no `{sub}` in the script"
        );
    }
}

#[test]
fn the_documented_workflow_starts_the_store_then_uses_the_action() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci-example.yml");
    let w = load_yaml(&path);
    let jobs = w["jobs"].as_hash().expect("jobs");
    let job = jobs.values().next().expect("a job");
    let steps = job["steps"].as_vec().expect("steps");
    let uses = steps
        .iter()
        .position(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.contains("/.github/actions/faultline@"))
        })
        .expect("a step uses the action");
    let with = &steps[uses]["with"];
    let a = action();
    for (name, spec) in a["inputs"].as_hash().expect("inputs") {
        if spec["required"].as_bool() == Some(true) {
            assert!(with[text(name, "input")].as_str().is_some(), "{name:?}");
        }
    }
    for k in with.as_hash().expect("with").keys() {
        assert!(a["inputs"][text(k, "input")].as_hash().is_some(), "{k:?}");
    }
    assert!(
        steps[..uses].iter().any(|s| s["run"].as_str().is_some()
            && s["name"]
                .as_str()
                .is_some_and(|n| n.to_lowercase().contains("start"))),
        "the store is started before the action runs"
    );
    // The config the workflow names is shown in full in the same file.
    let config = text(&with["config"], "config");
    let doc = std::fs::read_to_string(&path).expect("ci-example.yml");
    assert!(doc.contains(&format!("# {config}:")), "{config} is shown");
}

#[test]
fn resolve_turns_a_tag_a_branch_or_a_hash_into_a_commit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("faultline.git");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(["-c", "init.defaultBranch=main", "-c", "tag.gpgSign=false"])
            .args(args)
            .current_dir(&repo)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    std::fs::create_dir_all(&repo).expect("mkdir");
    git(&["init", "-q"]);
    git(&["commit", "-q", "--allow-empty", "-m", "first"]);
    let first = git(&["rev-parse", "HEAD"]);
    git(&["tag", "-a", "v1.0", "-m", "annotated"]);
    git(&["tag", "light"]);
    git(&["commit", "-q", "--allow-empty", "-m", "second"]);
    let second = git(&["rev-parse", "HEAD"]);
    let url = repo.to_string_lossy().into_owned();
    for (version, want) in [
        ("v1.0", &first),
        ("light", &first),
        ("main", &second),
        (first.as_str(), &first),
    ] {
        let work = tmp.path().join(format!("work-{version}"));
        std::fs::create_dir_all(&work).expect("mkdir");
        let mut r = Runner::new(
            &work,
            &[
                ("repository", &url),
                ("version", version),
                ("config", "ci.toml"),
            ],
        );
        let (status, log) = r.run("resolve");
        assert!(status.success(), "{version}: {log}");
        assert_eq!(&r.output("resolve", "commit"), want, "{version}");
        // The cache key is the commit, so a moved branch is built again.
        assert!(r.with("cache", "key").ends_with(want.as_str()));
    }
    let work = tmp.path().join("work-missing");
    std::fs::create_dir_all(&work).expect("mkdir");
    let mut r = Runner::new(
        &work,
        &[
            ("repository", &url),
            ("version", "v9"),
            ("config", "ci.toml"),
        ],
    );
    let (status, log) = r.run("resolve");
    assert!(!status.success());
    assert!(log.contains("'v9' is neither a tag, a branch nor"), "{log}");
}

#[test]
fn a_valid_run_of_the_bundled_cluster_as_an_external_store_passes_the_job() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_cluster, _, nodes, _) = cluster_up(&tmp.path().join("cluster"), &["--base-port", "0"]);
    let urls: Vec<String> = nodes.into_iter().map(|(_, u)| u).collect();
    let work = tmp.path().join("store-checkout");
    std::fs::create_dir_all(&work).expect("mkdir");
    write_config(&work, &urls, "");
    let mut r = run_step(&work, "--time-limit 2  --recovery-time 0.2");
    assert_eq!(r.output("run", "exit-code"), "0");
    let run_dir = PathBuf::from(r.output("run", "run-dir"));
    assert!(
        run_dir.starts_with(work.join("results/ci").canonicalize().expect("results/ci")),
        "{}",
        run_dir.display()
    );
    let config = std::fs::read_to_string(run_dir.join("config.toml")).expect("config.toml");
    assert!(
        config.contains("time-limit = 2.0"),
        "the extra args won: {config}"
    );
    let (code, page) = r.after_the_run();
    assert_eq!(code, Some(0), "{page}");
    assert!(page.starts_with("## ✅ VALID: ci\n"), "{page}");
    assert!(
        page.contains("- **system under test**: `http` (3 endpoints)"),
        "{page}"
    );
    assert!(page.contains("\n| op    | ok "), "{page}");
}

#[test]
fn a_store_answering_stale_reads_fails_the_job_with_exit_1_after_the_summary() {
    let urls = start_store(StoreOptions {
        stale: true,
        ..StoreOptions::good(3)
    });
    let tmp = tempfile::tempdir().expect("tempdir");
    write_config(
        tmp.path(),
        &urls,
        "workload = \"register\"\ntime-limit = 4.0\nrate = 150.0\nkeys = 3\nseed = 3\nrecovery-time = 0.2\n",
    );
    let mut r = run_step(tmp.path(), "");
    assert_eq!(r.output("run", "exit-code"), "1");
    let (code, page) = r.after_the_run();
    assert_eq!(code, Some(1), "the job fails with the run's code");
    assert!(page.starts_with("## ❌ INVALID: ci\n"), "{page}");
    assert!(page.contains("### Counterexample: "), "{page}");
    let junit =
        std::fs::read_to_string(PathBuf::from(r.output("run", "run-dir")).join("junit.xml"))
            .expect("junit.xml");
    assert!(junit.contains("<failure"), "{junit}");
}

#[test]
fn a_store_the_probe_refuses_fails_the_job_with_exit_3_and_says_why() {
    let urls = start_store(StoreOptions {
        foreign: true,
        ..StoreOptions::good(2)
    });
    let tmp = tempfile::tempdir().expect("tempdir");
    write_config(tmp.path(), &urls, "time-limit = 2.0\n");
    // A `latest` link left by an earlier run on this machine.
    let old = tmp.path().join("results/old/20200101T000000Z");
    std::fs::create_dir_all(&old).expect("mkdir");
    std::fs::write(old.join("history.jsonl"), "").expect("history");
    std::os::unix::fs::symlink("old/20200101T000000Z", tmp.path().join("results/latest"))
        .expect("symlink");
    let mut r = run_step(tmp.path(), "");
    assert_eq!(r.output("run", "exit-code"), "3");
    assert_eq!(r.output("run", "run-dir"), "", "not the earlier run's");
    assert_eq!(r.output("run", "upload-path"), "results");
    let (code, page) = r.after_the_run();
    assert_eq!(code, Some(3));
    assert!(
        page.starts_with("## 🛑 faultline run exited 3 before writing results"),
        "{page}"
    );
}
