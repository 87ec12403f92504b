//! Measures checker timings (run with `--release`): the corpus,
//! synthetic cas-register histories and a large multi-key history.
//!
//! `cargo run --release -p faultline-checkers --example timings [corpus-dir]`

use faultline_checkers::{CasRegister, SearchOnly};
use faultline_checkers::{
    CheckOptions, Format, ModelKind, Val, check_linearizable, check_with_model, read_history,
};
use faultline_checkers::{synth_cas_history, synth_kv_history};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus")));
    let opts = CheckOptions {
        timeout: Some(Duration::from_secs(120)),
        ..CheckOptions::default()
    };
    let only = std::env::var("ONLY").unwrap_or_default();
    if let Ok(spec) = std::env::var("SYNTH") {
        // SYNTH=ops,procs,crash_rate,impossible(0/1),seed: one synthetic case.
        let f: Vec<&str> = spec.split(',').collect();
        let n: usize = f[0].parse().expect("ops");
        let p: usize = f[1].parse().expect("procs");
        let c: f64 = f[2].parse().expect("crash rate");
        let bad = f.get(3).is_some_and(|b| *b == "1");
        let seed: u64 = f.get(4).and_then(|s| s.parse().ok()).unwrap_or(42);
        let events = synth_cas_history(n, p, c, bad, seed);
        let t = Instant::now();
        let r = if std::env::var("SEARCH_ONLY").is_ok() {
            check_with_model(&events, &SearchOnly(&CasRegister::new(Val::Nil)), &opts)
                .expect("check")
        } else {
            check_linearizable(&events, ModelKind::CasRegister, &opts).expect("check")
        };
        println!(
            "{spec}: {:?} {:>9.1} ms",
            r.valid,
            t.elapsed().as_secs_f64() * 1e3
        );
        return;
    }
    if only.is_empty() || only == "corpus" {
        let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).expect("manifest");
        let mut total = Duration::ZERO;
        for line in manifest.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() != 4 {
                continue;
            }
            let events = read_history(
                &dir.join(cols[0]),
                cols[1].parse::<Format>().expect("format"),
            )
            .expect("history");
            let model: ModelKind = cols[2].parse().expect("model");
            let t = Instant::now();
            let r = check_linearizable(&events, model, &opts).expect("check");
            let el = t.elapsed();
            total += el;
            if el > Duration::from_millis(5)
                || r.valid.exit_code() != if cols[3] == "valid" { 0 } else { 1 }
            {
                println!(
                    "{:<36} {:?} {:>9.2} ms",
                    cols[0],
                    r.valid,
                    el.as_secs_f64() * 1e3
                );
            }
        }
        println!(
            "corpus total (check only): {:.1} ms",
            total.as_secs_f64() * 1e3
        );
    }
    let cases: &[(&str, usize, usize, f64, bool)] = &[
        ("10k ops, 10 procs, 2% crashed", 10_000, 10, 0.02, false),
        ("20k ops, 30 procs, 5% crashed", 20_000, 30, 0.05, false),
        ("50k ops, 10 procs, 1% crashed", 50_000, 10, 0.01, false),
        (
            "2k ops, 5 procs, 2% crashed, impossible read",
            2_000,
            5,
            0.02,
            true,
        ),
        (
            "10k ops, 10 procs, 2% crashed, impossible read",
            10_000,
            10,
            0.02,
            true,
        ),
        (
            "50k ops, 10 procs, 2% crashed, impossible read",
            50_000,
            10,
            0.02,
            true,
        ),
    ];
    if only.is_empty() || only == "synth" {
        for &(name, n, p, c, bad) in cases {
            let events = synth_cas_history(n, p, c, bad, 42);
            let t = Instant::now();
            let r = check_linearizable(&events, ModelKind::CasRegister, &opts).expect("check");
            println!(
                "{name:<50} {:?} {:>9.1} ms",
                r.valid,
                t.elapsed().as_secs_f64() * 1e3
            );
        }
    }
    if only.is_empty() || only == "kv" {
        let events = synth_kv_history(1000, 1_000_000, 20, 7);
        let t = Instant::now();
        let r = check_linearizable(&events, ModelKind::Kv, &opts).expect("check");
        println!(
            "kv 1000 keys, 1M ops, 20 procs {:?} {:>9.1} ms",
            r.valid,
            t.elapsed().as_secs_f64() * 1e3
        );
    }
}
