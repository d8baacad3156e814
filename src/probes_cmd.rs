//! `linsim probes`: every code probe of a system's runs (the framework's and the
//! system's own), where it lives, and whether it guards safety.

use clap::Args;
use linsim_sim::DEFAULT_SYSTEM;
use std::process::ExitCode;

/// Arguments of `linsim probes`.
#[derive(Args, Debug, Clone)]
pub struct ProbesArgs {
    /// The system whose runs' probes to list (see `linsim list`).
    #[arg(long, default_value = DEFAULT_SYSTEM)]
    pub system: String,
}

/// Prints every probe: name, file, `guard` for safety-guard refusal branches, meaning.
pub fn run(args: ProbesArgs) -> ExitCode {
    let system = match crate::systems::by_name(&args.system) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let probes = linsim_sim::probes::all(&system.probes());
    println!(
        "{} code probes ({} safety guards); `linsim sweep` reports the share of seeds hitting each",
        probes.len(),
        probes.iter().filter(|p| p.guard).count()
    );
    for p in probes {
        println!(
            "  {:<38} {:<28} {:<5} {}",
            p.name,
            p.file,
            if p.guard { "guard" } else { "" },
            p.description
        );
    }
    ExitCode::SUCCESS
}
