//! Checks every porcupine reference history (parsing outside the timed part, best of 5)
//! and prints a line per file (verdict, search steps, the largest partition's steps,
//! the result's fingerprint, time), then
//! `porcupine-suite files=N expected=M total_check_ms=X max_partition_steps=S`, then the
//! unpartitioned kv runs (one state over all keys, 30 s wall-clock budget each, with
//! the peak resident memory of that one check). Two runs print the same lines but for the times.

use linsim_checker::formats::read_file;
use linsim_checker::reference::{cases, corpus_dir};
use linsim_checker::{check, check_named, CheckOptions, KvModel, Verdict};
use std::path::Path;
use std::time::Duration;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = corpus_dir(&root).unwrap_or_else(|e| panic!("{e}"));
    let cases = cases(&dir).unwrap_or_else(|e| panic!("{e}"));
    let opts = CheckOptions::default();
    let (mut total_ms, mut expected, mut etcd_ms, mut kv_ms) = (0.0, 0, 0.0, 0.0);
    let mut max_partition_steps = 0;
    for case in &cases {
        let (history, _) = read_file(&case.path, None).unwrap_or_else(|e| panic!("{e}"));
        let mut best = f64::MAX;
        let mut verdict = Verdict::Unknown;
        let (mut steps, mut widest, mut fingerprint) = (0, 0, 0);
        for _ in 0..5 {
            let r = check_named(case.model, &history, &opts).expect("model fits");
            best = best.min(r.check_ms);
            verdict = r.verdict;
            steps = r.steps();
            widest = r
                .partitions
                .iter()
                .map(|p| p.stats.iterations)
                .max()
                .unwrap_or(0);
            fingerprint = r.fingerprint();
        }
        max_partition_steps = max_partition_steps.max(widest);
        let want = if case.linearizable {
            Verdict::Ok
        } else {
            Verdict::Illegal
        };
        if verdict == want {
            expected += 1;
        }
        total_ms += best;
        if case.name.starts_with("kv/") {
            kv_ms += best;
        } else {
            etcd_ms += best;
        }
        println!(
            "{} verdict={} expected={} ops={} steps={steps} max_partition_steps={widest} fingerprint={fingerprint:016x} check_ms={:.3}",
            case.name,
            verdict,
            want,
            history.ops.len(),
            best
        );
    }
    println!("etcd files total_check_ms={etcd_ms:.1}; kv files total_check_ms={kv_ms:.1}");
    println!(
        "porcupine-suite files={} expected={} total_check_ms={:.1} max_partition_steps={max_partition_steps}",
        cases.len(),
        expected,
        total_ms
    );

    // One unpartitioned key-value state: the hard case for the search (decided by
    // splitting it into independent components inside the search, `Model::parts`).
    for (name, budget) in [
        ("kv/c10-ok.txt", 30),
        ("kv/c10-bad.txt", 30),
        ("kv/c50-ok.txt", 30),
        ("kv/c50-bad.txt", 30),
    ] {
        let (history, _) = read_file(&dir.join(name), None).unwrap_or_else(|e| panic!("{e}"));
        let opts = CheckOptions {
            max_steps: u64::MAX,
            max_bytes: 8 << 30,
            timeout: Some(Duration::from_secs(budget)),
            threads: 1,
        };
        reset_peak_rss();
        let r = check(&KvModel::unpartitioned(), &history, &opts).expect("model fits");
        let why = r.partitions[0]
            .gave_up
            .map(|g| format!(" gave_up={g:?}"))
            .unwrap_or_default();
        println!(
            "unpartitioned {name} verdict={}{why} steps={} bytes={} check_ms={:.1} budget_s={budget} peak_rss_mib={}",
            r.verdict,
            r.steps(),
            r.partitions[0].stats.bytes,
            r.check_ms,
            peak_rss_mib()
        );
    }
}

/// Resets the process's peak resident memory to its current size (Linux: writing 5 to
/// /proc/self/clear_refs), so the next `peak_rss_mib` is that of one check. Where that
/// is not possible the peak stays that of the whole process so far.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident memory since the last reset (Linux), in MiB.
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
