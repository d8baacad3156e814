//! linsim-workloads: named workloads and nemeses, and the registry of both.
//!
//! A workload generates client operations and names its checker model; a nemesis drives
//! faults through `linsim_sim::Faults`. Adding one is one file: implement the trait and
//! `inventory::submit!` a `NemesisEntry` (or `WorkloadEntry`). See `nemeses/kill_leader.rs`.

#![warn(missing_docs)]

pub mod nemeses;
pub mod registry;
pub mod workloads;

pub use linsim_sim::{ClientOp, Fault, Faults, Nemesis, NemesisFuture, Workload};
pub use registry::{
    nemesis, nemesis_entries, nemesis_for, workload, workload_entries, NemesisEntry, NemesisError,
    UnknownName, WorkloadEntry, ZOO_MEASURED_WORKLOADS,
};
