//! How the check scales with the length of a history: generated cas-register histories
//! (`linsim_checker::generate`, seed 1), each generated and checked in a fresh process
//! so that its peak resident memory is its own. One line per history:
//! `scale ops=N keys=K processes=P verdict=V check_ms=T peak_rss_mib=M`
//! (`check_ms`: the check alone; `peak_rss_mib`: the whole child process, history
//! included). Histories with `bad=I` have a stale read planted at op I or after.
//!
//! `cargo bench -p linsim-checker --bench scale` runs the default list;
//! `LINSIM_SCALE="ops:keys:processes[:bad_at[:info_rate]],..."` runs others.

use linsim_checker::generate::{generate, GenOptions};
use linsim_checker::{check, CheckOptions, RegisterModel};
use std::process::Command;

/// The default list: one key and 5 clients, growing, then an illegal history of a
/// million ops (a stale read 1,000 ops from the end), then several keys.
const DEFAULT: &str = "50000:1:5:-:0.01,100000:1:5:-:0.01,200000:1:5:-:0.01,\
1000000:1:5:-:0.01,1000000:1:5:999000:0.01,200000:1:5:-:0,1000000:1:5:-:0,\
1000000:10:20:-:0.01,1000000:10:20:999000:0.01";

const CHILD: &str = "LINSIM_SCALE_CHILD";

fn parse(spec: &str) -> GenOptions {
    let parts: Vec<&str> = spec.trim().split(':').collect();
    let num = |i: usize, default: u64| {
        parts.get(i).filter(|p| **p != "-").map_or(default, |p| {
            p.parse().unwrap_or_else(|e| panic!("{spec}: {e}"))
        })
    };
    GenOptions {
        ops: num(0, 1000) as usize,
        keys: num(1, 1) as usize,
        processes: num(2, 5) as usize,
        bad_at: parts
            .get(3)
            .filter(|p| **p != "-")
            .map(|p| p.parse().unwrap_or_else(|e| panic!("{spec}: {e}"))),
        info_rate: parts
            .get(4)
            .map_or(0.0, |p| p.parse().unwrap_or_else(|e| panic!("{spec}: {e}"))),
        seed: 1,
    }
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&parse(&spec));
        return;
    }
    let list = std::env::var("LINSIM_SCALE").unwrap_or_else(|_| DEFAULT.to_string());
    let exe = std::env::current_exe().expect("the bench knows its own path");
    for spec in list.split(',').filter(|s| !s.trim().is_empty()) {
        let out = Command::new(&exe)
            .env(CHILD, spec.trim())
            .output()
            .expect("the bench can run itself");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        if !out.status.success() {
            println!("scale spec={spec} failed: {}", out.status);
        }
    }
}

/// Generates one history, checks it, prints its line.
fn child(opts: &GenOptions) {
    let history = generate(opts);
    let r = check(
        &RegisterModel::cas_register(),
        &history,
        &CheckOptions::default(),
    )
    .expect("generated ops fit the model");
    let bad = opts.bad_at.map(|b| format!(" bad={b}")).unwrap_or_default();
    println!(
        "scale ops={} keys={} processes={} verdict={} check_ms={:.0} peak_rss_mib={}",
        opts.ops,
        opts.keys,
        opts.processes,
        r.verdict,
        r.check_ms,
        peak_rss_mib()
    );
    let max_bytes = r
        .partitions
        .iter()
        .map(|p| p.stats.bytes)
        .max()
        .unwrap_or(0);
    println!(
        "  info_rate={}{bad} steps={} cache_entries={} search_mib={} pruned={:?}",
        opts.info_rate,
        r.steps(),
        r.partitions
            .iter()
            .map(|p| p.stats.cache_entries)
            .sum::<u64>(),
        max_bytes >> 20,
        r.pruned(),
    );
}

/// The process's peak resident memory (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}
