//! raft's scenario tests, kept in the crate as etcd keeps its tests in its package:
//! they drive `Raft` directly (role transitions, fields, the log) where a scenario is
//! clearer at that level than through `RawNode`, and share the harnesses in `common`
//! (`Network`: RawNodes over an in-memory network that records golden transcripts;
//! `cluster::Cluster`: the same with append and apply threads the test drives). One
//! file per subject; golden transcripts are in `snapshots/`. Tests that need only the
//! public API are in raft/tests/.

mod common;

mod async_membership;
mod async_random;
mod async_storage;
mod elections;
mod flow_control;
mod golden;
mod golden_membership;
mod leader_transfer;
mod learners;
mod log_backtracking;
mod membership;
mod membership_bugs;
mod paper;
mod prevote_checkquorum;
mod read_only;
mod scenarios;
mod snapshot;
