//! Sweep speed against madsim's ceiling, measured side by side in one process: a
//! 5-node, 5-client, 10 s virtual run of a small kv workload under every fault
//! primitive of the test nemesis (partition, crash, clog, loss, duplicate, pause,
//! skew), for seeds 0..100 (or `LINSIM_SEEDS=A..B`), one seed at a time on one core;
//! after each, a bare madsim ceiling run (`bare`) of that seed's shape (nodes,
//! messages delivered, virtual duration). Interleaving the two keeps a change in the
//! machine's load (it is shared) from landing on one side only. Prints the sweep's
//! figures, then `ceiling msgs_per_sec=N` and `sweep msgs_per_sec=M ratio=M/N`.

#[path = "../tests/support/mod.rs"]
mod support;

mod bare;

use linsim_sim::{run_seed, Verdict};
use std::time::Instant;
use support::*;

fn main() {
    let range = std::env::var("LINSIM_SEEDS").unwrap_or_else(|_| "0..100".into());
    let (a, b) = range.split_once("..").expect("LINSIM_SEEDS=A..B");
    let (a, b): (u64, u64) = (a.parse().expect("A"), b.parse().expect("B"));
    let sc = scenario(Kind::Every);
    let (mut fail, mut unknown, mut messages, mut sim_ms, mut check_ms, mut ops, mut virt) =
        (0, 0, 0, 0, 0, 0, 0);
    let (mut wall, mut ceiling_messages, mut ceiling_wall) = (0.0, 0, 0.0);
    for seed in a..b {
        let start = Instant::now();
        let r = run_seed(&sc, seed);
        wall += start.elapsed().as_secs_f64();
        let shape = bare::Shape {
            nodes: sc.nodes,
            messages: r.stats.messages,
            virtual_ms: r.stats.virtual_ms,
            ..bare::SEED_SHAPE
        };
        let start = Instant::now();
        ceiling_messages += bare::run_once(shape, seed);
        ceiling_wall += start.elapsed().as_secs_f64();
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
        virt += r.stats.virtual_ms;
        ops += r.stats.ops_ok + r.stats.ops_info;
    }
    let n = (b - a).max(1);
    let sweep_rate = messages as f64 / wall;
    println!(
        "seeds={n} fail={fail} unknown={unknown} wall_s={wall:.2} ms_per_seed={:.1} sim_ms_per_seed={:.1} check_ms_per_seed={:.1} ops_per_seed={} messages_per_seed={} virtual_ms_per_seed={}",
        wall * 1e3 / n as f64,
        sim_ms as f64 / n as f64,
        check_ms as f64 / n as f64,
        ops / n,
        messages / n,
        virt / n,
    );
    let ceiling_rate = ceiling_messages as f64 / ceiling_wall;
    println!(
        "ceiling msgs_per_sec={ceiling_rate:.0} messages_per_run={} wall_s={ceiling_wall:.2}",
        ceiling_messages / n
    );
    println!(
        "sweep msgs_per_sec={sweep_rate:.0} ratio={:.3}",
        sweep_rate / ceiling_rate
    );
}
