//! `linsim bugs`: proves sweeps find every named bug of a system (linsim-kv's are the
//! bug zoo). For each bug, sweeps from
//! the first seed until the first failure and reports where it was found, by which
//! check, and the line that reproduces it. By default each bug runs with the workload,
//! nemesis and knobs that find it fastest (the tailored table); `--defaults` runs it
//! under the sweep a user runs instead: `--nemesis all`, every knob drawn, on each
//! workload (a bug that needs a capability the defaults leave off keeps only the knobs
//! that turn it on, and says so).

use crate::progress::Progress;
use crate::scenario_args::ScenarioArgs;
use crate::sweep_cmd::parse_range;
use clap::Args;
use linsim_sim::sweep::first_failure;
use linsim_sim::{BugSpec, SweepOptions, DEFAULT_SYSTEM};
use std::ops::Range;
use std::process::ExitCode;
use std::time::Instant;

/// The workloads a bug is measured on under the defaults (`linsim bugs --defaults`).
pub use linsim_workloads::ZOO_MEASURED_WORKLOADS as DEFAULT_WORKLOADS;

/// Arguments of `linsim bugs`.
#[derive(Args, Debug, Clone)]
pub struct BugsArgs {
    /// The system whose named bugs to hunt (see `linsim list`).
    #[arg(long, default_value = DEFAULT_SYSTEM)]
    pub system: String,
    /// Seeds to try for each bug, `A..B` (B excluded); each stops at its first failure.
    #[arg(long, default_value = "0..500", value_parser = parse_range)]
    pub seeds: Range<u64>,
    /// Only these bugs (repeatable; default: every named bug of the system).
    #[arg(long = "bug", value_name = "NAME")]
    pub bug: Vec<String>,
    /// Run each bug under the sweep a user runs (`--nemesis all`, knobs drawn) on each
    /// workload, instead of its tailored workload, nemesis and knobs.
    #[arg(long)]
    pub defaults: bool,
    /// Client slots for every hunt (1 to 100; default: each scenario's, drawn per seed).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub clients: Option<u64>,
    /// Seeds run at once (default: the number of cores).
    #[arg(long, value_parser = crate::scenario_args::parse_jobs)]
    pub jobs: Option<usize>,
    /// Print one JSON object per bug, then a summary object.
    #[arg(long)]
    pub json: bool,
}

/// What the hunt for one bug in one scenario found.
struct Hunt {
    workload: String,
    found_at: Option<u64>,
    tried: u64,
    check: Option<String>,
    repro: String,
}

/// What the hunts for one bug found: one per workload it runs on.
struct Found {
    bug: BugSpec,
    hunts: Vec<Hunt>,
    /// Off-by-default knobs kept under `--defaults`.
    kept: Vec<&'static str>,
    wall_s: f64,
}

impl Found {
    /// Seeds to the first failure: the most any of its workloads took (found only if
    /// every one found it).
    fn seeds(&self) -> Option<u64> {
        self.hunts
            .iter()
            .map(|h| h.found_at.map(|_| h.tried))
            .collect::<Option<Vec<u64>>>()
            .map(|v| v.into_iter().max().unwrap_or(0))
    }
}

/// The scenario flags that reach `bug` of `system`: its workload, nemesis, knobs and
/// the bug.
pub fn bug_scenario(system: &str, bug: &BugSpec) -> ScenarioArgs {
    ScenarioArgs {
        system: system.to_string(),
        workload: bug.workload.to_string(),
        nemesis: bug.nemesis.to_string(),
        knob: bug.knobs.iter().map(|k| k.to_string()).collect(),
        nodes: bug.nodes.unwrap_or(ScenarioArgs::defaults().nodes),
        voters: bug.voters,
        bug: vec![bug.name.to_string()],
        ..ScenarioArgs::defaults()
    }
}

/// The scenario flags of the sweep a user runs, on `workload`, with `bug` on (and the
/// knobs of a capability it needs that the defaults leave off).
pub fn default_scenario(system: &str, bug: &BugSpec, workload: &str) -> ScenarioArgs {
    ScenarioArgs {
        system: system.to_string(),
        workload: workload.to_string(),
        knob: bug
            .needs_off_by_default()
            .iter()
            .map(|k| k.to_string())
            .collect(),
        bug: vec![bug.name.to_string()],
        ..ScenarioArgs::defaults()
    }
}

fn hunt(args: ScenarioArgs, seeds: &Range<u64>, jobs: usize) -> Result<Hunt, String> {
    let sc = args.build()?;
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
    Ok(Hunt {
        workload: args.workload.clone(),
        found_at: first.as_ref().map(|f| f.0),
        tried,
        check: first.map(|f| f.1),
        repro: format!(
            "linsim run --seed {} {}",
            seeds.start + tried - 1,
            args.flags()
        ),
    })
}

fn hunt_bug(bug: BugSpec, args: &BugsArgs, jobs: usize) -> Result<Found, String> {
    let (defaults, seeds) = (args.defaults, &args.seeds);
    let started = Instant::now();
    let mut scenarios: Vec<ScenarioArgs> = if defaults {
        DEFAULT_WORKLOADS
            .iter()
            .map(|w| default_scenario(&args.system, &bug, w))
            .collect()
    } else {
        vec![bug_scenario(&args.system, &bug)]
    };
    for sc in &mut scenarios {
        sc.clients = args.clients.or(sc.clients);
    }
    let hunts = scenarios
        .into_iter()
        .map(|args| hunt(args, seeds, jobs))
        .collect::<Result<Vec<_>, _>>()?;
    let kept = if defaults {
        bug.needs_off_by_default()
    } else {
        Vec::new()
    };
    Ok(Found {
        bug,
        hunts,
        kept,
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
    let system = match crate::systems::by_name(&args.system) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let table = system.bugs();
    if table.is_empty() {
        eprintln!("error: system {} has no named bugs", system.name());
        return ExitCode::from(2);
    }
    let mut bugs: Vec<BugSpec> = Vec::new();
    if args.bug.is_empty() {
        bugs.clone_from(&table);
    }
    for name in &args.bug {
        match table.iter().find(|b| b.name == name) {
            Some(b) => bugs.push(*b),
            None => {
                let valid: Vec<&str> = table.iter().map(|b| b.name).collect();
                eprintln!(
                    "error: unknown bug {name:?} for system {}; valid bugs: {}",
                    system.name(),
                    valid.join(", ")
                );
                return ExitCode::from(2);
            }
        }
    }
    let jobs = args.jobs.unwrap_or(SweepOptions::seeds(0..1).jobs);
    let progress = Progress::new(bugs.len() as u64);
    let mut found = Vec::new();
    for (i, bug) in bugs.iter().enumerate() {
        match hunt_bug(*bug, &args, jobs) {
            Ok(f) => found.push(f),
            Err(e) => {
                eprintln!("error: bug {}: {e}", bug.name);
                return ExitCode::from(2);
            }
        }
        let missed = found.iter().filter(|f| f.seeds().is_none()).count();
        progress.update(i as u64 + 1, missed as u64);
    }
    progress.finish();
    let seeds_to_find: Vec<u64> = found.iter().filter_map(Found::seeds).collect();
    let (med, max) = (
        median(seeds_to_find.clone()),
        seeds_to_find.iter().copied().max().unwrap_or(0),
    );
    let all_found = seeds_to_find.len() == found.len();
    if args.json {
        print_json(&found, med, max, args.defaults);
    } else {
        print_table(&found, med, max, args.defaults);
    }
    if all_found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_json(found: &[Found], med: u64, max: u64, defaults: bool) {
    for f in found {
        let first = &f.hunts[0];
        let hunts: Vec<serde_json::Value> = f
            .hunts
            .iter()
            .map(|h| {
                serde_json::json!({
                    "workload": h.workload, "found_at_seed": h.found_at,
                    "seeds_tried": h.tried, "check": h.check,
                    "repro": h.found_at.map(|_| h.repro.clone()),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "bug": f.bug.name, "layer": f.bug.layer,
                "description": f.bug.description, "provenance": f.bug.provenance,
                "tailored": {
                    "workload": f.bug.workload, "nemesis": f.bug.nemesis,
                    "knobs": f.bug.knobs, "nodes": f.bug.nodes, "voters": f.bug.voters,
                },
                "found": f.seeds().is_some(), "seeds_to_first_failure": f.seeds(),
                "found_at_seed": first.found_at, "seeds_tried": first.tried,
                "check": first.check, "expected_check": f.bug.check,
                "repro": first.found_at.map(|_| first.repro.clone()),
                "defaults": defaults, "kept_knobs": f.kept,
                "workloads": hunts, "wall_s": f.wall_s,
            })
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "bugs": found.len(), "found": found.iter().filter(|f| f.seeds().is_some()).count(),
            "median_seeds": med, "max_seeds": max, "defaults": defaults,
        })
    );
}

fn print_table(found: &[Found], med: u64, max: u64, defaults: bool) {
    println!(
        "{:<30} {:<9} {:>6} {:>6} {:<22} repro",
        "bug", "workload", "found", "tried", "check that fired"
    );
    for f in found {
        for h in &f.hunts {
            let at = h.found_at.map_or("-".to_string(), |s| s.to_string());
            let check = h.check.clone().unwrap_or_else(|| "NOT FOUND".to_string());
            let repro = if h.found_at.is_some() {
                h.repro.as_str()
            } else {
                ""
            };
            println!(
                "{:<30} {:<9} {:>6} {:>6} {:<22} {repro}",
                f.bug.name, h.workload, at, h.tried, check
            );
        }
        if !f.kept.is_empty() {
            println!(
                "{:<30} (needs {}, which the default sweep never draws: kept)",
                "",
                f.kept.join(" ")
            );
        }
    }
    let how = if defaults {
        "under the defaults (--nemesis all, knobs drawn, each workload)"
    } else {
        "with each bug's tailored workload, nemesis and knobs"
    };
    println!(
        "found {} of {} bugs {how}; seeds to first failure: median {med}, max {max}",
        found.iter().filter(|f| f.seeds().is_some()).count(),
        found.len()
    );
}
