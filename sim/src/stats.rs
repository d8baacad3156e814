//! The run's counters that are not the network's (`net::NetStats`): what the faults
//! cost and what a system reports doing. A system counts through
//! `ServerNode::stats`; the figures land in the run's report.

use std::sync::atomic::AtomicU64;

/// Per-run counters.
#[derive(Debug, Default)]
pub struct Counters {
    /// Server crashes (power losses count one per server).
    pub crashes: AtomicU64,
    /// Writes (records) lost from page caches in crashes.
    pub unsynced_writes_lost: AtomicU64,
    /// Log entries among them.
    pub entries_lost: AtomicU64,
    /// Torn records that recovery truncated.
    pub torn_records_truncated: AtomicU64,
    /// Reads served through the log (proposed and applied like writes).
    pub reads_log: AtomicU64,
    /// Reads served through ReadIndex, confirmed by a heartbeat quorum.
    pub reads_read_index: AtomicU64,
    /// Reads served through ReadIndex from the leader's lease.
    pub reads_lease: AtomicU64,
    /// Snapshots a leader sent.
    pub snapshots_sent: AtomicU64,
    /// Snapshots a follower installed (durably).
    pub snapshots_installed: AtomicU64,
    /// Snapshots a server took of its own state machine, compacting its log.
    pub compactions: AtomicU64,
    /// Membership changes proposed (and accepted into the leader's log).
    pub conf_changes_proposed: AtomicU64,
    /// Membership changes applied (distinct log indexes).
    pub conf_changes_applied: AtomicU64,
    /// Joint configurations entered (distinct log indexes).
    pub joint_entered: AtomicU64,
    /// Joint configurations left (distinct log indexes).
    pub joint_left: AtomicU64,
}
