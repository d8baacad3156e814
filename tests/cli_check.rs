//! `linsim check` end to end: verdict lines and exit codes.

mod common;
use common::linsim;

use std::path::PathBuf;

fn corpus() -> PathBuf {
    linsim_checker::reference::corpus_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn linearizable_file_prints_ok_and_exits_0() {
    let f = corpus().join("jepsen/etcd_002.log");
    let (code, out, _) = linsim(&["check", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(": ok model=cas-register ops=77 partitions=1"),
        "{out}"
    );
}

#[test]
fn illegal_file_names_the_first_unlinearizable_op_and_exits_1() {
    let f = corpus().join("jepsen/etcd_000.log");
    let (code, out, _) = linsim(&["check", f.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(": illegal model=cas-register"), "{out}");
    assert!(
        out.contains("first op that cannot be linearized: read -> 2 [process 11"),
        "{out}"
    );
}

#[test]
fn garbage_line_exits_2_naming_file_and_line() {
    let dir = std::env::temp_dir().join(format!("linsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.log");
    std::fs::write(
        &f,
        "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n%%% garbage\n",
    )
    .unwrap();
    let (code, _, err) = linsim(&["check", f.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.log:2: expected `INFO  jepsen.util"),
        "{err}"
    );
}

#[test]
fn json_output_has_the_documented_fields() {
    let f = corpus().join("kv/c10-ok.txt");
    let (code, out, _) = linsim(&["check", "--json", f.to_str().unwrap()]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(v["verdict"], "ok");
    assert_eq!(v["partitions"], 10);
    assert_eq!(v["model"], "kv", "defaults from the porcupine-kv format");
    for field in ["file", "ops", "check_ms"] {
        assert!(!v[field].is_null(), "missing {field}");
    }
}

#[test]
fn unknown_model_exits_2_listing_valid_names() {
    let (code, _, err) = linsim(&["check", "--model", "nosuch", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("register, cas-register, kv"), "{err}");
}

#[test]
fn missing_file_exits_2() {
    let (code, _, err) = linsim(&["check", "/nonexistent/history.edn"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("/nonexistent/history.edn:0: cannot read"),
        "{err}"
    );
}
