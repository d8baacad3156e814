//! `linsim check`: check history files for linearizability.

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::Args;
use linsim_checker::formats::ReadHistory;
use linsim_checker::formats::{read_file_detailed, Format};
use linsim_checker::{
    check_named_init, infer_model, parse_init, CheckNamedError, CheckOptions, CheckResult, History,
    Init, Verdict, DEFAULT_MAX_BYTES, DEFAULT_MAX_STEPS, MODELS,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

fn model_names() -> PossibleValuesParser {
    PossibleValuesParser::new(
        MODELS
            .iter()
            .map(|m| PossibleValue::new(m.name).help(m.description)),
    )
}

/// Arguments of `linsim check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// History files: linsim JSON, Jepsen EDN (any layout), or porcupine's etcd-log and
    /// kv formats.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The model (default: the one the history names, else implied by the format, else
    /// the one its functions call for: cas-register for read/write/cas, kv with append,
    /// set for add, mutex for acquire/release, multi-register for txn).
    #[arg(long, value_parser = model_names())]
    model: Option<String>,
    /// The model's initial value, in EDN, as Knossos's tests build their models: `0`
    /// for `(cas-register 0)`, `'{:x 0 :y 0}'` for `(multi-register {:x 0 :y 0})`
    /// (register, cas-register and multi-register; default nil).
    #[arg(long, value_name = "EDN")]
    init: Option<String>,
    /// The file format (default: detected from the content).
    #[arg(long, default_value = "auto", value_parser = PossibleValuesParser::new(["auto", "json", "edn", "porcupine-etcd", "porcupine-kv"]))]
    format: String,
    /// Give up on a partition after this many search steps (verdict unknown). The
    /// same budget gives the same verdict on any machine.
    #[arg(long, value_name = "STEPS", default_value_t = DEFAULT_MAX_STEPS)]
    max_steps: u64,
    /// Give up on a partition whose search holds more than this many bytes (cache
    /// entries and the heap their states own). Deterministic too.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BYTES)]
    max_bytes: usize,
    /// Also give up after this many seconds per file. Wall-clock time depends on the
    /// machine and its load, so a verdict reached this way may differ between runs.
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,
    /// Print one JSON object per file instead of text.
    #[arg(long)]
    json: bool,
    /// Also write the history's timeline (ops, linearization or the op that cannot be
    /// placed, latency and throughput) to this HTML file. Takes one history file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
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

fn describe_unknown(r: &CheckResult, opts: &CheckOptions) -> String {
    if r.verdict != Verdict::Unknown {
        return String::new();
    }
    let Some(p) = r.partitions.iter().find(|p| p.gave_up.is_some()) else {
        return String::new();
    };
    let key = p
        .key
        .as_ref()
        .map(|k| format!(" (key {k:?})"))
        .unwrap_or_default();
    let why = match p.gave_up {
        Some(linsim_checker::GaveUp::Steps) => {
            format!("the step budget ran out (--max-steps {})", opts.max_steps)
        }
        Some(linsim_checker::GaveUp::Memory) => {
            format!("the byte budget ran out (--max-bytes {})", opts.max_bytes)
        }
        Some(linsim_checker::GaveUp::Timeout) => "the --timeout ran out".to_string(),
        _ => "cancelled".to_string(),
    };
    format!("; gave up{key}: {why}")
}

/// Writes the timeline page of `history` (read from `file` in `format`, checked with
/// `model` into `r`) to `out`.
fn write_timeline(
    out: &Path,
    file: &Path,
    format: &str,
    model: &str,
    history: &History,
    r: &CheckResult,
) -> std::io::Result<crate::artifacts::TimelineWritten> {
    let facts = vec![
        ("file".to_string(), file.display().to_string()),
        ("format".to_string(), format.to_string()),
        ("verdict".to_string(), r.verdict.to_string()),
        ("partitions".to_string(), r.partitions.len().to_string()),
        ("search steps".to_string(), r.steps().to_string()),
    ];
    let title = format!("linsim check {}", file.display());
    // Only linsim's JSON records times; the other formats are read in entry order.
    let order_axis = format != "json";
    crate::artifacts::write_page(out, history.ops.len(), || {
        linsim_report::history_timeline(&title, facts, model, history, r, order_axis)
    })
}

/// The model to check `read` (from `path`) with: `--model`, else the one the history
/// names, else the format's, else the one its functions call for; an error naming the
/// op's place when they call for none or for several.
fn choose_model(args: &CheckArgs, read: &ReadHistory, path: &Path) -> Result<String, String> {
    if let Some(m) = args
        .model
        .clone()
        .or_else(|| read.history.model.clone())
        .or_else(|| read.format.default_model().map(String::from))
    {
        return Ok(m);
    }
    infer_model(&read.history).map(String::from).map_err(|u| {
        format!(
            "{}: {}",
            read.place(&path.display().to_string(), u.index),
            u.message
        )
    })
}

/// Runs `linsim check`; exit 0 all ok, 1 any illegal, 2 bad input, 3 unknown.
pub fn run(args: CheckArgs) -> ExitCode {
    if let Some(t) = args.timeout {
        if !(t.is_finite() && t > 0.0) {
            eprintln!("error: --timeout must be a positive number of seconds, got {t}");
            return ExitCode::from(2);
        }
    }
    if args.html.is_some() && args.files.len() != 1 {
        eprintln!(
            "error: --html writes the timeline of one history file, got {} files",
            args.files.len()
        );
        return ExitCode::from(2);
    }
    let init: Option<Init> = match args.init.as_deref().map(parse_init).transpose() {
        Ok(init) => init,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let format = Format::from_name(&args.format);
    let opts = CheckOptions {
        max_steps: args.max_steps,
        max_bytes: args.max_bytes,
        timeout: args.timeout.map(Duration::from_secs_f64),
        ..CheckOptions::default()
    };
    let (mut bad_input, mut illegal, mut unknown) = (false, false, false);
    for path in &args.files {
        let read = match read_file_detailed(path, format) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {e}");
                bad_input = true;
                continue;
            }
        };
        let history = &read.history;
        let model = match choose_model(&args, &read, path) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("error: {e}");
                bad_input = true;
                continue;
            }
        };
        let r = match check_named_init(&model, init.as_ref(), history, &opts) {
            Ok(r) => r,
            Err(CheckNamedError::Model(e)) => {
                let place = match e.index {
                    Some(i) => read.place(&path.display().to_string(), i),
                    None => path.display().to_string(),
                };
                eprintln!("error: {place}: {e} (pass --model if another model fits)");
                bad_input = true;
                continue;
            }
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                bad_input = true;
                continue;
            }
        };
        let timeline = match &args.html {
            Some(out) => {
                match write_timeline(out, path, &read.format.to_string(), &model, history, &r) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        eprintln!("error: cannot write {}: {e}", out.display());
                        bad_input = true;
                        None
                    }
                }
            }
            None => None,
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
                "format": read.format.to_string(),
                "ops": r.ops,
                "partitions": r.partitions.len(),
                "steps": r.steps(),
                "fingerprint": format!("{:016x}", r.fingerprint()),
                "check_ms": r.check_ms,
                "gave_up": r.partitions.iter().find_map(|p| p.gave_up),
                "first_illegal": r.first_illegal(),
                "note": r.note,
                "edn": read.edn,
            });
            println!("{line}");
        } else {
            let skipped = read
                .edn
                .as_ref()
                .filter(|s| s.nemesis_entries + s.log_entries + s.discarded + s.stray_infos > 0)
                .map(|s| {
                    format!(
                        " skipped={}",
                        s.nemesis_entries + s.log_entries + s.discarded + s.stray_infos
                    )
                })
                .unwrap_or_default();
            let nil_reads = read
                .edn
                .as_ref()
                .filter(|s| s.unknown_nil_reads > 0)
                .map(|s| format!(" unknown_nil_reads={}", s.unknown_nil_reads))
                .unwrap_or_default();
            let note = r
                .note
                .as_ref()
                .map(|n| format!("; note: {n}"))
                .unwrap_or_default();
            println!(
                "{}: {} model={} ops={} partitions={} steps={}{skipped}{nil_reads} check_ms={:.1}{}{}{note}",
                path.display(),
                r.verdict,
                r.model,
                r.ops,
                r.partitions.len(),
                r.steps(),
                r.check_ms,
                describe_illegal(history, &r),
                describe_unknown(&r, &opts),
            );
            if let Some(t) = &timeline {
                println!("timeline: {t}");
            }
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
