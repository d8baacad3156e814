//! `linsim sweep`: many seeds in parallel, each on a fresh thread.

use crate::artifacts;
use crate::progress::Progress;
use crate::run_cmd::json_line;
use crate::scenario_args::ScenarioArgs;
use clap::Args;
use linsim_sim::{sweep, SeedResult, SweepOptions, SweepSummary, Verdict};
use std::ops::Range;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `linsim sweep`.
#[derive(Args, Debug, Clone)]
pub struct SweepArgs {
    /// Seeds to run, `A..B` (B excluded).
    #[arg(long, default_value = "0..100", value_parser = parse_range)]
    pub seeds: Range<u64>,
    /// Seeds run at once (default: the number of cores).
    #[arg(long, value_parser = crate::scenario_args::parse_jobs)]
    pub jobs: Option<usize>,
    /// Run only shard K of N (1-based): every N-th seed starting at the K-th.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Print one JSON object per seed, then a summary object.
    #[arg(long)]
    pub json: bool,
    /// Run every seed twice and fail on any history or trace hash mismatch.
    #[arg(long)]
    pub check_determinism: bool,
    /// Stop at the first failing seed.
    #[arg(long)]
    pub fail_fast: bool,
}

impl SweepArgs {
    /// The embedded default: seeds 0..100, workload kv, nemesis all.
    pub fn default_sweep() -> SweepArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            args: SweepArgs,
        }
        Wrapper::parse_from(["linsim"]).args
    }
}

/// Parses a seed range `A..B`.
pub fn parse_range(s: &str) -> Result<Range<u64>, String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("{s:?} is not a range A..B"))?;
    let a: u64 = a
        .parse()
        .map_err(|_| format!("{s:?}: {a:?} is not a seed"))?;
    let b: u64 = b
        .parse()
        .map_err(|_| format!("{s:?}: {b:?} is not a seed"))?;
    if a >= b {
        return Err(format!("{s:?} is empty: A must be less than B"));
    }
    Ok(a..b)
}

fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("{s:?} is not K/N"))?;
    let k: u64 = k.parse().map_err(|_| format!("{s:?}: K is not a number"))?;
    let n: u64 = n.parse().map_err(|_| format!("{s:?}: N is not a number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("{s:?}: need 1 <= K <= N"));
    }
    Ok((k, n))
}

/// The seeds of a range that belong to shard K/N: every N-th, starting at the K-th.
pub fn shard_seeds(seeds: Range<u64>, shard: Option<(u64, u64)>) -> Vec<u64> {
    match shard {
        None => seeds.collect(),
        Some((k, n)) => seeds
            .enumerate()
            .filter(|(i, _)| *i as u64 % n == k - 1)
            .map(|(_, s)| s)
            .collect(),
    }
}

/// Runs `linsim sweep`; exit 0 all pass, 1 any failure, 2 bad usage, 3 unknown only.
pub fn run(args: SweepArgs) -> ExitCode {
    let sc = match args.scenario.build() {
        Ok(sc) => sc,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let seeds = shard_seeds(args.seeds.clone(), args.shard);
    if seeds.is_empty() {
        // An over-sharded CI matrix (more shards than seeds) is not an error: this
        // shard has nothing to do.
        let (k, n) = args.shard.unwrap_or((1, 1));
        let note = format!(
            "shard {k}/{n} of seeds {}..{} holds no seeds: nothing to run",
            args.seeds.start, args.seeds.end
        );
        if args.json {
            // Still a summary, so that `linsim merge` takes every shard's output.
            eprintln!("{note}");
            println!("{}", SweepSummary::default().to_json(&*sc.system));
        } else {
            println!("{note}");
        }
        return ExitCode::SUCCESS;
    }
    let opts = SweepOptions {
        jobs: args.jobs.unwrap_or(SweepOptions::seeds(0..1).jobs),
        seeds,
        check_determinism: args.check_determinism,
        stop_at_first_failure: args.fail_fast,
    };
    let started = Instant::now();
    let progress = Progress::new(opts.seeds.len() as u64);
    let mut summary = SweepSummary::default();
    let mut failures: Vec<(u64, String)> = Vec::new();
    let repro = |seed: u64| format!("linsim run --seed {seed} {}", args.scenario.flags());
    sweep(&sc, &opts, |SeedResult { report, .. }| {
        summary.add(&report);
        let dir = (report.verdict == Verdict::Fail).then(|| {
            let reason = report.reason.clone().unwrap_or_default();
            let (dir, _) = artifacts::write_failure(
                &sc,
                &args.scenario.name(),
                artifacts::run_dir(&args.scenario, report.seed, None),
                &report,
                &repro(report.seed),
            );
            failures.push((
                report.seed,
                format!("{reason}\n    artifacts: {}", dir.display()),
            ));
            dir
        });
        if args.json {
            let mut line = json_line(&report, &repro(report.seed));
            if let Some(dir) = dir {
                line["artifacts"] = serde_json::json!(dir.display().to_string());
            }
            println!("{line}");
        }
        progress.update(summary.seeds, summary.fail);
    });
    progress.finish();
    let wall = started.elapsed().as_secs_f64();
    let seeds_per_sec = summary.seeds as f64 / wall;
    if args.json {
        let mut json = summary.to_json(&*sc.system);
        json["seeds_per_sec"] = serde_json::json!(seeds_per_sec);
        json["wall_s"] = serde_json::json!(wall);
        println!("{json}");
    } else {
        print_summary(&summary, &*sc.system, Some((seeds_per_sec, wall)));
        failures.sort();
        for (seed, reason) in &failures {
            println!("FAIL seed {seed}: {reason}\n    repro: {}", repro(*seed));
        }
    }
    if summary.fail > 0 {
        ExitCode::from(1)
    } else if summary.unknown > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

/// The text summary: counts, crash bite, and probe coverage.
/// `speed` is (seeds per second, wall seconds), unknown for merged shards.
pub fn print_summary(s: &SweepSummary, system: &dyn linsim_sim::System, speed: Option<(f64, f64)>) {
    println!(
        "{:>6} {:>6} {:>6} {:>8} {:>10} {:>12} {:>8} {:>8}",
        "seeds", "pass", "fail", "unknown", "ops", "messages", "seeds/s", "wall"
    );
    let (rate, wall) = match speed {
        Some((rate, wall)) => (format!("{rate:.2}"), format!("{wall:.1}s")),
        None => ("-".to_string(), "-".to_string()),
    };
    println!(
        "{:>6} {:>6} {:>6} {:>8} {:>10} {:>12} {:>8} {:>8}",
        s.seeds, s.pass, s.fail, s.unknown, s.ops, s.messages, rate, wall
    );
    println!(
        "crashes {}: unsynced writes lost {} ({} entries) in {} of {} seeds, torn records truncated {}; ops with unknown outcome {}",
        s.crashes,
        s.unsynced_writes_lost,
        s.entries_lost,
        s.seeds_losing_writes,
        s.seeds,
        s.torn_records_truncated,
        s.ops_info
    );
    println!(
        "reads: log {}, read-index {}, lease {}; snapshots sent {}, installed {} (in {} of {} seeds); compactions {}",
        s.reads_log,
        s.reads_read_index,
        s.reads_lease,
        s.snapshots_sent,
        s.snapshots_installed,
        s.seeds_installing_snapshots,
        s.seeds,
        s.compactions
    );
    if s.conf_changes_proposed > 0 {
        let b = &s.conf_change_seeds;
        println!(
            "membership: {} changes proposed, {} applied, joint entered {} left {} open at the end {}; seeds applying 0 / 1 / 2-4 / 5+ changes: {} / {} / {} / {}",
            s.conf_changes_proposed,
            s.conf_changes_applied,
            s.joint_entered,
            s.joint_left,
            s.joints_open_at_end,
            b[0],
            b[1],
            b[2],
            b[3]
        );
    }
    println!(
        "clients: {} processes retired after unknown outcomes; longest a slot went without an op completing {} ms (longest client timeout {} ms); checker left out {} unknown reads and {} unseen writes",
        s.processes_retired,
        s.max_slot_idle_ms,
        s.max_client_timeout_ms,
        s.pruned.unknown_reads,
        s.pruned.unseen_writes
    );
    let cov = s.probe_coverage(system);
    let hit = cov.iter().filter(|c| c.seeds_hit > 0).count();
    println!("probes hit: {hit} of {}", cov.len());
    let never: Vec<&str> = cov
        .iter()
        .filter(|c| c.seeds_hit == 0)
        .map(|c| c.name)
        .collect();
    if !never.is_empty() {
        println!("probes never hit: {}", never.join(", "));
    }
    let rare: Vec<String> = cov
        .iter()
        .filter(|c| c.guard && c.seeds_hit > 0 && c.share < 0.01)
        .map(|c| format!("{} ({:.2}%)", c.name, c.share * 100.0))
        .collect();
    if !rare.is_empty() {
        println!(
            "safety-guard probes hit in under 1% of seeds: {}",
            rare.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_take_every_nth_seed_starting_at_the_kth() {
        assert_eq!(shard_seeds(0..10, Some((1, 3))), vec![0, 3, 6, 9]);
        assert_eq!(shard_seeds(0..10, Some((3, 3))), vec![2, 5, 8]);
        assert_eq!(shard_seeds(5..8, None), vec![5, 6, 7]);
        let all: Vec<u64> = (1..=4)
            .flat_map(|k| shard_seeds(0..17, Some((k, 4))))
            .collect();
        assert_eq!(all.len(), 17, "shards partition the range");
        assert!(parse_shard("0/3").is_err());
        assert!(parse_shard("4/3").is_err());
        assert!(parse_range("5..5").is_err());
    }
}
