//! The linsim command line.

mod artifacts;
mod bugs_cmd;
mod check_cmd;
mod hunt_cmd;
mod list_cmd;
mod merge_cmd;
mod probes_cmd;
mod progress;
mod run_cmd;
mod scenario_args;
mod shrink_cmd;
mod sweep_cmd;
mod systems;

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// linsim: Jepsen-style linearizability testing of replicated systems (linsim's own
/// etcd-style Raft KV service by default), inside a deterministic simulator. Every run
/// is decided by one seed.
///
/// With no command, runs the default sweep: seeds 0..100, workload kv, nemesis all.
#[derive(Parser, Debug)]
#[command(name = "linsim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one seed: verdict, counts, hashes; on failure, artifacts and a repro line.
    Run(run_cmd::RunArgs),
    /// Run many seeds in parallel and summarize (exit 0 all pass, 1 any failure, 3 unknown).
    Sweep(sweep_cmd::SweepArgs),
    /// For every named bug of a system (the zoo), sweep until a seed finds it; table of where and how.
    Bugs(bugs_cmd::BugsArgs),
    /// Sweep until the first failing seed and print it with its artifacts.
    Hunt(hunt_cmd::HuntArgs),
    /// Shrink a failing seed to the smallest run that still fails with the same check.
    Shrink(shrink_cmd::ShrinkArgs),
    /// Check history files for linearizability (exit 0 ok, 1 illegal, 2 bad input, 3 unknown).
    Check(check_cmd::CheckArgs),
    /// Merge the `sweep --json` outputs of a sweep's shards into one summary.
    Merge(merge_cmd::MergeArgs),
    /// List the systems, workloads, nemeses, models, knobs and named bugs.
    List,
    /// List the code probes of a system's runs and where they live.
    Probes(probes_cmd::ProbesArgs),
}

/// Warnings only, and none of madsim's per-task spans: entering and leaving them on
/// every poll costs about an eighth of a sweep's time. `RUST_LOG` overrides this.
const DEFAULT_LOG: &str = "warn,madsim=off";

/// Whether a panic is `print!`'s on a closed stdout (the reader of a pipe exited).
/// Rust ignores SIGPIPE, so writing to a closed pipe is an error, which `print!`
/// turns into this panic.
fn closed_pipe(info: &std::panic::PanicHookInfo<'_>) -> bool {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("");
    message.starts_with("failed printing to stdout") && message.contains("Broken pipe")
}

/// A panic inside a simulated seed is a finding, reported as the seed's `no-panic`
/// failure with its message (and in its trace.log); printing it to stderr as it
/// happens would only scatter backtraces over a sweep's output. Panics elsewhere are
/// printed as usual, except `print!`'s on a closed pipe: then the command exits
/// quietly, 0. A seed's panic goes to its DEBUG log with its location.
fn quiet_seed_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if closed_pipe(info) {
            // The reader went away (`linsim probes | head`): nothing more to say to it.
            std::process::exit(0);
        }
        let in_seed = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("linsim-seed-"));
        if in_seed {
            // Kept for the seed's trace.log (captured at DEBUG when its artifacts are
            // written), with where it happened.
            tracing::debug!(target: "linsim::panic", "{info}");
        } else {
            default(info);
        }
    }));
}

fn main() -> ExitCode {
    // Logs go to stderr, level from RUST_LOG (default: DEFAULT_LOG).
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG)),
        )
        .with_writer(std::io::stderr)
        .init();
    quiet_seed_panics();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Run(args)) => run_cmd::run(args),
        Some(Command::Sweep(args)) => sweep_cmd::run(args),
        Some(Command::Check(args)) => check_cmd::run(args),
        Some(Command::Bugs(args)) => bugs_cmd::run(args),
        Some(Command::Hunt(args)) => hunt_cmd::run(args),
        Some(Command::Shrink(args)) => shrink_cmd::run(args),
        Some(Command::List) => {
            list_cmd::run();
            ExitCode::SUCCESS
        }
        Some(Command::Probes(args)) => probes_cmd::run(args),
        Some(Command::Merge(args)) => merge_cmd::run(args),
        None => sweep_cmd::run(sweep_cmd::SweepArgs::default_sweep()),
    }
}
