//! The result of one seed, as data.

use crate::checks::observer::Violation;
use crate::faults::FaultEvent;
use crate::knobs::Knobs;
use linsim_checker::{CheckResult, History};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// The verdict of a seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No invariant broke, the history is linearizable, and the cluster recovered.
    Pass,
    /// Something broke: see `RunReport::reason`.
    Fail,
    /// No failure found, but the checker gave up.
    Unknown,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Unknown => "unknown",
        })
    }
}

/// Counts of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunStats {
    /// Operations that completed ok.
    pub ops_ok: u64,
    /// Operations that definitely failed.
    pub ops_fail: u64,
    /// Operations with unknown outcome.
    pub ops_info: u64,
    /// Raft messages delivered to servers.
    pub messages: u64,
    /// Raft messages dropped by the transport's extra loss.
    pub dropped: u64,
    /// Raft messages duplicated by the transport.
    pub duplicated: u64,
    /// Entries applied (distinct indexes).
    pub applied: u64,
    /// Faults applied.
    pub faults: u64,
    /// Trace events observed.
    pub events: u64,
    /// Server crashes (a power loss counts each server it takes down).
    pub crashes: u64,
    /// Writes (records) that were in a page cache, not yet synced, when their server
    /// crashed: the bite of the crash faults.
    pub unsynced_writes_lost: u64,
    /// Log entries among them.
    pub entries_lost: u64,
    /// Torn last records that recovery found and truncated.
    pub torn_records_truncated: u64,
    /// Reads served through the log (proposed and applied like writes).
    pub reads_log: u64,
    /// Reads served through ReadIndex confirmed by a heartbeat quorum.
    pub reads_read_index: u64,
    /// Reads served through ReadIndex from the leader's lease.
    pub reads_lease: u64,
    /// Snapshots (MsgSnap) leaders sent.
    pub snapshots_sent: u64,
    /// Snapshots followers installed.
    pub snapshots_installed: u64,
    /// Snapshots servers took of their own state machines, compacting their logs.
    pub compactions: u64,
    /// Membership changes proposed.
    pub conf_changes_proposed: u64,
    /// Membership changes applied (distinct log indexes).
    pub conf_changes_applied: u64,
    /// Joint configurations entered.
    pub joint_entered: u64,
    /// Joint configurations left.
    pub joint_left: u64,
    /// Joint configurations still in force at the end of the run (0 or 1): with
    /// `joint_left`, it accounts for every one entered.
    pub joints_open_at_end: u64,
    /// Virtual ms from the final heal until a leader was known.
    pub heal_leader_ms: u64,
    /// Elections (term increases) between the final heal and that leader.
    pub heal_elections: u64,
    /// Virtual ms from the final heal until every server applied the commit index
    /// reached once clients were served.
    pub heal_catch_up_ms: u64,
    /// Virtual time of the run, milliseconds.
    pub virtual_ms: u64,
    /// Wall time of the simulation, milliseconds.
    pub sim_wall_ms: u64,
    /// Wall time of the linearizability check, milliseconds.
    pub check_wall_ms: u64,
    /// Client slots (fixed by the scenario or drawn per seed).
    pub clients: u64,
    /// Processes retired after an unknown outcome in the workload phase (a fresh
    /// process took the slot each time).
    pub processes_retired: u64,
    /// The longest time any client slot went without an operation completing in the
    /// workload phase, virtual ms: at most one client timeout plus a think time.
    pub max_slot_idle_ms: u64,
}

/// One check that failed: an invariant (with its name), liveness, a panic, or
/// linearizability (`linearizable`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FailedCheck {
    /// The check's name (`election-safety`, `durable-before-send`, `liveness`,
    /// `no-panic`, `linearizable`, ...).
    pub check: String,
    /// What it found.
    pub facts: String,
}

/// Everything one seed produced.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// The seed.
    pub seed: u64,
    /// The scenario's name (`workload-nemesis`).
    pub scenario: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Why it failed or is unknown.
    pub reason: Option<String>,
    /// Every check that failed, first failure first. The linearizability checker runs
    /// even when an invariant broke, so a report says whether clients saw the damage.
    pub failures: Vec<FailedCheck>,
    /// The first invariant violation (liveness and panics included).
    pub violation: Option<Violation>,
    /// The linearizability check.
    pub check: Option<CheckResult>,
    /// The knobs this run used.
    pub knobs: Knobs,
    /// Code probes hit in this run, by name, with their hit counts (probes not hit
    /// are absent).
    pub probes: BTreeMap<&'static str, u64>,
    /// Counts.
    pub stats: RunStats,
    /// Hash of the history (stable across runs of the same seed).
    pub history_hash: u64,
    /// Hash of every observer event in order (stable across runs of the same seed).
    pub trace_hash: u64,
    /// The faults applied, in order: a replayable schedule.
    pub faults: Vec<FaultEvent>,
    /// The client history.
    #[serde(skip)]
    pub history: History,
    /// The observer's trace lines (every role change, durable write, apply, fault).
    #[serde(skip)]
    pub trace: Vec<crate::checks::observer::TraceLine>,
    /// The seed's DEBUG log, if captured (`RunOptions::capture_log`).
    #[serde(skip)]
    pub log: Option<String>,
    /// Every node's role, the commit index and every applied index over time.
    #[serde(skip)]
    pub raft: crate::checks::timeline::RaftTimeline,
}
