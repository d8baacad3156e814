//! Writes a generated cas-register history (`linsim_checker::generate`): linearizable
//! by construction, or with one stale read planted (`--bad-at I`). The same arguments
//! give the same file.
//!
//! `cargo run --release -p linsim-checker --example gen-history -- --ops N --processes P
//! --keys K [--bad-at I] [--info-rate R] [--seed S] [--format json|edn] [--out FILE]`
use linsim_checker::formats::{write_edn, write_json};
use linsim_checker::generate::{generate, GenOptions};
use std::process::ExitCode;

const USAGE: &str = "usage: gen-history --ops N --processes P --keys K [--bad-at I] [--info-rate R] [--seed S] [--format json|edn] [--out FILE]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut opts = GenOptions::default();
    let (mut format, mut out) = ("json".to_string(), None);
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag} {v}: {e}"));
        match flag.as_str() {
            "--ops" => opts.ops = number(value()?)? as usize,
            "--processes" => opts.processes = number(value()?)? as usize,
            "--keys" => opts.keys = number(value()?)? as usize,
            "--seed" => opts.seed = number(value()?)?,
            "--bad-at" => opts.bad_at = Some(number(value()?)? as usize),
            "--info-rate" => {
                let v = value()?;
                opts.info_rate = v
                    .parse::<f64>()
                    .ok()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .ok_or(format!("--info-rate {v}: expected a number from 0 to 1"))?;
            }
            "--format" => format = value()?,
            "--out" => out = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if opts.processes == 0 || opts.keys == 0 {
        return Err("--processes and --keys must be at least 1".into());
    }
    let history = generate(&opts);
    let text = match format.as_str() {
        "json" => write_json(&history),
        "edn" => write_edn(&history),
        other => return Err(format!("unknown --format {other}: expected json or edn")),
    };
    match out {
        Some(path) => std::fs::write(&path, text).map_err(|e| format!("cannot write {path}: {e}")),
        None => {
            use std::io::Write;
            match std::io::stdout().lock().write_all(text.as_bytes()) {
                // A reader that stopped early (`| head`) is not an error.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
                _ => Ok(()),
            }
        }
    }
}
