//! `linsim merge`: the shards of a sweep (each a `linsim sweep --json --shard K/N`
//! output) as one summary with the same fields, probe coverage included, as a CI
//! matrix needs at its end.

use clap::Args;
use linsim_sim::SweepSummary;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `linsim merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The shards' `sweep --json` outputs.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print the merged summary as JSON (the fields of `sweep --json`'s last line).
    #[arg(long)]
    json: bool,
}

/// One shard: its summary's totals and system, and its failing seeds' records.
struct Shard {
    system: String,
    totals: SweepSummary,
    failures: Vec<serde_json::Value>,
}

/// Reads one shard's output; the error names the file and line.
fn read_shard(path: &PathBuf) -> Result<Shard, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}:0: cannot read: {e}", path.display()))?;
    let mut failures = Vec::new();
    let mut summary = None;
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let at = format!("{}:{}", path.display(), i + 1);
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| format!("{at}: not a line of `linsim sweep --json`: {e}"))?;
        if v.get("seed").is_some() {
            if v["verdict"] == "fail" {
                failures.push(v);
            }
        } else if let Some(totals) = v.get("totals") {
            let totals = serde_json::from_value(totals.clone())
                .map_err(|e| format!("{at}: malformed summary totals: {e}"))?;
            let system = v["system"].as_str().unwrap_or_default().to_string();
            summary = Some((system, totals));
        } else {
            return Err(format!("{at}: neither a seed's record nor a sweep summary"));
        }
    }
    let (system, totals) = summary.ok_or_else(|| {
        format!(
            "{}:0: no sweep summary (the last line of `linsim sweep --json`)",
            path.display()
        )
    })?;
    Ok(Shard {
        system,
        totals,
        failures,
    })
}

/// Runs `linsim merge`: exit 0 all pass, 1 any failure, 2 bad input, 3 unknown.
pub fn run(args: MergeArgs) -> ExitCode {
    let mut merged = SweepSummary::default();
    let mut system: Option<String> = None;
    let mut failures = Vec::new();
    for path in &args.files {
        let shard = match read_shard(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        if let Some(s) = system.as_ref().filter(|s| **s != shard.system) {
            eprintln!(
                "error: {}: a sweep of system {}, the others are of {s}",
                path.display(),
                shard.system
            );
            return ExitCode::from(2);
        }
        system = Some(shard.system);
        merged.merge(&shard.totals);
        failures.extend(shard.failures);
    }
    let name = system.unwrap_or_default();
    let system = match crate::systems::by_name(&name) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.json {
        println!("{}", merged.to_json(&*system));
    } else {
        crate::sweep_cmd::print_summary(&merged, &*system, None);
        failures.sort_by_key(|f| f["seed"].as_u64());
        for f in &failures {
            println!(
                "FAIL seed {}: {}\n    artifacts: {}\n    repro: {}",
                f["seed"],
                f["reason"].as_str().unwrap_or_default(),
                f["artifacts"].as_str().unwrap_or("-"),
                f["repro"].as_str().unwrap_or_default()
            );
        }
    }
    if merged.fail > 0 {
        ExitCode::from(1)
    } else if merged.unknown > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}
