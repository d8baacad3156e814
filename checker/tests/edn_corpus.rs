//! Every Jepsen EDN history of histories/edn gets the verdict its expected.json gives,
//! and every file there is listed.

use linsim_checker::formats::read_file_detailed;
use linsim_checker::{check_named, CheckOptions, Verdict};
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn every_edn_corpus_history_gets_its_expected_verdict() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../histories/edn");
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
    let expected: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&text).expect("expected.json is JSON");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("histories/edn exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".edn"))
        .collect();
    files.sort();
    assert_eq!(
        files,
        expected.keys().cloned().collect::<Vec<_>>(),
        "every .edn file is listed in expected.json, and only those"
    );
    let mut wrong = Vec::new();
    for (name, want) in &expected {
        let read = read_file_detailed(&dir.join(name), None).unwrap_or_else(|e| panic!("{e}"));
        let model = want["model"].as_str().expect("model");
        let r = check_named(model, &read.history, &CheckOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let verdict = match want["verdict"].as_str() {
            Some("ok") => Verdict::Ok,
            Some("illegal") => Verdict::Illegal,
            other => panic!("{name}: bad verdict {other:?}"),
        };
        if r.verdict != verdict {
            wrong.push(format!("{name}: got {}, want {verdict}", r.verdict));
        }
    }
    assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
}
