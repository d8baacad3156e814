//! How often the deliberate stale-read bug is caught: a measure of linsim's power.
//! `cargo run --release -p linsim-sim --example stale_rate`
#[path = "../tests/support/mod.rs"]
mod support;
use linsim_sim::{run_seed, Bugs, Verdict};
use support::*;

fn main() {
    let mut sc = scenario(Kind::Only("isolate-leader"));
    sc.bugs = Bugs {
        stale_reads: true,
        ..Bugs::default()
    };
    sc.check_quorum = false; // a deposed leader keeps believing it leads
    sc.home_node_clients = true; // clients spread over nodes, as in Jepsen
    let n = 20;
    let caught = (0..n)
        .filter(|&s| run_seed(&sc, s).verdict == Verdict::Fail)
        .count();
    println!("stale reads caught in {caught} of {n} seeds");
}
