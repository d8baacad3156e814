//! `linsim run`: one seed.

use crate::artifacts;
use crate::scenario_args::ScenarioArgs;
use clap::Args;
use linsim_sim::{
    run_seed_with, FaultEvent, FaultSource, RunOptions, RunReport, Scenario, Verdict,
};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `linsim run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The seed.
    #[arg(long)]
    pub seed: u64,
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Write the artifacts here (always written, with the DEBUG log).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replay this fault schedule (a run's schedule.json) instead of the nemesis.
    #[arg(long)]
    pub schedule: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// The one-line JSON summary of a run (`--json` for run, one line per seed for sweep).
pub fn json_line(r: &RunReport, repro: &str) -> serde_json::Value {
    serde_json::json!({
        "seed": r.seed,
        "verdict": r.verdict,
        "reason": r.reason,
        "ops": r.stats.ops_ok + r.stats.ops_fail + r.stats.ops_info,
        "messages": r.stats.messages,
        "virtual_ms": r.stats.virtual_ms,
        "failures": r.failures,
        "linearizability": r.check.as_ref().map(|c| c.verdict.to_string()),
        "pruned": r.check.as_ref().map(|c| c.pruned()),
        "unsynced_writes_lost": r.stats.unsynced_writes_lost,
        "entries_lost": r.stats.entries_lost,
        "crashes": r.stats.crashes,
        "torn_records_truncated": r.stats.torn_records_truncated,
        "reads_log": r.stats.reads_log,
        "reads_read_index": r.stats.reads_read_index,
        "reads_lease": r.stats.reads_lease,
        "snapshots_sent": r.stats.snapshots_sent,
        "snapshots_installed": r.stats.snapshots_installed,
        "compactions": r.stats.compactions,
        "conf_changes_proposed": r.stats.conf_changes_proposed,
        "conf_changes_applied": r.stats.conf_changes_applied,
        "joint_entered": r.stats.joint_entered,
        "joint_left": r.stats.joint_left,
        "joints_open_at_end": r.stats.joints_open_at_end,
        "clients": r.stats.clients,
        "processes_retired": r.stats.processes_retired,
        "max_slot_idle_ms": r.stats.max_slot_idle_ms,
        "heal_leader_ms": r.stats.heal_leader_ms,
        "heal_elections": r.stats.heal_elections,
        "heal_catch_up_ms": r.stats.heal_catch_up_ms,
        "knobs": r.knobs,
        "probes": r.probes,
        "history_hash": format!("{:016x}", r.history_hash),
        "trace_hash": format!("{:016x}", r.trace_hash),
        "repro": repro,
        "wall_ms": r.stats.sim_wall_ms + r.stats.check_wall_ms,
    })
}

/// The text summary of a run.
pub fn text_line(r: &RunReport) -> String {
    format!(
        "seed {}: {} ops={} (ok {}, info {}) faults={} messages={} virtual={}ms wall={}ms history_hash={:016x} trace_hash={:016x}",
        r.seed,
        r.verdict,
        r.stats.ops_ok + r.stats.ops_fail + r.stats.ops_info,
        r.stats.ops_ok,
        r.stats.ops_info,
        r.stats.faults,
        r.stats.messages,
        r.stats.virtual_ms,
        r.stats.sim_wall_ms + r.stats.check_wall_ms,
        r.history_hash,
        r.trace_hash
    )
}

/// Reads a fault schedule for scenario `sc` and checks it can run there (see
/// `check_schedule`); the error names the file and the line or event.
pub fn load_schedule(path: &PathBuf, sc: &Scenario) -> Result<Vec<FaultEvent>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}:0: cannot read: {e}", path.display()))?;
    let events: Vec<FaultEvent> = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}: invalid fault schedule: {e} (expected a run's schedule.json: [{{\"at_ns\": N, \"fault\": \"partition\", ...}}])",
            path.display(),
            e.line()
        )
    })?;
    linsim_sim::faults::check_schedule(&events, sc.nodes, &*sc.system)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(events)
}

/// Runs `linsim run`; exit 0 pass, 1 fail, 2 bad usage, 3 unknown.
pub fn run(args: RunArgs) -> ExitCode {
    let mut sc = match args.scenario.build() {
        Ok(sc) => sc,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut repro = format!("linsim run --seed {} {}", args.seed, args.scenario.flags());
    if let Some(path) = &args.schedule {
        match load_schedule(path, &sc) {
            Ok(events) => sc.faults = FaultSource::Schedule(Arc::new(events)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
        repro.push_str(&format!(" --schedule {}", path.display()));
    }
    let opts = RunOptions {
        capture_log: args.out.is_some(),
    };
    let mut report = run_seed_with(&sc, args.seed, &opts);
    let mut timeline = None;
    let dir = match (&args.out, report.verdict) {
        (Some(dir), _) => {
            match artifacts::write(dir, &report, sc.nodes, &repro) {
                Ok(t) => timeline = Some(t),
                Err(e) => {
                    eprintln!("error: cannot write artifacts to {}: {e}", dir.display());
                    return ExitCode::from(2);
                }
            }
            if report.verdict == Verdict::Fail {
                artifacts::save_regression(&report, &args.scenario.name());
            }
            Some(dir.clone())
        }
        (None, Verdict::Fail) => {
            // Replay the seed with its DEBUG log captured (checked to match the first
            // run) and write its artifacts.
            let schedule = match &sc.faults {
                FaultSource::Schedule(events) => Some(&events[..]),
                FaultSource::Nemesis(_) => None,
            };
            let dir = artifacts::run_dir(&args.scenario, args.seed, schedule);
            let (dir, full) =
                artifacts::write_failure(&sc, &args.scenario.name(), dir, &report, &repro);
            report = full;
            Some(dir)
        }
        _ => None,
    };
    if args.json {
        println!("{}", json_line(&report, &repro));
    } else {
        println!("{}", text_line(&report));
        println!("knobs: {}", report.knobs.describe_for(sc.system.knobs()));
        if let Some(reason) = &report.reason {
            println!("reason: {reason}");
        }
        for f in report.failures.iter().skip(1) {
            println!("also failed: {}: {}", f.check, f.facts);
        }
        if let Some(dir) = &dir {
            println!("artifacts: {}", dir.display());
        }
        if let Some(t) = &timeline {
            println!("timeline: {t}");
        }
        if report.verdict != Verdict::Pass {
            println!("repro: {repro}");
        }
    }
    match report.verdict {
        Verdict::Pass => ExitCode::SUCCESS,
        Verdict::Fail => ExitCode::from(1),
        Verdict::Unknown => ExitCode::from(3),
    }
}
