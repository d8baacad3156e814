//! `linsim hunt`: sweeps seeds until the first failure, then prints it with its
//! artifacts and repro line.

use crate::artifacts;
use crate::progress::Progress;
use crate::run_cmd::text_line;
use crate::scenario_args::ScenarioArgs;
use crate::sweep_cmd::parse_range;
use clap::Args;
use linsim_sim::sweep::first_failure;
use linsim_sim::SweepOptions;
use std::ops::Range;
use std::process::ExitCode;

/// Arguments of `linsim hunt`.
#[derive(Args, Debug, Clone)]
pub struct HuntArgs {
    /// Seeds to search, `A..B` (B excluded), in order.
    #[arg(long, default_value = "0..100000", value_parser = parse_range)]
    pub seeds: Range<u64>,
    /// Seeds run at once (default: the number of cores).
    #[arg(long, value_parser = crate::scenario_args::parse_jobs)]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub scenario: ScenarioArgs,
}

/// Runs `linsim hunt`; exit 1 when a failure is found, 0 when none in the range, 2 bad usage.
pub fn run(args: HuntArgs) -> ExitCode {
    let sc = match args.scenario.build() {
        Ok(sc) => sc,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let seeds: Vec<u64> = args.seeds.clone().collect();
    let jobs = args.jobs.unwrap_or(SweepOptions::seeds(0..1).jobs);
    let progress = Progress::new(seeds.len() as u64);
    let mut done = 0u64;
    let first = first_failure(&sc, seeds, jobs, |_, found| {
        done += 1;
        progress.update(done, found as u64);
    });
    progress.finish();
    let Some(report) = first else {
        println!(
            "no failure in seeds {}..{} ({done} run)",
            args.seeds.start, args.seeds.end
        );
        return ExitCode::SUCCESS;
    };
    let repro = format!(
        "linsim run --seed {} {}",
        report.seed,
        args.scenario.flags()
    );
    let dir = artifacts::run_dir(&args.scenario, report.seed, None);
    let (dir, report) = artifacts::write_failure(&sc, &args.scenario.name(), dir, &report, &repro);
    println!("{}", text_line(&report));
    println!("knobs: {}", report.knobs.describe_for(sc.system.knobs()));
    for f in &report.failures {
        println!("failed: {}: {}", f.check, f.facts);
    }
    println!("artifacts: {}", dir.display());
    println!("repro: {repro}");
    ExitCode::from(1)
}
