//! Injectable bugs: deliberate, named defects in raft's real code paths, off by
//! default. They are the proof that linsim's checks and faults work: every one must
//! be found by a plain sweep (`linsim bugs`). The catalogue with provenance lives in
//! linsim-kv's zoo (`linsim_kv::zoo`); here is only the switch and, where a bug
//! needs more than a flipped condition, its code (one small file each).
//!
//! The switch exists only with the cargo feature `bugs`, which the simulator's system
//! (linsim-kv) turns on: then `RaftBug`, `RaftBugs` and `Config::bugs` are public, and
//! a `RaftBugs` set is a bitmask carried in `Config` (checking it is one AND, free
//! when no bug is on). Without the feature none of them is in the public API, and
//! `RaftBugs::has` is the constant `false`, so every bug branch compiles away and an
//! application depending on linsim-raft carries none of them.

mod conf_change_without_joint;
mod joint_commit_incoming_only;
mod learner_counts_in_quorum;
mod no_truncate_conflict;
mod snapshot_drops_joint_config;
mod snapshot_keeps_old_learners;

pub(crate) use conf_change_without_joint::apply_without_joint;
pub(crate) use joint_commit_incoming_only::committed_incoming_only;
pub(crate) use learner_counts_in_quorum::committed_counting_learners;
pub(crate) use no_truncate_conflict::append_without_truncating;
pub(crate) use snapshot_drops_joint_config::drop_joint_config;
pub(crate) use snapshot_keeps_old_learners::keep_old_learners;

/// One injectable raft bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum RaftBug {
    /// A leader commits an entry of an earlier term once a quorum holds it (Raft paper
    /// §5.4.2 and Figure 8 forbid it).
    CommitEarlierTerm,
    /// A voter grants votes without checking the candidate's log is up to date (§5.4.1).
    VoteStaleLog,
    /// A voter grants a vote to any candidate of a term, even after voting for another.
    VoteTwice,
    /// A follower appends a MsgApp's new entries but keeps a conflicting suffix it
    /// already had instead of truncating it (§5.3).
    NoTruncateConflict,
    /// A heartbeat carries the leader's full commit index instead of capping it at the
    /// follower's match index.
    HeartbeatCommitUnbounded,
    /// A node accepts a MsgApp from a leader of an older term, as if it were current,
    /// and acknowledges it in that term.
    AcceptStaleAppend,
    /// A heartbeat response does not resume a paused Probe progress: if the one probe
    /// in flight is lost, the follower is never caught up.
    ProbeStuck,
    /// A new leader answers ReadIndex at once, before it has committed an entry of its
    /// term: its commit index may still miss writes its predecessor acknowledged.
    ReadIndexBeforeTermCommit,
    /// A leader answers a Safe ReadIndex at once, without the heartbeat round that
    /// confirms no other leader has been elected.
    ReadIndexWithoutQuorum,
    /// A `ConfChangeV2` changing several voters with the automatic transition is
    /// applied at once as a simple change, without joint consensus: old and new
    /// majorities may not overlap (Raft thesis §4.1-4.3).
    ConfChangeWithoutJoint,
    /// A snapshot's joint configuration is restored as its incoming half only
    /// (voters_outgoing dropped): the restored node decides with the new majority
    /// alone while the rest of the cluster still needs both.
    SnapshotDropsJointConfig,
    /// A leader counts learners' acknowledgements toward the commit quorum, so an
    /// entry can commit on a minority of voters.
    LearnerCountsInQuorum,
    /// Async storage writes: votes and append acks leave at once, beside the
    /// MsgStorageAppend that persists what they promise, instead of as its responses;
    /// a candidate counts its own vote before the vote is durable. A crash before the
    /// append thread syncs breaks the promise (a vote forgotten, an ack of lost entries).
    AckBeforeAppend,
    /// Async storage writes: committed entries go to the apply thread before this node's
    /// own append of them is durable, so the state machine can run ahead of the log it
    /// restarts from (a leader may commit on its followers' acks alone).
    ApplyBeforeDurable,
    /// Async storage writes: the apply response advances the log's applied index
    /// without `Raft::applied_to`, so a leader never proposes leaving a joint
    /// configuration entered with auto-leave.
    AsyncAutoLeaveMissed,
    /// In a joint configuration, the leader takes its commit index from the incoming
    /// voters alone: an entry commits on a majority of the new voters that a majority
    /// of the old ones may never have seen, though either half can still elect the
    /// next leader.
    JointCommitIncomingOnly,
    /// Restoring a snapshot takes its voters but keeps the learners the node had: the
    /// node runs a configuration that is not the one in force at the snapshot's index.
    SnapshotKeepsOldLearners,
    /// A follower answers a ReadIndex request from its own commit index instead of
    /// asking the leader, which may have committed more since.
    FollowerReadOwnCommit,
    /// A leader never abandons a leadership transfer whose target does not catch up:
    /// it refuses proposals for as long.
    TransferNeverAborts,
}

/// A set of raft bugs (empty by default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RaftBugs(#[cfg(feature = "bugs")] u32);

#[cfg(feature = "bugs")]
impl RaftBugs {
    /// No bugs.
    pub const NONE: RaftBugs = RaftBugs(0);

    /// This set plus `bug`.
    pub fn with(self, bug: RaftBug) -> RaftBugs {
        RaftBugs(self.0 | 1 << bug as u8)
    }

    /// Whether `bug` is on.
    #[inline]
    pub fn has(self, bug: RaftBug) -> bool {
        self.0 & (1 << bug as u8) != 0
    }

    /// Whether any bug is on.
    pub fn any(self) -> bool {
        self.0 != 0
    }
}

/// Without the `bugs` feature: the empty set, and every bug off.
#[cfg(not(feature = "bugs"))]
impl RaftBugs {
    /// No bugs.
    pub(crate) const NONE: RaftBugs = RaftBugs();

    /// Never: no bug can be switched on (a constant, so bug branches compile away).
    #[inline(always)]
    pub(crate) const fn has(self, _bug: RaftBug) -> bool {
        false
    }
}
