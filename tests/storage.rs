//! `--storage sync|async|node`: every mode passes, reports its mode, replays exactly,
//! and the async modes' ordering bugs are caught where they happen.

mod common;
use common::{linsim, run_json};

#[test]
fn every_storage_mode_passes_and_reports_its_mode() {
    for mode in ["sync", "async", "node"] {
        let (code, v) = run_json(&["--seed", "3", "--workload", "register", "--storage", mode]);
        assert_eq!(code, 0, "{mode}: {v}");
        assert_eq!(v["knobs"]["storage"], mode, "{v}");
        assert!(v["repro"].is_null() || v["repro"].as_str().unwrap().contains(mode));
    }
}

#[test]
fn async_runs_replay_to_the_same_hashes() {
    // Each mode changes the run: the same seed in the other mode is another trace
    // (raft in its own task schedules differently from a RawNode on the loop).
    for (mode, other, seed, workload) in [
        ("async", "sync", "5", "kv"),
        ("node", "async", "4", "register"),
    ] {
        let args = ["--seed", seed, "--workload", workload, "--storage", mode];
        let (code, a) = run_json(&args);
        let (_, b) = run_json(&args);
        assert_eq!(code, 0, "{mode}: {a}");
        assert_eq!(a["knobs"]["storage"], mode);
        assert_eq!(a["history_hash"], b["history_hash"], "{mode}");
        assert_eq!(a["trace_hash"], b["trace_hash"], "{mode}");
        let (_, o) = run_json(&["--seed", seed, "--workload", workload, "--storage", other]);
        assert_ne!(a["trace_hash"], o["trace_hash"], "{mode} against {other}");
    }
}

#[test]
fn async_sweeps_pass_and_storage_all_draws_sync_and_async() {
    for (mode, seeds, workload) in [("async", "0..8", "register"), ("node", "0..6", "kv")] {
        let (code, out, err) = linsim(&[
            "sweep",
            "--seeds",
            seeds,
            "--workload",
            workload,
            "--storage",
            mode,
        ]);
        assert_eq!(code, 0, "{mode}: {out}\n{err}");
    }
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
fn the_node_api_mode_catches_the_ordering_bugs() {
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
