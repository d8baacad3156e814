//! raft-rs under linsim: seeds of the named workloads under every nemesis pass and
//! replay bit for bit (raft-rs's election timeouts come from rand 0.8's `thread_rng`,
//! which the adapter pins and replaces with ticks drawn from the seed), and each
//! named bug (a misuse of raft-rs the adapter avoids) is found by the check its table
//! names.

use linsim_raft_rs::RaftRs;
use linsim_sim::{sweep, Scenario, SweepOptions, Verdict};
use linsim_workloads::registry::{nemesis_for, workload};
use std::sync::Arc;
use std::time::Duration;

fn scenario(workload_name: &str, nemesis: &str) -> Scenario {
    let system = Arc::new(RaftRs);
    let nemesis = nemesis_for(nemesis, &RaftRs).expect("raft-rs runs every nemesis");
    let mut sc = Scenario::new(
        system,
        workload(workload_name).expect("named workload"),
        nemesis,
    );
    sc.duration = Duration::from_secs(5);
    sc
}

fn options(seeds: std::ops::Range<u64>) -> SweepOptions {
    SweepOptions {
        // The machine is shared: two seeds at a time at most.
        jobs: 2,
        ..SweepOptions::seeds(seeds)
    }
}

#[test]
fn seeds_of_both_workloads_under_every_nemesis_pass_and_replay_exactly() {
    for name in ["kv", "register"] {
        let sc = scenario(name, "all");
        let opts = SweepOptions {
            check_determinism: true,
            ..options(0..6)
        };
        let mut seen = 0;
        sweep(&sc, &opts, |r| {
            seen += 1;
            let rep = &r.report;
            assert_eq!(
                r.mismatch, None,
                "{name} seed {}: not deterministic",
                rep.seed
            );
            assert_eq!(
                rep.verdict,
                Verdict::Pass,
                "{name} seed {}: {:?}",
                rep.seed,
                rep.reason
            );
            assert!(
                rep.stats.ops_ok > 0,
                "{name} seed {}: no operation done",
                rep.seed
            );
        });
        assert_eq!(seen, 6);
    }
}

#[test]
fn membership_changes_leave_the_cluster_live_and_the_removed_leader_steps_down() {
    let sc = scenario("kv", "membership");
    let mut stepped_down = 0;
    sweep(&sc, &options(0..6), |r| {
        let rep = &r.report;
        assert_eq!(
            rep.verdict,
            Verdict::Pass,
            "seed {}: {:?}",
            rep.seed,
            rep.reason
        );
        stepped_down += rep
            .probes
            .get("leader_applied_own_removal")
            .copied()
            .unwrap_or(0);
    });
    assert!(stepped_down > 0, "no seed removed its leader");
}

#[test]
fn a_leader_left_in_office_after_its_removal_panics_raft_rs() {
    let mut sc = scenario("kv", "membership");
    sc.add_bug("removed-leader-stays").expect("the bug exists");
    let mut checks: Vec<String> = Vec::new();
    sweep(&sc, &options(0..6), |r| {
        if r.report.verdict == Verdict::Fail {
            let v = r.report.violation.as_ref().expect("a failing invariant");
            checks.push(v.invariant.to_string());
        }
    });
    // A removed leader left in office either panics raft-rs at its next commit or,
    // if it commits nothing more, leads a cluster it is not a member of (liveness).
    assert!(
        checks.iter().any(|c| c == "no-panic"),
        "raft-rs did not panic: {checks:?}"
    );
    assert!(
        checks.iter().all(|c| c == "no-panic" || c == "liveness"),
        "{checks:?}"
    );
}

/// The shrunk run of `linsim shrink --seed 230 --system raft-rs --workload register
/// --nodes 3 --bug read-context-reused`: no faults at all, an overloaded leader (15 ms
/// fsyncs, one input per Ready) deposed while its backlog still holds acknowledgements.
fn overloaded_reads(bug: bool) -> Scenario {
    let mut sc = scenario("register", "all");
    sc.faults = linsim_sim::FaultSource::Schedule(Arc::new(Vec::new()));
    sc.nodes = 3;
    sc.voters = 3;
    sc.clients = Some(43);
    sc.client_ops = Some(2);
    sc.duration = Duration::from_secs(1);
    if bug {
        sc.add_bug("read-context-reused").expect("the bug exists");
    }
    sc
}

#[test]
fn a_read_context_asked_twice_lets_raft_rs_confirm_a_stale_read() {
    let failed = linsim_sim::run_seed(&overloaded_reads(true), 230);
    let v = failed.violation.expect("a stale read");
    assert_eq!(v.invariant, "read-index", "{}", v.facts);
    let fixed = linsim_sim::run_seed(&overloaded_reads(false), 230);
    assert_eq!(fixed.verdict, Verdict::Pass, "{:?}", fixed.reason);
}
