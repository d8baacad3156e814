//! Both storage modes side by side under the same seeded chaos: random interleavings
//! of Readies, append threads, apply threads and deliveries, with reordered, dropped
//! and duplicated messages and follower crashes. Each run checks durable-before-send
//! and apply-within-the-durable-log on every step (see `common::cluster`); both modes
//! must end with every node having applied the same commits. The two ordering bugs
//! must make those checks fire.

use super::common::cluster::{Cluster, Mode};
use crate::{RaftBug, RaftBugs};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const PROPOSALS: usize = 12;
const STEPS: usize = 600;

/// One chaotic run of 3 nodes with node 1 leading; returns each node's applied data.
fn chaos(seed: u64, mode: Mode, bugs: RaftBugs) -> Vec<Vec<String>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut c = Cluster::with_config(3, mode, |cfg| cfg.bugs = bugs);
    c.record = false;
    c.elect(1);
    let mut proposed = 0;
    for _ in 0..STEPS {
        let id = rng.random_range(1..=3);
        match rng.random_range(0..100) {
            0..12 if proposed < PROPOSALS => {
                c.node(1)
                    .propose(format!("v{proposed}").into_bytes())
                    .expect("node 1 leads throughout");
                proposed += 1;
            }
            0..30 => {
                c.handle_ready(id);
            }
            30..45 => {
                c.process_append(id);
            }
            45..55 => {
                c.process_apply(id);
            }
            55..88 if !c.queue.is_empty() => {
                // A random message in flight: reordered, sometimes lost or doubled.
                let i = rng.random_range(0..c.queue.len());
                let m = c.queue.remove(i).expect("index in range");
                match rng.random_range(0..100) {
                    0..6 => {}
                    6..10 => {
                        c.queue.push_back(m.clone());
                        c.deliver(m);
                    }
                    _ => c.deliver(m),
                }
            }
            88..97 => {
                // Only the leader's clock runs: heartbeats recover lost appends, and no
                // election disturbs the comparison.
                c.node(1).tick();
            }
            97..100 if id != 1 => c.crash_restart(id),
            _ => {}
        }
    }
    while proposed < PROPOSALS {
        c.node(1)
            .propose(format!("v{proposed}").into_bytes())
            .expect("node 1 leads throughout");
        proposed += 1;
    }
    for _ in 0..50 {
        c.node(1).tick();
        c.stabilize();
    }
    c.members.values().map(|m| m.applied_data()).collect()
}

fn expected() -> Vec<String> {
    (0..PROPOSALS).map(|i| format!("v{i}")).collect()
}

#[test]
fn both_modes_commit_the_same_entries_under_chaos() {
    for seed in 0..40 {
        let sync = chaos(seed, Mode::Sync, RaftBugs::NONE);
        let asynchronous = chaos(seed, Mode::Async, RaftBugs::NONE);
        assert_eq!(sync, asynchronous, "seed {seed}: the modes disagree");
        for (i, applied) in sync.iter().enumerate() {
            assert_eq!(*applied, expected(), "seed {seed}: node {} applied", i + 1);
        }
    }
}

/// The first seed in 0..40 whose chaotic run with `bug` panics, and the panic message.
fn first_failure(bug: RaftBug) -> Option<(u64, String)> {
    let bugs = RaftBugs::NONE.with(bug);
    (0..40).find_map(|seed| {
        let outcome = std::panic::catch_unwind(|| chaos(seed, Mode::Async, bugs));
        outcome.err().map(|e| {
            let text = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            (seed, text)
        })
    })
}

#[test]
fn the_chaos_run_catches_acks_released_before_their_append() {
    let (seed, why) = first_failure(RaftBug::AckBeforeAppend).expect("caught");
    assert!(why.contains("before persisting it"), "seed {seed}: {why}");
}

#[test]
fn the_chaos_run_catches_applies_ahead_of_the_durable_log() {
    let (seed, why) = first_failure(RaftBug::ApplyBeforeDurable).expect("caught");
    assert!(why.contains("beyond its durable log"), "seed {seed}: {why}");
}
