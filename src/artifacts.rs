//! A run's artifacts: history (JSON and EDN), result, schedule, trace, timeline.

use crate::scenario_args::ScenarioArgs;
use linsim_checker::formats::{write_edn, write_json};
use linsim_sim::{run_seed_with, FaultEvent, RunOptions, RunReport, Scenario};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A timeline.html written: how big, how long it took, how many ops it shows.
pub struct TimelineWritten {
    /// Where.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: usize,
    /// Wall time to build and write it, milliseconds (printed, never in the page).
    pub ms: f64,
    /// Ops it shows.
    pub ops: usize,
}

impl std::fmt::Display for TimelineWritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({} ops, {:.1} MB, written in {:.0} ms)",
            self.path.display(),
            self.ops,
            self.bytes as f64 / 1e6,
            self.ms
        )
    }
}

/// Builds a page with `build` and writes it to `path`, timed.
pub fn write_page(
    path: &Path,
    ops: usize,
    build: impl FnOnce() -> Result<String, linsim_report::TimelineError>,
) -> std::io::Result<TimelineWritten> {
    let start = Instant::now();
    let html =
        build().map_err(|e| std::io::Error::other(format!("cannot build the timeline: {e}")))?;
    std::fs::write(path, &html)?;
    Ok(TimelineWritten {
        path: path.to_path_buf(),
        bytes: html.len(),
        ms: start.elapsed().as_secs_f64() * 1e3,
        ops,
    })
}

/// Where a seed's artifacts go by default: `target/linsim/<scenario>/<seed>/`.
pub fn default_dir(scenario: &str, seed: u64) -> PathBuf {
    Path::new("target")
        .join("linsim")
        .join(scenario)
        .join(seed.to_string())
}

/// Where the artifacts of a run of `args` with `seed` go: `<scenario>/<seed>/` for the
/// scenario's plain run (as a sweep or hunt runs it), `<seed>-<hash>/` for any other
/// (other flags, a replayed schedule, a shrunk run), the hash naming those flags and
/// that schedule. So a replay or a shrink never replaces an earlier failure's files.
pub fn run_dir(args: &ScenarioArgs, seed: u64, schedule: Option<&[FaultEvent]>) -> PathBuf {
    let plain = default_dir(&args.name(), seed);
    let variant = args.variant();
    if variant.is_none() && schedule.is_none() {
        return plain;
    }
    let mut key = variant.unwrap_or_default();
    if let Some(events) = schedule {
        key.push_str(&serde_json::to_string(events).expect("a schedule serializes"));
    }
    let hash = linsim_checker::history::fnv1a(key.as_bytes());
    plain.with_file_name(format!("{seed}-{:08x}", hash as u32))
}

/// Writes history.json, history.edn, result.json, schedule.json, trace.log and
/// timeline.html to `dir`; `nodes` is the run's number of servers.
pub fn write(
    dir: &Path,
    report: &RunReport,
    nodes: u64,
    repro: &str,
) -> std::io::Result<TimelineWritten> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("history.json"), write_json(&report.history))?;
    std::fs::write(dir.join("history.edn"), write_edn(&report.history))?;
    let mut result = serde_json::to_value(report).expect("reports serialize");
    result["repro"] = serde_json::Value::String(repro.to_string());
    std::fs::write(
        dir.join("result.json"),
        serde_json::to_string_pretty(&result).expect("json"),
    )?;
    std::fs::write(
        dir.join("schedule.json"),
        serde_json::to_string_pretty(&report.faults).expect("faults serialize"),
    )?;
    let mut trace = String::new();
    for line in &report.trace {
        writeln!(trace, "{line}").expect("writing to a String");
    }
    if let Some(log) = &report.log {
        trace.push_str("\n# DEBUG log\n");
        trace.push_str(log);
    }
    std::fs::write(dir.join("trace.log"), trace)?;
    write_page(&dir.join("timeline.html"), report.history.ops.len(), || {
        linsim_report::run_timeline(report, nodes, repro)
    })
}

/// Keeps a failing history in the regression corpus (`histories/regressions/`, when
/// run from the repository), named with its expected verdict.
pub fn save_regression(report: &RunReport, scenario: &str) -> Option<PathBuf> {
    let dir = Path::new("histories").join("regressions");
    if !dir.is_dir() {
        return None;
    }
    let verdict = match &report.check {
        Some(c) if c.verdict == linsim_checker::Verdict::Illegal => "illegal",
        _ => return None, // only linearizability failures are re-checkable histories
    };
    let name = format!(
        "{scenario}-seed{}-{:016x}.{verdict}.json",
        report.seed, report.history_hash
    );
    let path = dir.join(name.replace(',', "+"));
    std::fs::write(&path, write_json(&report.history)).ok()?;
    Some(path)
}

/// A failing seed's artifacts: replays it with its DEBUG log captured (the run is
/// deterministic), writes them to the default folder of `scenario` and keeps its
/// history in the regression corpus. Returns the folder. The artifacts always
/// describe the replay; a replay that differs from the first run (hashes, verdict or
/// checker result) is itself a determinism failure, added to the replay's failures.
pub fn write_failure(
    sc: &Scenario,
    scenario: &str,
    dir: PathBuf,
    report: &RunReport,
    repro: &str,
) -> (PathBuf, RunReport) {
    let mut full = run_seed_with(sc, report.seed, &RunOptions { capture_log: true });
    if let Some(m) = linsim_sim::sweep::determinism_mismatch(report, &full) {
        eprintln!(
            "error: seed {}: the replay for its log differs from the first run: {m}",
            report.seed
        );
        full.failures.insert(
            0,
            linsim_sim::FailedCheck {
                check: "determinism".to_string(),
                facts: m,
            },
        );
    }
    if let Err(e) = write(&dir, &full, sc.nodes, repro) {
        eprintln!("warning: cannot write artifacts to {}: {e}", dir.display());
    }
    save_regression(&full, scenario);
    (dir, full)
}
