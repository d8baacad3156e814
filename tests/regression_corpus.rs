//! Every history in histories/regressions/ is re-checked against the verdict in its
//! name (`*.ok.json`, `*.illegal.json`), with the model it names.

use linsim_checker::formats::read_file;
use linsim_checker::{check_named, CheckOptions, Verdict};
use std::path::Path;

#[test]
fn every_regression_history_keeps_its_verdict() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("histories/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("histories/regressions exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "the corpus has histories");
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let want = if name.ends_with(".illegal.json") {
            Verdict::Illegal
        } else if name.ends_with(".ok.json") {
            Verdict::Ok
        } else {
            panic!("{name}: name must end in .ok.json or .illegal.json");
        };
        let (history, _) = read_file(&path, None).unwrap_or_else(|e| panic!("{e}"));
        let model = history
            .model
            .clone()
            .unwrap_or_else(|| panic!("{name} names no model"));
        let r = check_named(&model, &history, &CheckOptions::default()).unwrap();
        assert_eq!(r.verdict, want, "{name}");
    }
}
