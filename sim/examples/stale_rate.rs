//! How often the deliberate stale-read bug is caught: a measure of linsim's power.
//! `cargo run --release -p linsim-sim --example stale_rate [-- SAVE_DIR]` also saves the
//! first two failing histories to SAVE_DIR (the regression corpus).
#[path = "../tests/support/mod.rs"]
mod support;
use linsim_checker::formats::write_json;
use linsim_sim::{run_seed, Verdict};
use support::*;

fn main() {
    let save = std::env::args().nth(1);
    let sc = stale_read_scenario();
    let n = 20;
    let mut caught = 0;
    for seed in 0..n {
        let r = run_seed(&sc, seed);
        if r.verdict != Verdict::Fail {
            continue;
        }
        caught += 1;
        if let Some(dir) = save.as_ref().filter(|_| caught <= 2) {
            let path = format!("{dir}/stale-reads-isolate-leader-seed{seed}.illegal.json");
            std::fs::write(&path, write_json(&r.history)).expect("write history");
            println!("saved {path}");
        }
    }
    println!("stale reads caught in {caught} of {n} seeds");
}
