//! Memory stays flat over many runs (every node is killed before a run returns).
//! Slow: `cargo test -p linsim-sim --release -- --ignored memory`.

mod support;

use linsim_sim::run_seed;
use std::time::Duration;
use support::*;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("linux /proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS line")
}

#[test]
#[ignore = "slow: 2,000 runs"]
fn memory_does_not_grow_over_2000_runs() {
    let mut sc = scenario(Kind::PartitionAndCrash);
    sc.duration = Duration::from_millis(500);
    // The allocator's arenas warm up over the first few hundred runs (one fresh thread
    // per run); RSS is flat after that.
    for seed in 0..500 {
        run_seed(&sc, seed);
    }
    let warm = rss_kib();
    for seed in 500..2500 {
        run_seed(&sc, seed);
        if seed % 500 == 0 {
            eprintln!("rss after {seed} runs: {} KiB", rss_kib());
        }
    }
    let end = rss_kib();
    eprintln!("rss after 500 warm-up runs: {warm} KiB; after 2000 more: {end} KiB");
    assert!(
        end as f64 <= warm as f64 * 1.10,
        "RSS grew from {warm} KiB to {end} KiB"
    );
}
