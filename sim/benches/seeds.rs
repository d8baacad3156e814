//! Issue-4 acceptance figures: a 5-node, 5-client, 10 s virtual run with random
//! partitions and crash-restarts, for seeds 0..100 (or `LINSIM_SEEDS=A..B`), one seed at
//! a time on one core. Prints failures, wall time per seed, and delivered raft messages
//! per wall second (madsim's own ceiling here is 0.93 M/s, per DESIGN.md).

#[path = "../tests/support/mod.rs"]
mod support;

use linsim_sim::{run_seed, Verdict};
use std::time::Instant;
use support::*;

fn main() {
    let range = std::env::var("LINSIM_SEEDS").unwrap_or_else(|_| "0..100".into());
    let (a, b) = range.split_once("..").expect("LINSIM_SEEDS=A..B");
    let (a, b): (u64, u64) = (a.parse().expect("A"), b.parse().expect("B"));
    let sc = scenario(Kind::PartitionAndCrash);
    let start = Instant::now();
    let (mut fail, mut unknown, mut messages, mut sim_ms, mut check_ms, mut ops) =
        (0, 0, 0, 0, 0, 0);
    for seed in a..b {
        let r = run_seed(&sc, seed);
        match r.verdict {
            Verdict::Pass => {}
            Verdict::Fail => {
                fail += 1;
                println!("seed {seed}: FAIL {}", r.reason.unwrap_or_default());
            }
            Verdict::Unknown => unknown += 1,
        }
        messages += r.stats.messages;
        sim_ms += r.stats.sim_wall_ms;
        check_ms += r.stats.check_wall_ms;
        ops += r.stats.ops_ok + r.stats.ops_info;
    }
    let n = b - a;
    let wall = start.elapsed().as_secs_f64();
    println!(
        "seeds={n} fail={fail} unknown={unknown} wall_s={wall:.2} ms_per_seed={:.1} sim_ms_per_seed={:.1} check_ms_per_seed={:.1} ops_per_seed={} messages_per_seed={} messages_per_wall_sec={:.0} messages_per_sim_sec={:.0}",
        wall * 1e3 / n as f64,
        sim_ms as f64 / n as f64,
        check_ms as f64 / n as f64,
        ops / n,
        messages / n,
        messages as f64 / wall,
        messages as f64 / (sim_ms as f64 / 1e3),
    );
}
