//! Knossos's own test histories get the verdicts Knossos's tests assert, with the
//! models built as those tests build them (`histories/knossos/README.md`): a curated
//! subset always, the whole of Knossos's `data/` when `KNOSSOS_DIR` names a checkout
//! (`cargo test -p linsim-checker --test knossos_data -- --ignored`).

use linsim_checker::formats::{read_file_detailed, Format};
use linsim_checker::{check_named_init, parse_init, CheckOptions, Verdict};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One file to check: the model and initial value as Knossos's test builds them, and
/// the verdict it asserts.
struct Case {
    path: PathBuf,
    model: &'static str,
    init: &'static str,
    verdict: Verdict,
}

/// Checks every case as `linsim check --format edn --model M --init V` does; returns
/// the disagreements.
fn disagreements(cases: &[Case]) -> Vec<String> {
    let mut wrong = Vec::new();
    for c in cases {
        let read = match read_file_detailed(&c.path, Some(Format::Edn)) {
            Ok(r) => r,
            Err(e) => {
                wrong.push(format!("{}: unreadable: {e}", c.path.display()));
                continue;
            }
        };
        let init = parse_init(c.init).expect("the inits are EDN");
        let got = check_named_init(
            c.model,
            Some(&init),
            &read.history,
            &CheckOptions::default(),
        )
        .map(|r| r.verdict);
        if got.as_ref().ok() != Some(&c.verdict) {
            wrong.push(format!(
                "{} ({} {}): got {got:?}, Knossos says {}",
                c.path.display(),
                c.model,
                c.init,
                c.verdict
            ));
        }
    }
    wrong
}

#[test]
fn the_curated_knossos_histories_get_knossos_verdicts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../histories/knossos");
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
    let expected: BTreeMap<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let leak = |v: &serde_json::Value| -> &'static str {
        Box::leak(v.as_str().expect("a string").to_string().into_boxed_str())
    };
    let cases: Vec<Case> = expected
        .iter()
        .map(|(name, want)| Case {
            path: dir.join(name),
            model: leak(&want["model"]),
            init: leak(&want["init"]),
            verdict: if want["verdict"] == "ok" {
                Verdict::Ok
            } else {
                Verdict::Illegal
            },
        })
        .collect();
    assert_eq!(cases.len(), 10);
    let wrong = disagreements(&cases);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every file of `dir` ending in `.edn`, sorted.
fn edn_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "edn"))
        .collect();
    files.sort();
    files
}

#[test]
#[ignore = "needs a Knossos checkout: KNOSSOS_DIR=/path/to/knossos"]
fn every_knossos_data_file_with_an_asserted_verdict() {
    let root = PathBuf::from(std::env::var("KNOSSOS_DIR").expect("KNOSSOS_DIR"));
    let data = root.join("data");
    let mut cases = Vec::new();
    // core_test.clj, test-examples: every .edn file of these directories.
    for (dir, model, init, verdict) in [
        ("cas-register/good", "cas-register", "0", Verdict::Ok),
        ("cas-register/bad", "cas-register", "0", Verdict::Illegal),
        (
            "multi-register/good",
            "multi-register",
            "{:x 0 :y 0}",
            Verdict::Ok,
        ),
    ] {
        for path in edn_files(&data.join(dir)) {
            cases.push(Case {
                path,
                model,
                init,
                verdict,
            });
        }
    }
    // wgl_test.clj and linear_test.clj: two files with (cas-register nil).
    for name in ["rethink-fail-minimal.edn", "rethink-fail-smaller.edn"] {
        cases.push(Case {
            path: data.join("cas-register/bad").join(name),
            model: "cas-register",
            init: "nil",
            verdict: Verdict::Illegal,
        });
    }
    let wrong = disagreements(&cases);
    println!(
        "knossos-data agree={} total={}",
        cases.len() - wrong.len(),
        cases.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(
        cases.len(),
        123,
        "the files Knossos's tests assert a verdict of"
    );
}
