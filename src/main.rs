//! The linsim command line.

use clap::Parser;

/// linsim: Jepsen-style linearizability testing of an etcd-style Raft, inside a
/// deterministic simulator. Every run is decided by one seed.
#[derive(Parser, Debug)]
#[command(name = "linsim", version, about, long_about = None)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    println!(
        "linsim {}: the simulation has not landed yet; see `linsim --help`.",
        env!("CARGO_PKG_VERSION")
    );
}
