//! The run and sweep engine: one seed in, one report out (`run`), many seeds at once
//! (`sweep`), a failing run made small (`shrink`); the scenario that says what runs,
//! the run's shared state (`world`) and its report.

pub mod log_capture;
pub mod report;
pub mod run;
pub mod scenario;
pub mod servers;
pub mod shrink;
pub mod sweep;
pub mod world;
