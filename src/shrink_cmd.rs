//! `linsim shrink`: turns a failing seed into the smallest run that still fails with
//! the same check, and writes it as a new artifact folder with its repro line.

use crate::artifacts;
use crate::progress::Progress;
use crate::run_cmd::{load_schedule, RunArgs};
use crate::scenario_args::ScenarioArgs;
use clap::{Args, Parser};
use linsim_checker::formats::{write_edn, write_json};
use linsim_sim::shrink::{shrink, ShrinkOptions};
use linsim_sim::{run_seed_with, FaultSource, RunOptions, SweepOptions};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// Arguments of `linsim shrink`: every option of `run` (so a repro line works with
/// `run` replaced by `shrink`), or a failing seed's artifact folder.
#[derive(Args, Debug)]
pub struct ShrinkArgs {
    /// A failing seed's artifact folder (its result.json holds the repro line).
    pub dir: Option<PathBuf>,
    /// The seed (with the run options), unless DIR is given.
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Replay this fault schedule (a run's schedule.json) instead of the nemesis.
    #[arg(long)]
    pub schedule: Option<PathBuf>,
    /// Where to write the shrunk run's artifacts (default: `<seed>-shrunk` beside the
    /// seed's usual artifact folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Runs to try at most.
    #[arg(long, default_value_t = 600)]
    pub budget: usize,
    /// Candidate runs at once (default: the number of cores).
    #[arg(long, value_parser = crate::scenario_args::parse_jobs)]
    pub jobs: Option<usize>,
    /// End with a JSON summary object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Parser)]
struct ReproLine {
    #[command(flatten)]
    run: RunArgs,
}

/// The run options of an artifact folder, from its result.json's repro line.
fn from_dir(dir: &Path) -> Result<RunArgs, String> {
    let path = dir.join("result.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}:0: cannot read: {e}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}:{}: invalid JSON: {e}", path.display(), e.line()))?;
    let repro = json["repro"]
        .as_str()
        .ok_or_else(|| format!("{}:0: no \"repro\" line", path.display()))?;
    let words: Vec<&str> = repro.split_whitespace().collect();
    if words.get(..2) != Some(&["linsim", "run"][..]) {
        return Err(format!(
            "{}:0: repro {repro:?} is not a `linsim run` line",
            path.display()
        ));
    }
    ReproLine::try_parse_from(std::iter::once("linsim-run").chain(words[2..].iter().copied()))
        .map(|r| r.run)
        .map_err(|e| format!("{}:0: repro line: {e}", path.display()))
}

fn fmt_secs(d: std::time::Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Runs `linsim shrink`; exit 1 when a shrunk failure was written, 0 if the seed
/// passes, 2 bad usage.
pub fn run(args: ShrinkArgs) -> ExitCode {
    let (seed, scenario_args, schedule) = match (&args.dir, args.seed) {
        (Some(dir), _) => match from_dir(dir) {
            Ok(r) => (r.seed, r.scenario, r.schedule),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        (None, Some(seed)) => (seed, args.scenario.clone(), args.schedule.clone()),
        (None, None) => {
            eprintln!("error: give --seed N (with the run's options) or an artifact folder");
            return ExitCode::from(2);
        }
    };
    let mut sc = match scenario_args.build() {
        Ok(sc) => sc,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &schedule {
        match load_schedule(path, &sc) {
            Ok(events) => sc.faults = FaultSource::Schedule(Arc::new(events)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let opts = ShrinkOptions {
        budget: args.budget.max(3),
        jobs: args.jobs.unwrap_or(SweepOptions::seeds(0..1).jobs),
    };
    let started = Instant::now();
    let progress = Progress::new(opts.budget as u64);
    let result = shrink(&sc, seed, &opts, |runs| progress.update(runs as u64, 0));
    progress.finish();
    let shrunk = match result {
        Ok(s) => s,
        Err(linsim_sim::shrink::ShrinkError::Passes(_)) => {
            println!("seed {seed} passes: nothing to shrink");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let shrunk_args = ScenarioArgs {
        nodes: shrunk.after.nodes,
        voters: scenario_args.voters.map(|v| v.min(shrunk.after.nodes)),
        clients: Some(shrunk.after.clients),
        duration: shrunk.after.duration,
        client_ops: shrunk.after.client_ops,
        ..scenario_args.clone()
    };
    let full = run_seed_with(
        &shrunk.after.scenario(&sc),
        seed,
        &RunOptions { capture_log: true },
    );
    // The shrunk run's own folder, named by its flags and the schedule it recorded (as
    // its schedule.json holds it): replaying its repro line writes the same files
    // there, and the original seed's folder stays.
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| artifacts::run_dir(&shrunk_args, seed, Some(&full.faults)));
    let repro = format!(
        "linsim run --seed {seed} {} --schedule {}",
        shrunk_args.flags(),
        dir.join("schedule.json").display()
    );
    if let Err(e) = artifacts::write(&dir, &full, shrunk.after.nodes, &repro) {
        eprintln!("error: cannot write artifacts to {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    if let Some(h) = &shrunk.minimal_history {
        let written = std::fs::write(dir.join("history.min.json"), write_json(h))
            .and_then(|_| std::fs::write(dir.join("history.min.edn"), write_edn(h)));
        if let Err(e) = written {
            eprintln!(
                "error: cannot write the minimal history to {}: {e}",
                dir.display()
            );
            return ExitCode::from(2);
        }
    }
    let ops = |r: &linsim_sim::RunReport| r.stats.ops_ok + r.stats.ops_fail + r.stats.ops_info;
    let same_check =
        linsim_sim::shrink::first_check(&full).as_deref() == Some(shrunk.check.as_str());
    let wall = started.elapsed().as_secs_f64();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "check": shrunk.check, "same_check": same_check,
                "faults_before": shrunk.original.stats.faults, "faults_after": full.stats.faults,
                "ops_before": ops(&shrunk.original), "ops_after": ops(&full),
                "clients_before": shrunk.before.clients, "clients_after": shrunk.after.clients,
                "nodes_before": shrunk.before.nodes, "nodes_after": shrunk.after.nodes,
                "virtual_ms_before": shrunk.original.stats.virtual_ms, "virtual_ms_after": full.stats.virtual_ms,
                "min_history_ops": shrunk.minimal_history.as_ref().map(|h| h.ops.len()),
                "runs_tried": shrunk.runs, "wall_s": wall, "artifacts": dir, "repro": repro,
            })
        );
    } else {
        println!(
            "still fails with: {} ({})",
            shrunk.check,
            full.reason.clone().unwrap_or_default()
        );
        println!(
            "faults {} -> {}, ops {} -> {}, clients {} -> {}, servers {} -> {}, virtual {} -> {}, runs tried {}, {:.1} s",
            // Counted as `run` counts them (heals and undos are not faults).
            shrunk.original.stats.faults,
            full.stats.faults,
            ops(&shrunk.original),
            ops(&full),
            shrunk.before.clients,
            shrunk.after.clients,
            shrunk.before.nodes,
            shrunk.after.nodes,
            fmt_secs(std::time::Duration::from_millis(shrunk.original.stats.virtual_ms)),
            fmt_secs(std::time::Duration::from_millis(full.stats.virtual_ms)),
            shrunk.runs,
            wall
        );
        if let Some(h) = &shrunk.minimal_history {
            println!(
                "minimal non-linearizable history: {} ops (history.min.json, history.min.edn)",
                h.ops.len()
            );
        }
        println!("artifacts: {}", dir.display());
        println!("repro: {repro}");
    }
    ExitCode::from(1)
}
