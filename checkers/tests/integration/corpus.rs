//! Every history of the corpus (`corpus/` at the repository root) gets the verdict its manifest expects.

use faultline_checkers::{
    CheckOptions, Format, ModelKind, Validity, check_linearizable, read_history,
};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn corpus_dir() -> PathBuf {
    std::env::var_os("FAULTLINE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus")))
}

#[test]
fn corpus_verdicts_match_manifest() {
    let dir = corpus_dir();
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv"))
        .unwrap_or_else(|e| panic!("corpus manifest missing at {}: {e}", dir.display()));
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "bad manifest row {line:?}");
        let (file, format, model, expected) = (cols[0], cols[1], cols[2], cols[3]);
        let format: Format = format.parse().expect("format name");
        let model: ModelKind = model.parse().expect("model name");
        let expected = match expected {
            "valid" => Validity::Valid,
            "invalid" => Validity::Invalid,
            other => panic!("unknown expected verdict {other}"),
        };
        let events = read_history(&dir.join(file), format).unwrap_or_else(|e| panic!("{e}"));
        let opts = CheckOptions {
            timeout: Some(Duration::from_secs(60)),
            ..CheckOptions::default()
        };
        let t = Instant::now();
        let report = check_linearizable(&events, model, &opts).expect("check runs");
        eprintln!("{file}: {:?} in {:?}", report.valid, t.elapsed());
        if report.valid != expected {
            failures.push(format!(
                "{file}: expected {expected:?}, got {:?} ({})",
                report.valid,
                report.summary()
            ));
        }
        if report.valid == Validity::Invalid {
            let bad = report
                .partitions
                .iter()
                .find(|p| p.valid == Validity::Invalid)
                .expect("an invalid partition");
            let cx = bad.counterexample.as_ref().expect("counterexample");
            assert!(
                !cx.unplaceable.is_empty(),
                "{file}: counterexample without unplaceable ops"
            );
            assert!(
                !cx.operations.is_empty(),
                "{file}: counterexample without operations"
            );
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "wrong verdicts:\n{}",
        failures.join("\n")
    );
    assert!(checked >= 100, "only {checked} corpus rows checked");
}
