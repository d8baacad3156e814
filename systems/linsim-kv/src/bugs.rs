//! linsim-kv's injectable bugs (server, disk, client protocol and state machine), and
//! the set a server runs with: raft's bugs plus these. The catalogue, with provenance
//! and what finds each, is `crate::zoo`.

use crate::zoo::{Injection, ZOO};
use linsim_raft::RaftBugs;
use linsim_sim::BugSet;

/// One injectable bug outside raft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum SimBug {
    /// The server sends a Ready's messages before its writes are fsynced.
    AckBeforeFsync,
    /// The server skips the fsync when a Ready changes only the hard state (term and
    /// vote), so votes go out unsynced.
    UnsyncedVote,
    /// The disk acknowledges an fsync before the data is durable: each sync makes only
    /// the previous sync's writes durable.
    LyingFsync,
    /// A restarted server loads its term but forgets whom it voted for.
    RestartForgetsVote,
    /// The server applies entries to its state machine when they are appended, not
    /// when they are committed.
    ApplyBeforeCommit,
    /// The state machine applies a resent request again instead of answering it from
    /// its session.
    SessionReapply,
    /// The leader answers writes as soon as it proposes them, before they commit.
    RespondOnPropose,
    /// A server that believes it leads answers reads from its local state without the
    /// log or any leadership check.
    StaleLocalReads,
    /// A state-machine snapshot holds the data but not the client sessions, so a server
    /// restored from it applies a resent request a second time.
    SnapshotDropsSessions,
    /// A confirmed ReadIndex read is answered at once, without waiting for the state
    /// machine to apply up to the read index.
    ReadBeforeApply,
    /// A compaction drops the log up to the commit index (less the retention window)
    /// instead of the applied index: entries not yet applied, nor in the snapshot.
    CompactPastApplied,
    /// The read states of a Ready replace those still waiting for the state machine
    /// instead of joining them: a read confirmed earlier is never answered.
    ConfirmedReadsOverwritten,
}

/// The bugs a server runs with, from the run's named bugs (`BugSet`, indexes into
/// the zoo): raft's (carried into its raft `Config`) and linsim-kv's own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KvBugs {
    /// Bugs in raft.
    pub raft: RaftBugs,
    sim: u32,
}

impl KvBugs {
    /// The bugs `set` turns on.
    pub fn of(set: &BugSet) -> KvBugs {
        let mut bugs = KvBugs::default();
        for (i, b) in ZOO.iter().enumerate() {
            if !set.has(i) {
                continue;
            }
            match b.injection {
                Injection::Raft(r) => bugs.raft = bugs.raft.with(r),
                Injection::Sim(s) => bugs.sim |= 1 << s as u8,
            }
        }
        bugs
    }

    /// Whether `bug` is on.
    #[inline]
    pub fn has(&self, bug: SimBug) -> bool {
        self.sim & (1 << bug as u8) != 0
    }
}
