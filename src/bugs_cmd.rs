//! `linsim bugs`: proves a plain sweep finds every bug of the zoo. For each bug, sweeps
//! its workload and nemesis from the first seed until the first failure and reports
//! where it was found, by which check, and the line that reproduces it.

use crate::progress::Progress;
use crate::scenario_args::ScenarioArgs;
use crate::sweep_cmd::parse_range;
use clap::Args;
use linsim_sim::sweep::first_failure;
use linsim_sim::{SweepOptions, ZooBug, ZOO};
use std::ops::Range;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `linsim bugs`.
#[derive(Args, Debug, Clone)]
pub struct BugsArgs {
    /// Seeds to try for each bug, `A..B` (B excluded); each stops at its first failure.
    #[arg(long, default_value = "0..500", value_parser = parse_range)]
    pub seeds: Range<u64>,
    /// Only these bugs (repeatable; default: every bug of the zoo).
    #[arg(long = "bug", value_name = "NAME")]
    pub bug: Vec<String>,
    /// Seeds run at once (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Print one JSON object per bug, then a summary object.
    #[arg(long)]
    pub json: bool,
}

/// What the hunt for one bug found.
struct Found {
    bug: &'static ZooBug,
    found_at: Option<u64>,
    tried: u64,
    check: Option<String>,
    repro: String,
    wall_s: f64,
}

/// The scenario flags that reach `bug`: its workload, nemesis, knobs and the bug.
pub fn bug_scenario(bug: &ZooBug) -> ScenarioArgs {
    ScenarioArgs {
        workload: bug.workload.to_string(),
        nemesis: bug.nemesis.to_string(),
        knob: bug.knobs.iter().map(|k| k.to_string()).collect(),
        voters: bug.voters,
        bug: vec![bug.name.to_string()],
        ..ScenarioArgs::defaults()
    }
}

fn hunt(bug: &'static ZooBug, seeds: &Range<u64>, jobs: usize) -> Result<Found, String> {
    let args = bug_scenario(bug);
    let sc = args.build()?;
    let started = Instant::now();
    let first = first_failure(&sc, seeds.clone().collect(), jobs, |_, _| {}).map(|r| {
        let check = r
            .failures
            .first()
            .map_or_else(|| "unknown".to_string(), |f| f.check.clone());
        (r.seed, check)
    });
    let tried = match &first {
        Some((seed, _)) => seed - seeds.start + 1,
        None => seeds.end - seeds.start,
    };
    Ok(Found {
        bug,
        found_at: first.as_ref().map(|f| f.0),
        tried,
        check: first.map(|f| f.1),
        repro: format!(
            "linsim run --seed {} {}",
            seeds.start + tried - 1,
            args.flags()
        ),
        wall_s: started.elapsed().as_secs_f64(),
    })
}

fn median(mut v: Vec<u64>) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    v[v.len() / 2]
}

/// Runs `linsim bugs`; exit 0 if every bug was found, 1 if any was not, 2 bad usage.
pub fn run(args: BugsArgs) -> ExitCode {
    let bugs: Vec<&'static ZooBug> = if args.bug.is_empty() {
        ZOO.iter().collect()
    } else {
        match args
            .bug
            .iter()
            .map(|n| linsim_sim::zoo::bug(n))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    };
    let jobs = args.jobs.unwrap_or(SweepOptions::seeds(0..1).jobs);
    let progress = Progress::new(bugs.len() as u64);
    let mut found = Vec::new();
    for (i, bug) in bugs.iter().enumerate() {
        match hunt(bug, &args.seeds, jobs) {
            Ok(f) => found.push(f),
            Err(e) => {
                eprintln!("error: bug {}: {e}", bug.name);
                return ExitCode::from(2);
            }
        }
        let missed = found.iter().filter(|f| f.found_at.is_none()).count();
        progress.update(i as u64 + 1, missed as u64);
    }
    progress.finish();
    let seeds_to_find: Vec<u64> = found
        .iter()
        .filter(|f| f.found_at.is_some())
        .map(|f| f.tried)
        .collect();
    let (med, max) = (
        median(seeds_to_find.clone()),
        seeds_to_find.iter().copied().max().unwrap_or(0),
    );
    let all_found = seeds_to_find.len() == found.len();
    if args.json {
        for f in &found {
            println!(
                "{}",
                serde_json::json!({
                    "bug": f.bug.name, "layer": f.bug.layer, "found_at_seed": f.found_at,
                    "seeds_tried": f.tried, "check": f.check, "expected_check": f.bug.check,
                    "repro": f.found_at.map(|_| f.repro.clone()), "wall_s": f.wall_s,
                })
            );
        }
        println!(
            "{}",
            serde_json::json!({
                "bugs": found.len(), "found": seeds_to_find.len(),
                "median_seeds": med, "max_seeds": max,
            })
        );
    } else {
        println!(
            "{:<28} {:>6} {:>6} {:<22} repro",
            "bug", "found", "tried", "check that fired"
        );
        for f in &found {
            let at = f.found_at.map_or("-".to_string(), |s| s.to_string());
            let check = f.check.clone().unwrap_or_else(|| "NOT FOUND".to_string());
            let repro = if f.found_at.is_some() {
                f.repro.as_str()
            } else {
                ""
            };
            println!(
                "{:<28} {:>6} {:>6} {:<22} {repro}",
                f.bug.name, at, f.tried, check
            );
        }
        println!(
            "found {} of {} bugs; seeds to first failure: median {med}, max {max}",
            seeds_to_find.len(),
            found.len()
        );
    }
    if all_found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
