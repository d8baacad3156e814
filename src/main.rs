//! The linsim command line.

mod check_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// linsim: Jepsen-style linearizability testing of an etcd-style Raft, inside a
/// deterministic simulator. Every run is decided by one seed.
#[derive(Parser, Debug)]
#[command(name = "linsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check history files for linearizability (exit 0 ok, 1 illegal, 2 bad input, 3 unknown).
    Check(check_cmd::CheckArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Check(args)) => check_cmd::run(args),
        None => {
            println!(
                "linsim {}: the simulated cluster and the default seed sweep have not landed yet.\n",
                env!("CARGO_PKG_VERSION")
            );
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            ExitCode::SUCCESS
        }
    }
}
