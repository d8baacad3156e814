//! Deliberately broken runs must fail, naming the cause.

mod support;

use linsim_sim::{run_seed, Bugs, Verdict};
use std::time::Duration;
use support::*;

#[test]
fn healthy_cluster_under_partitions_and_crashes_passes() {
    let sc = scenario(Kind::PartitionAndCrash);
    for seed in 0..3 {
        let r = run_seed(&sc, seed);
        assert_eq!(r.verdict, Verdict::Pass, "seed {seed}: {:?}", r.reason);
        assert!(
            r.stats.ops_ok > 100,
            "seed {seed}: only {} ops ok",
            r.stats.ops_ok
        );
        assert!(
            r.stats.faults > 5,
            "seed {seed}: only {} faults",
            r.stats.faults
        );
    }
}

#[test]
fn a_node_panic_fails_the_run_and_says_so() {
    let mut sc = scenario(Kind::None);
    sc.duration = Duration::from_secs(2);
    sc.bugs = Bugs {
        panic_at: Some((2, Duration::from_millis(500))),
        ..Bugs::default()
    };
    let r = run_seed(&sc, 7);
    assert_eq!(r.verdict, Verdict::Fail);
    let reason = r.reason.unwrap();
    assert!(
        reason.starts_with(
            "no-panic: the simulation panicked: test hook: server 2 panics on purpose"
        ),
        "{reason}"
    );
    assert!(r.stats.ops_ok > 0, "the history up to the panic is kept");
}

#[test]
fn a_corrupted_log_breaks_log_matching() {
    let mut sc = scenario(Kind::None);
    sc.duration = Duration::from_secs(2);
    sc.bugs = Bugs {
        corrupt_log: Some((3, 5)),
        ..Bugs::default()
    };
    let r = run_seed(&sc, 7);
    assert_eq!(r.verdict, Verdict::Fail);
    let v = r.violation.expect("an invariant violation");
    assert_eq!(v.invariant, "log-matching", "{v:?}");
    assert!(v.facts.contains("/5 has data hash"), "{}", v.facts);
    assert!(v.at_ns > 0 && v.at_ns < 2_000_000_000);
}

#[test]
fn stale_reads_from_a_partitioned_node_are_not_linearizable() {
    // Leaders answer reads locally without confirming leadership. A leader cut off in a
    // minority keeps answering after the majority elected another, and goes stale.
    let sc = stale_read_scenario();
    let failed = (0..10)
        .map(|seed| run_seed(&sc, seed))
        .find(|r| r.verdict == Verdict::Fail);
    let r = failed.expect("some seed exposes the stale reads");
    let reason = r.reason.unwrap();
    assert!(reason.starts_with("not linearizable: read"), "{reason}");
    assert!(
        r.violation.is_none(),
        "raft's own invariants hold: the bug is in the read path"
    );
}
