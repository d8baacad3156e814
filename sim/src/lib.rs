//! linsim-sim: the simulated world. Raft KV servers run as madsim nodes over a
//! simulated network and per-node disks; clients record a history; a nemesis injects
//! faults through `Faults`; an `Observer` checks Raft's invariants as events happen;
//! `run_seed` turns one seed into one `RunReport`, reproducible bit for bit.
//!
//! Build with `--cfg madsim` (the workspace's `.cargo/config.toml` sets it).

#![warn(missing_docs)]

pub mod bugs;
pub mod client;
pub mod clients;
pub mod disk;
pub mod faults;
pub mod knobs;
pub mod kv;
pub mod links;
pub mod log_capture;
pub mod membership;
pub mod observer;
pub mod probes;
pub mod raft_link;
pub mod report;
pub mod run;
pub mod scenario;
pub mod server;
pub mod settle;
pub mod shrink;
pub mod sweep;
pub mod timeline;
pub mod transport;
pub mod value_wire;
pub mod workload;
pub mod world;
pub mod zoo;

pub use bugs::{BugSet, SimBug};
pub use faults::{Fault, FaultEvent, Faults};
pub use knobs::{ClientRouting, KnobChoice, KnobError, Knobs, ReadPath, StorageMode};
pub use observer::{Observer, TraceLine, Violation};
pub use report::{FailedCheck, RunReport, RunStats, Verdict};
pub use run::{run_seed, run_seed_with, RunOptions};
pub use scenario::{FaultSource, Scenario};
pub use sweep::{sweep, SeedResult, SweepOptions, SweepSummary};
pub use timeline::{RaftChange, RaftEvent, RaftTimeline};
pub use workload::{ClientOp, Nemesis, NemesisFuture, OpMix, Workload};
pub use zoo::{ZooBug, ZOO};
