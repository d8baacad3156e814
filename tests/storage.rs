//! `--storage sync|async|node`: every mode passes, reports its mode, replays exactly,
//! and the async modes' ordering bugs are caught where they happen.

mod common;
use common::{linsim, run_json};

#[test]
fn both_storage_modes_pass_and_report_their_mode() {
    for mode in ["sync", "async"] {
        let (code, v) = run_json(&["--seed", "3", "--workload", "register", "--storage", mode]);
        assert_eq!(code, 0, "{mode}: {v}");
        assert_eq!(v["knobs"]["storage"], mode, "{v}");
        assert!(v["repro"].is_null() || v["repro"].as_str().unwrap().contains(mode));
    }
}

#[test]
fn an_async_run_replays_to_the_same_hashes() {
    let args = ["--seed", "5", "--workload", "kv", "--storage", "async"];
    let (_, a) = run_json(&args);
    let (_, b) = run_json(&args);
    assert_eq!(a["knobs"]["storage"], "async");
    assert_eq!(a["history_hash"], b["history_hash"]);
    assert_eq!(a["trace_hash"], b["trace_hash"]);
    // The mode changes the run: the same seed in sync mode is another trace.
    let (_, s) = run_json(&["--seed", "5", "--workload", "kv", "--storage", "sync"]);
    assert_ne!(a["trace_hash"], s["trace_hash"]);
}

#[test]
fn an_async_sweep_passes_and_storage_all_draws_both_modes() {
    let (code, out, err) = linsim(&[
        "sweep",
        "--seeds",
        "0..8",
        "--workload",
        "register",
        "--storage",
        "async",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    // `all` (the default) draws the mode from the seed: seed 0 draws sync, 2 async.
    let short = ["--nemesis", "none", "--duration", "1s", "--storage", "all"];
    let (_, v) = run_json(&[&["--seed", "0"][..], &short].concat());
    let (_, w) = run_json(&[&["--seed", "2"][..], &short].concat());
    assert_eq!(v["knobs"]["storage"], "sync", "{v}");
    assert_eq!(w["knobs"]["storage"], "async", "{w}");
    let (code, _, err) = linsim(&["run", "--seed", "1", "--storage", "disk"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn apply_before_durable_is_caught_as_the_entry_is_applied() {
    let (code, v) = run_json(&[
        "--seed",
        "0",
        "--workload",
        "register",
        "--nemesis",
        "none",
        "--storage",
        "async",
        "--bug",
        "apply-before-durable",
    ]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["failures"][0]["check"], "durable-before-apply", "{v}");
}

#[test]
fn the_node_api_mode_passes_replays_and_catches_the_ordering_bugs() {
    let (code, out, err) = linsim(&[
        "sweep",
        "--seeds",
        "0..6",
        "--workload",
        "kv",
        "--storage",
        "node",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let args = ["--seed", "4", "--workload", "register", "--storage", "node"];
    let (code, a) = run_json(&args);
    let (_, b) = run_json(&args);
    assert_eq!(code, 0, "{a}");
    assert_eq!(a["knobs"]["storage"], "node");
    assert_eq!(a["history_hash"], b["history_hash"]);
    assert_eq!(a["trace_hash"], b["trace_hash"]);
    // Raft in its own task schedules differently from a RawNode on the loop.
    let (_, r) = run_json(&[
        "--seed",
        "4",
        "--workload",
        "register",
        "--storage",
        "async",
    ]);
    assert_ne!(a["trace_hash"], r["trace_hash"]);
    for (bug, check) in [
        ("ack-before-append", "durable-before-send"),
        ("apply-before-durable", "durable-before-apply"),
    ] {
        let (code, v) = run_json(&[
            "--seed",
            "0",
            "--workload",
            "register",
            "--nemesis",
            "crash,partition",
            "--storage",
            "node",
            "--bug",
            bug,
        ]);
        assert_eq!(code, 1, "{bug}: {v}");
        assert_eq!(v["failures"][0]["check"], check, "{bug}: {v}");
    }
}
