//! Every reference history of histories/reference/porcupine gets the verdict its
//! expected.json gives.

use linsim_checker::formats::read_file;
use linsim_checker::reference::{cases, corpus_dir};
use linsim_checker::{check_named, CheckOptions, Verdict};
use std::path::Path;

#[test]
fn every_porcupine_reference_history_gets_its_expected_verdict() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = corpus_dir(&root).unwrap_or_else(|e| panic!("{e}"));
    let cases = cases(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cases.len(), 108, "expected.json lists 108 histories");
    let mut wrong = Vec::new();
    for case in &cases {
        let (history, _) = read_file(&case.path, None).unwrap_or_else(|e| panic!("{e}"));
        let r = check_named(case.model, &history, &CheckOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let want = if case.linearizable {
            Verdict::Ok
        } else {
            Verdict::Illegal
        };
        if r.verdict != want {
            wrong.push(format!("{}: got {}, want {}", case.name, r.verdict, want));
        }
        if r.verdict == Verdict::Illegal {
            let cx = r.first_illegal().and_then(|p| p.counterexample.as_ref());
            assert!(
                cx.is_some(),
                "{}: illegal without a counterexample",
                case.name
            );
        }
    }
    assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
}
