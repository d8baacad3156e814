//! linsim-sim: the framework. A system under test (`system::System`) runs its servers
//! as madsim nodes over a simulated network (`net`) and per-server disks (`disk`);
//! client slots record a history through the system's client (`clients`); a nemesis
//! injects faults through `Faults` (`faults`); the checks (`checks`) watch the
//! system's Raft invariants as events happen, if it reports them; `run_seed` turns one
//! seed into one `RunReport`, reproducible bit for bit (`engine`).
//!
//! Nothing here names a system's types: linsim's own Raft KV service is one system
//! among others (the `linsim-kv` crate), written against the same boundary a user's
//! would be (docs/your-system.md).
//!
//! Build with `--cfg madsim` (the workspace's `.cargo/config.toml` sets it).

#![warn(missing_docs)]

pub mod checks;
pub mod clients;
pub mod disk;
pub mod engine;
pub mod faults;
pub mod knobs;
pub mod net;
pub mod probes;
pub mod stats;
pub mod streams;
pub mod system;
pub mod time;

pub use checks::observer::{Observer, TraceLine, Violation};
pub use checks::quorum as membership;
pub use checks::timeline::{RaftChange, RaftEvent, RaftTimeline};
pub use clients::workload::{ClientOp, Generator, OpMix, Workload};
pub use engine::report::{FailedCheck, RunReport, RunStats, Verdict};
pub use engine::run::{run_seed, run_seed_with, RunOptions};
pub use engine::scenario::{FaultSource, Scenario, DEFAULT_SYSTEM};
pub use engine::sweep::{sweep, SeedResult, SweepOptions, SweepSummary};
pub use engine::{report, run, scenario, shrink, sweep};
pub use faults::{Fault, FaultEvent, Faults, Nemesis, NemesisFuture};
pub use knobs::{ClientRouting, KnobChoice, KnobError, Knobs, ReadPath, StorageMode};
pub use system::{BugSet, BugSpec, System};
