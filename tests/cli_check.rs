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
    for name in linsim_checker::MODEL_NAMES {
        assert!(err.contains(name), "{name} missing from: {err}");
    }
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

fn edn(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("histories/edn")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn the_one_line_read_of_5_is_illegal() {
    let (code, out, _) = linsim(&[
        "check",
        "--model",
        "register",
        &edn("one-line-read-of-unwritten-5.edn"),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(": illegal model=register ops=1 ")
            && out.contains("first op that cannot be linearized: read -> 5"),
        "{out}"
    );
}

#[test]
fn every_edn_corpus_file_gets_its_verdict_and_exit_code() {
    let text = std::fs::read_to_string(edn("expected.json")).unwrap();
    let expected: std::collections::BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&text).unwrap();
    assert!(expected.len() >= 20);
    for (name, want) in &expected {
        let model = want["model"].as_str().unwrap();
        let verdict = want["verdict"].as_str().unwrap();
        let (code, out, err) = linsim(&["check", "--model", model, &edn(name)]);
        let want_code = if verdict == "ok" { 0 } else { 1 };
        assert_eq!(code, want_code, "{name}: {out}{err}");
        assert!(
            out.contains(&format!(": {verdict} model={model} ")),
            "{out}"
        );
    }
}

#[test]
fn a_history_with_only_nemesis_entries_is_ok_with_a_note() {
    let (code, out, _) = linsim(&["check", &edn("nemesis-only.edn")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(": ok "), "{out}");
    assert!(out.contains("skipped=3"), "{out}");
    assert!(
        out.contains("note: the history has no client operations"),
        "{out}"
    );
}

#[test]
fn bad_edn_exits_2_naming_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("linsim-cli-edn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.edn");
    std::fs::write(
        &f,
        "[{:type :invoke, :f :read, :process 0}\n {:type :ok,\n  :f :read,\n  :process 7}]",
    )
    .unwrap();
    let (code, out, err) = linsim(&["check", f.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("bad.edn:2:2: process 7 completes (:ok) an op it never invoked"),
        "{err}"
    );
    std::fs::write(&f, "[{:type :invoke, :f :read, :process 0}\n {:type :ok").unwrap();
    let (code, _, err) = linsim(&["check", f.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.edn:2:2: `{` is never closed"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_step_budget_gives_the_same_unknown_verdict_every_time() {
    let f = corpus().join("kv/c50-ok.txt");
    let run = || {
        linsim(&[
            "check",
            "--json",
            "--model",
            "kv",
            "--max-steps",
            "300",
            f.to_str().unwrap(),
        ])
    };
    let (code, first, _) = run();
    assert_eq!(code, 3, "{first}");
    let a: serde_json::Value = serde_json::from_str(first.trim()).unwrap();
    assert_eq!(
        (a["verdict"].as_str(), a["gave_up"].as_str()),
        (Some("unknown"), Some("steps"))
    );
    let (_, second, _) = run();
    let b: serde_json::Value = serde_json::from_str(second.trim()).unwrap();
    assert_eq!(a["fingerprint"], b["fingerprint"]);
    assert_eq!(a["steps"], b["steps"]);
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("linsim-cli-html-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn html_writes_the_timeline_of_an_illegal_history_and_says_where() {
    let f = corpus().join("jepsen/etcd_000.log");
    let page = scratch("etcd").join("etcd_000.html");
    let (code, out, err) = linsim(&[
        "check",
        f.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(&format!("timeline: {} (", page.display())),
        "{out}"
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains(r#""verdict":"illegal","gave_up":null"#),
        "the illegal partition"
    );
    // A Jepsen log records no times: the page's axis is entry order, without
    // latency or throughput (which would read entry numbers as nanoseconds).
    assert!(html.contains(r#""order_axis":true"#), "entry-order axis");
    let again = scratch("etcd-again").join("etcd_000.html");
    linsim(&[
        "check",
        f.to_str().unwrap(),
        "--html",
        again.to_str().unwrap(),
    ]);
    assert!(
        html == std::fs::read_to_string(&again).unwrap(),
        "same history, same page"
    );
}

#[test]
fn html_takes_one_history_file() {
    let f = corpus().join("jepsen/etcd_000.log");
    let f = f.to_str().unwrap();
    let (code, out, err) = linsim(&["check", f, f, "--html", "/tmp/never-written.html"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("--html writes the timeline of one history file, got 2 files"),
        "{err}"
    );
}

#[test]
fn html_into_a_missing_folder_exits_2_naming_the_file() {
    let f = corpus().join("jepsen/etcd_002.log");
    let (code, _, err) = linsim(&[
        "check",
        f.to_str().unwrap(),
        "--html",
        "/nonexistent/t.html",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("error: cannot write /nonexistent/t.html: "),
        "{err}"
    );
}

fn knossos(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("histories/knossos")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn knossos_histories_with_the_model_as_knossos_builds_it() {
    // (cas-register 0): a history that starts by reading 0 is linearizable.
    let good = knossos("cas-register/good/mongodb-v0-ack-rollback-9.edn");
    let (code, out, err) = linsim(&[
        "check",
        "--format",
        "edn",
        "--model",
        "cas-register",
        "--init",
        "0",
        &good,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // (multi-register {:x 0 :y 0}).
    let multi = knossos("multi-register/good/multi-register.edn");
    let (code, out, err) = linsim(&["check", "--init", "{:x 0 :y 0}", &multi]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(": ok model=multi-register "), "{out}");
    let (code, out, _) = linsim(&["check", &multi]);
    assert_eq!(code, 1, "from nil it is not linearizable: {out}");
    // An --init that does not fit the model, or is not EDN: bad usage.
    let (code, _, err) = linsim(&["check", "--init", "0", &multi]);
    assert_eq!(code, 2);
    assert!(
        err.contains("the multi-register model takes a map"),
        "{err}"
    );
    let (code, _, err) = linsim(&["check", "--init", "{:x", &good]);
    assert_eq!(code, 2);
    assert!(err.contains("--init \"{:x\" is not EDN"), "{err}");
}

#[test]
fn without_a_model_the_functions_choose_it_or_the_error_names_file_and_line() {
    let dir = std::env::temp_dir().join(format!("linsim-cli-infer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mutex = dir.join("mutex.edn");
    std::fs::write(
        &mutex,
        "[{:process 0 :type :invoke :f :acquire}\n {:process 0 :type :ok :f :acquire}]",
    )
    .unwrap();
    let (code, out, _) = linsim(&["check", mutex.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(": ok model=mutex "), "{out}");
    let queue = dir.join("queue.edn");
    std::fs::write(
        &queue,
        "[{:process 0 :type :invoke :f :enqueue :value 1}\n {:process 0 :type :ok :f :enqueue :value 1}]",
    )
    .unwrap();
    let (code, _, err) = linsim(&["check", queue.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("queue.edn:1: queue operations fit two models: pass --model fifo-queue or --model unordered-queue"),
        "{err}"
    );
    // A model that cannot take an op names the op's line.
    let (code, _, err) = linsim(&["check", "--model", "mutex", queue.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("queue.edn:1: model mutex cannot check operation enqueue 1"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn histories_that_would_be_misread_exit_2_naming_file_and_line() {
    let dir = std::env::temp_dir().join(format!("linsim-cli-misread-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ok_without_ret = dir.join("a.json");
    std::fs::write(&ok_without_ret, r#"{"model":"cas-register","ops":[{"process":0,"f":"write","input":[1],"output":null,"call":1,"outcome":"ok"},{"process":1,"f":"read","input":[],"output":null,"call":100,"ret":101,"outcome":"ok"}]}"#).unwrap();
    let char_and_string = dir.join("b.edn");
    std::fs::write(&char_and_string, r#"[{:process 0, :type :invoke, :f :write, :value \a} {:process 0, :type :ok, :f :write, :value \a} {:process 1, :type :invoke, :f :read, :value nil} {:process 1, :type :ok, :f :read, :value "a"}]"#).unwrap();
    for (f, want) in [
        (
            &ok_without_ret,
            "a.json:1: op 0 (write 1, process 0): outcome ok but no \"ret\"",
        ),
        (
            &char_and_string,
            "b.edn:1:148: the history's values mix a character",
        ),
    ] {
        let (code, out, err) = linsim(&["check", f.to_str().unwrap()]);
        assert_eq!(code, 2, "{out}");
        assert!(err.contains(want), "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
