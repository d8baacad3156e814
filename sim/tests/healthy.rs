//! A healthy cluster passes under faults. (Deliberately broken runs are the bug zoo's:
//! see the root crate's tests/zoo.rs, which goes through the CLI.)

mod support;

use linsim_sim::{run_seed, Verdict};
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
