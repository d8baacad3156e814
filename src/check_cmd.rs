//! `linsim check`: check history files for linearizability.

use clap::Args;
use linsim_checker::formats::{read_file, Format};
use linsim_checker::{check_named, CheckOptions, CheckResult, History, Verdict, MODEL_NAMES};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `linsim check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// History files: linsim JSON, Jepsen EDN, or porcupine's etcd-log and kv formats.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The model (default: the one the history names, else implied by the format, else
    /// cas-register).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(MODEL_NAMES))]
    model: Option<String>,
    /// The file format (default: detected from the content).
    #[arg(long, default_value = "auto", value_parser = clap::builder::PossibleValuesParser::new(["auto", "json", "edn", "porcupine-etcd", "porcupine-kv"]))]
    format: String,
    /// Give up after this many seconds per file (verdict unknown).
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,
    /// Print one JSON object per file instead of text.
    #[arg(long)]
    json: bool,
}

fn describe_illegal(history: &History, r: &CheckResult) -> String {
    let Some(p) = r.first_illegal() else {
        return String::new();
    };
    let Some(cx) = &p.counterexample else {
        return String::new();
    };
    let op = &history.ops[cx.blocked];
    let ret = op.ret.map_or("never".to_string(), |t| t.to_string());
    let key = p
        .key
        .as_ref()
        .map(|k| format!(" (key {k:?})"))
        .unwrap_or_default();
    format!(
        "; first op that cannot be linearized{key}: {} [process {}, call {}, return {ret}] after a linearizable prefix of {} ops, in state {}",
        cx.blocked_op,
        op.process,
        op.call,
        cx.prefix.len(),
        cx.state
    )
}

/// Runs `linsim check`; exit 0 all ok, 1 any illegal, 2 bad input, 3 unknown.
pub fn run(args: CheckArgs) -> ExitCode {
    if let Some(t) = args.timeout {
        if !(t.is_finite() && t > 0.0) {
            eprintln!("error: --timeout must be a positive number of seconds, got {t}");
            return ExitCode::from(2);
        }
    }
    let format = Format::from_name(&args.format);
    let opts = CheckOptions {
        timeout: args.timeout.map(Duration::from_secs_f64),
        ..CheckOptions::default()
    };
    let (mut bad_input, mut illegal, mut unknown) = (false, false, false);
    for path in &args.files {
        let (history, detected) = match read_file(path, format) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {e}");
                bad_input = true;
                continue;
            }
        };
        let model = args
            .model
            .clone()
            .or_else(|| history.model.clone())
            .or_else(|| detected.default_model().map(String::from))
            .unwrap_or_else(|| "cas-register".to_string());
        let r = match check_named(&model, &history, &opts) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                bad_input = true;
                continue;
            }
        };
        match r.verdict {
            Verdict::Ok => {}
            Verdict::Illegal => illegal = true,
            Verdict::Unknown => unknown = true,
        }
        if args.json {
            let line = serde_json::json!({
                "file": path.display().to_string(),
                "verdict": r.verdict,
                "model": r.model,
                "format": detected.to_string(),
                "ops": r.ops,
                "partitions": r.partitions.len(),
                "check_ms": r.check_ms,
                "first_illegal": r.first_illegal(),
            });
            println!("{line}");
        } else {
            println!(
                "{}: {} model={} ops={} partitions={} check_ms={:.1}{}",
                path.display(),
                r.verdict,
                r.model,
                r.ops,
                r.partitions.len(),
                r.check_ms,
                describe_illegal(&history, &r)
            );
        }
    }
    if bad_input {
        ExitCode::from(2)
    } else if illegal {
        ExitCode::from(1)
    } else if unknown {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}
