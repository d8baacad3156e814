//! The same seed gives the same history and trace, bit for bit, under every fault
//! primitive; different seeds give different traces.

mod support;

use linsim_sim::{run_seed, Verdict};
use std::collections::BTreeSet;
use std::time::Duration;
use support::*;

#[test]
fn same_seed_same_hashes_under_every_fault_primitive() {
    let mut sc = scenario(Kind::Every);
    sc.duration = Duration::from_secs(4);
    let mut traces = BTreeSet::new();
    let mut kinds_seen = BTreeSet::new();
    for seed in 0..20 {
        let a = run_seed(&sc, seed);
        let b = run_seed(&sc, seed);
        assert_eq!(
            a.history_hash, b.history_hash,
            "seed {seed}: history differs between runs"
        );
        assert_eq!(
            a.trace_hash, b.trace_hash,
            "seed {seed}: trace differs between runs"
        );
        assert_eq!(a.faults, b.faults, "seed {seed}: fault schedule differs");
        assert_eq!(a.verdict, Verdict::Pass, "seed {seed}: {:?}", a.reason);
        assert!(
            traces.insert(a.trace_hash),
            "seed {seed} repeats another seed's trace"
        );
        for f in &a.faults {
            let json = serde_json::to_value(f).unwrap();
            kinds_seen.insert(json["fault"].as_str().unwrap().to_string());
        }
    }
    for kind in [
        "partition",
        "crash",
        "clog",
        "network",
        "duplicate",
        "pause",
        "drift",
        "tick-jump",
        "restart",
        "resume",
        "heal",
    ] {
        assert!(
            kinds_seen.contains(kind),
            "no seed exercised {kind}: {kinds_seen:?}"
        );
    }
}

#[test]
fn different_seeds_differ_without_faults_too() {
    let mut sc = scenario(Kind::None);
    sc.duration = Duration::from_secs(2);
    let a = run_seed(&sc, 1);
    let b = run_seed(&sc, 2);
    assert_ne!(a.trace_hash, b.trace_hash);
    assert_ne!(a.history_hash, b.history_hash);
}

#[test]
fn replaying_the_recorded_schedule_reproduces_the_run() {
    let mut sc = scenario(Kind::Every);
    sc.duration = Duration::from_secs(4);
    for seed in [3, 11, 19] {
        let original = run_seed(&sc, seed);
        assert!(!original.faults.is_empty(), "seed {seed} injected faults");
        let mut replay = sc.clone();
        replay.faults =
            linsim_sim::FaultSource::Schedule(std::sync::Arc::new(original.faults.clone()));
        let again = run_seed(&replay, seed);
        assert_eq!(
            again.faults, original.faults,
            "seed {seed}: schedule replays exactly"
        );
        assert_eq!(again.trace_hash, original.trace_hash, "seed {seed}: trace");
        assert_eq!(
            again.history_hash, original.history_hash,
            "seed {seed}: history"
        );
    }
}
