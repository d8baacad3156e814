//! The bug zoo: every injectable bug with its name, what it does, where it comes from
//! (the published Raft bug, paper section or incident it reproduces), the workload,
//! nemesis and knobs that find it fastest, and the check expected to catch it.
//! `--bug NAME` turns one on; `linsim bugs` proves a plain sweep finds each.

use crate::bugs::{BugSet, SimBug};
use linsim_raft::RaftBug;

/// Where a bug is injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Injection {
    /// In raft's code.
    Raft(RaftBug),
    /// In the server, disk, client protocol or state machine.
    Sim(SimBug),
}

/// One bug of the zoo.
#[derive(Clone, Copy, Debug)]
pub struct ZooBug {
    /// Its name on the command line.
    pub name: &'static str,
    /// The layer it lives in: elections, replication, persistence, client.
    pub layer: &'static str,
    /// What it does, in one line.
    pub description: &'static str,
    /// What it reproduces: paper section, published bug, incident.
    pub provenance: &'static str,
    /// The workload that finds it fastest.
    pub workload: &'static str,
    /// The nemesis that finds it fastest.
    pub nemesis: &'static str,
    /// Knobs fixed to reach it (`NAME=VALUE`), if any.
    pub knobs: &'static [&'static str],
    /// Voters the cluster boots with, if fewer than the servers (spares for the
    /// membership nemesis to add).
    pub voters: Option<u64>,
    /// The check expected to catch it first.
    pub check: &'static str,
    /// Where it is injected.
    pub injection: Injection,
}

/// The workloads a bug is measured on under the defaults (`linsim bugs --defaults`):
/// every shipped workload exercises every path these bugs live in.
pub const DEFAULT_WORKLOADS: &[&str] = &["register", "kv"];

impl ZooBug {
    /// A capability the bug needs that the default sweep leaves off (a knob never
    /// drawn, such as lease reads or the Node API), with the knobs that turn it on:
    /// such a bug keeps those tailored knobs under `linsim bugs --defaults`.
    pub fn needs_off_by_default(&self) -> Vec<&'static str> {
        self.knobs
            .iter()
            .copied()
            .filter(|k| matches!(*k, "reads=lease" | "storage=node"))
            .collect()
    }
}

use Injection::{Raft, Sim};

/// Every bug, grouped by layer.
pub const ZOO: &[ZooBug] = &[
    ZooBug {
        name: "commit-earlier-term",
        layer: "replication",
        description: "a leader commits an entry of an earlier term by counting its replicas",
        provenance: "Raft paper §5.4.2 and Figure 8: an old-term entry on a majority can still be overwritten",
        workload: "register",
        nemesis: "partition,crash,kill-leader",
        knobs: &[],
        voters: None,
        check: "leader-commits-own-term",
        injection: Raft(RaftBug::CommitEarlierTerm),
    },
    ZooBug {
        name: "vote-stale-log",
        layer: "elections",
        description: "voters grant votes without checking the candidate's log is up to date",
        provenance: "Raft paper §5.4.1, the election restriction",
        workload: "register",
        nemesis: "partition,crash",
        knobs: &[],
        voters: None,
        check: "leader-completeness",
        injection: Raft(RaftBug::VoteStaleLog),
    },
    ZooBug {
        name: "vote-twice",
        layer: "elections",
        description: "a voter grants a vote to every candidate of a term, not only the first",
        provenance: "Raft paper §5.2 and Figure 2 (votedFor): at most one vote per term",
        workload: "register",
        nemesis: "partition",
        knobs: &["pre_vote=false"],
        voters: None,
        check: "vote-once",
        injection: Raft(RaftBug::VoteTwice),
    },
    ZooBug {
        name: "no-truncate-conflict",
        layer: "replication",
        description: "a follower keeps a conflicting log suffix instead of truncating it",
        provenance: "Raft paper §5.3 and Figure 2, AppendEntries receiver rule 3",
        workload: "register",
        nemesis: "partition-leader,crash",
        knobs: &[],
        voters: None,
        check: "state-machine-safety",
        injection: Raft(RaftBug::NoTruncateConflict),
    },
    ZooBug {
        name: "heartbeat-commit-unbounded",
        layer: "replication",
        description: "heartbeats carry the leader's commit index uncapped by the follower's match",
        provenance: "etcd raft sendHeartbeat (commit = min(match, committed)); the etcd panic \"tocommit(N) is out of range [lastIndex(M)]\"",
        workload: "kv",
        nemesis: "crash",
        knobs: &[],
        voters: None,
        check: "no-panic",
        injection: Raft(RaftBug::HeartbeatCommitUnbounded),
    },
    ZooBug {
        name: "accept-stale-append",
        layer: "replication",
        description: "a node accepts a MsgApp from a deposed leader of an older term and acknowledges it in that term",
        provenance: "Raft paper Figure 2, AppendEntries receiver rule 1: reply false if term < currentTerm",
        workload: "register",
        nemesis: "partition-leader,partition",
        knobs: &["check_quorum=false"],
        voters: None,
        check: "state-machine-safety",
        injection: Raft(RaftBug::AcceptStaleAppend),
    },
    ZooBug {
        name: "probe-stuck",
        layer: "replication",
        description: "a heartbeat response does not resume a paused Probe: a follower whose probe was lost never catches up",
        provenance: "etcd raft TestHeartbeatRespRecoversFromProbing (MsgHeartbeatResp clears MsgAppFlowPaused)",
        workload: "kv",
        nemesis: "loss",
        knobs: &[],
        voters: None,
        check: "liveness",
        injection: Raft(RaftBug::ProbeStuck),
    },
    ZooBug {
        name: "ack-before-fsync",
        layer: "persistence",
        description: "the server sends votes and append acks before their writes are fsynced",
        provenance: "etcd Ready contract and Raft Figure 2: persist before responding to RPCs",
        workload: "kv",
        nemesis: "none",
        knobs: &[],
        voters: None,
        check: "durable-before-send",
        injection: Sim(SimBug::AckBeforeFsync),
    },
    ZooBug {
        name: "unsynced-vote",
        layer: "persistence",
        description: "a Ready that changes only term and vote is not fsynced",
        provenance: "Raft Figure 2: currentTerm and votedFor are persistent, updated before responding",
        workload: "register",
        nemesis: "partition",
        knobs: &[],
        voters: None,
        check: "durable-before-send",
        injection: Sim(SimBug::UnsyncedVote),
    },
    ZooBug {
        name: "lying-fsync",
        layer: "persistence",
        description: "the disk acknowledges fsync before the data is durable (each sync flushes only the previous one)",
        provenance: "disks that ack flushes from volatile cache; \"Protocol-Aware Recovery for Consensus-Based Storage\" (FAST 2018); PostgreSQL fsyncgate",
        workload: "kv",
        nemesis: "none",
        knobs: &[],
        voters: None,
        check: "durable-before-send",
        injection: Sim(SimBug::LyingFsync),
    },
    ZooBug {
        name: "restart-forgets-vote",
        layer: "persistence",
        description: "a restarted server reloads its term but not whom it voted for",
        provenance: "Raft Figure 2: votedFor is persistent state; without it a restarted voter can vote twice in a term",
        workload: "register",
        nemesis: "crash,partition",
        knobs: &["pre_vote=false", "check_quorum=false"],
        voters: None,
        check: "vote-once",
        injection: Sim(SimBug::RestartForgetsVote),
    },
    ZooBug {
        name: "apply-before-commit",
        layer: "client",
        description: "the server applies entries to the state machine when appended, not when committed",
        provenance: "Raft paper §5.3: an entry is applied only once committed",
        workload: "register",
        nemesis: "partition-leader",
        knobs: &[],
        voters: None,
        check: "state-machine-safety",
        injection: Sim(SimBug::ApplyBeforeCommit),
    },
    ZooBug {
        name: "session-reapply",
        layer: "client",
        description: "the state machine applies a resent request again instead of answering from its session",
        provenance: "Raft dissertation §6.3: exactly-once semantics need client sessions",
        workload: "kv",
        nemesis: "loss",
        knobs: &[],
        voters: None,
        check: "linearizable",
        injection: Sim(SimBug::SessionReapply),
    },
    ZooBug {
        name: "respond-on-propose",
        layer: "client",
        description: "the leader acknowledges writes when it proposes them, before they commit",
        provenance: "Jepsen's lost acknowledged writes; Raft §8: answer a client only after the entry is committed and applied",
        workload: "register",
        nemesis: "partition-leader",
        knobs: &[],
        voters: None,
        check: "linearizable",
        injection: Sim(SimBug::RespondOnPropose),
    },
    ZooBug {
        name: "stale-local-reads",
        layer: "client",
        description: "a server that believes it leads answers reads from local state, without the log or a leadership check",
        provenance: "Raft dissertation §6.4; Jepsen's 2014 etcd and Consul analyses (stale reads from deposed leaders)",
        workload: "register",
        nemesis: "partition-leader",
        knobs: &["check_quorum=false", "client_routing=node"],
        voters: None,
        check: "read-index",
        injection: Sim(SimBug::StaleLocalReads),
    },
    ZooBug {
        name: "read-index-before-term-commit",
        layer: "reads",
        description: "a new leader answers ReadIndex before it has committed an entry of its own term",
        provenance: "Raft dissertation §6.4 step 1; etcd raft's committedEntryInCurrentTerm guard on MsgReadIndex",
        workload: "register",
        nemesis: "partition-leader,loss",
        // The window: the leader is cut off just after it commits a write and before
        // its next message carries the commit index, and a read reaches the new leader
        // before its first entry commits. The linearizability checker needs the stale
        // answer to contradict a later read (1 failing seed in 500 with every knob
        // drawn); the read-index check sees the stale answer itself, at once.
        knobs: &["reads=read-index", "client_routing=node", "ready_batch=16"],
        voters: None,
        check: "read-index",
        injection: Raft(RaftBug::ReadIndexBeforeTermCommit),
    },
    ZooBug {
        name: "read-index-without-quorum",
        layer: "reads",
        description: "a leader answers a ReadIndex at once, without the heartbeat round that confirms it still leads",
        provenance: "Raft dissertation §6.4 step 3; the stale reads Jepsen found in etcd 0.4 and Consul (2014)",
        workload: "register",
        nemesis: "partition-leader",
        knobs: &["reads=read-index", "check_quorum=false", "client_routing=node"],
        voters: None,
        check: "read-index",
        injection: Raft(RaftBug::ReadIndexWithoutQuorum),
    },
    ZooBug {
        name: "snapshot-drops-sessions",
        layer: "snapshots",
        description: "a state-machine snapshot leaves the client sessions out, so a server restored from it applies a resent request again",
        provenance: "Raft dissertation §6.3: sessions are part of the replicated state and must be in snapshots",
        workload: "kv",
        nemesis: "loss,crash",
        knobs: &["snapshot_every=8"],
        voters: None,
        check: "state-machine-safety",
        injection: Sim(SimBug::SnapshotDropsSessions),
    },
    ZooBug {
        name: "conf-change-without-joint",
        layer: "membership",
        description: "a change of two voters at once is applied as a simple change, without a joint configuration",
        provenance: "Raft thesis §4.3 (joint consensus) and §4.1: one voter at a time keeps old and new majorities overlapping",
        workload: "register",
        nemesis: "membership,partition",
        knobs: &[],
        voters: None,
        check: "config-overlap",
        injection: Raft(RaftBug::ConfChangeWithoutJoint),
    },
    ZooBug {
        name: "snapshot-drops-joint-config",
        layer: "membership",
        description: "restoring a snapshot taken in a joint configuration keeps only its incoming voters",
        provenance: "etcd raft's confchange.Restore, which rebuilds both halves of a joint ConfState (etcd-io/raft #68 era fixes)",
        workload: "register",
        nemesis: "membership,partition,crash",
        knobs: &["snapshot_every=8"],
        voters: None,
        check: "config-prefix",
        injection: Raft(RaftBug::SnapshotDropsJointConfig),
    },
    ZooBug {
        name: "learner-counts-in-quorum",
        layer: "membership",
        description: "a leader counts learners' acknowledgements toward the commit quorum",
        provenance: "Raft thesis §4.2.1 (non-voting members) and etcd raft's learner handling in the progress tracker",
        workload: "register",
        nemesis: "membership,partition",
        knobs: &[],
        voters: Some(3),
        check: "commit-quorum",
        injection: Raft(RaftBug::LearnerCountsInQuorum),
    },
    ZooBug {
        name: "ack-before-append",
        layer: "persistence",
        description: "async storage writes: votes and append acks leave beside the MsgStorageAppend instead of after its sync, and a candidate counts its own unsynced vote",
        provenance: "etcd raft's msgsAfterAppend (AsyncStorageWrites): responses that promise durable state ride on the append and leave only once it is synced",
        workload: "register",
        nemesis: "crash,partition",
        knobs: &["storage=async"],
        voters: None,
        check: "durable-before-send",
        injection: Raft(RaftBug::AckBeforeAppend),
    },
    ZooBug {
        name: "apply-before-durable",
        layer: "persistence",
        description: "async storage writes: committed entries go to the apply thread before this node's own append of them is durable",
        provenance: "etcd raft's applyUnstableEntries guard and Raft thesis §10.2.1: a leader may commit on its followers' acks alone, but applies only what its own log holds durably",
        workload: "register",
        nemesis: "crash",
        knobs: &["storage=async"],
        voters: None,
        check: "durable-before-apply",
        injection: Raft(RaftBug::ApplyBeforeDurable),
    },
    ZooBug {
        name: "async-auto-leave-missed",
        layer: "membership",
        description: "async storage writes: the apply response advances the log's applied index without Raft::applied_to, so a joint configuration entered with auto-leave is never left",
        provenance: "a real bug of linsim's raft (issue 20), found by its own counters; etcd raft calls appliedTo on MsgStorageApplyResp, which proposes the auto-leave",
        workload: "register",
        nemesis: "membership,partition,crash",
        knobs: &["storage=async"],
        voters: None,
        check: "joint-config-progress",
        injection: Raft(RaftBug::AsyncAutoLeaveMissed),
    },
    ZooBug {
        name: "joint-commit-incoming-only",
        layer: "membership",
        description: "in a joint configuration the leader takes its commit index from the incoming voters alone",
        provenance: "Raft thesis §4.3: in joint consensus an entry needs majorities of both the old and the new configuration; etcd raft's JointConfig.CommittedIndex takes the smaller half",
        workload: "register",
        nemesis: "membership,partition",
        knobs: &[],
        voters: None,
        check: "commit-quorum",
        injection: Raft(RaftBug::JointCommitIncomingOnly),
    },
    ZooBug {
        name: "snapshot-keeps-old-learners",
        layer: "snapshots",
        description: "restoring a snapshot takes its voters but keeps the learners the node had before",
        provenance: "etcd raft's confchange.Restore rebuilds the whole ConfState of a snapshot, learners included; a restored node must run the configuration in force at the snapshot's index",
        workload: "register",
        nemesis: "membership,partition,crash",
        knobs: &["snapshot_every=8"],
        voters: None,
        check: "config-prefix",
        injection: Raft(RaftBug::SnapshotKeepsOldLearners),
    },
    ZooBug {
        name: "follower-read-own-commit",
        layer: "reads",
        description: "a follower answers a ReadIndex request from its own commit index instead of asking the leader",
        provenance: "Raft dissertation §6.4.1: a follower must ask the leader for the current commit index; etcd raft forwards MsgReadIndex to the leader",
        workload: "register",
        nemesis: "partition",
        knobs: &["reads=read-index", "client_routing=node"],
        voters: None,
        check: "read-index",
        injection: Raft(RaftBug::FollowerReadOwnCommit),
    },
    ZooBug {
        name: "read-before-apply",
        layer: "reads",
        description: "a confirmed ReadIndex read is answered without waiting for the state machine to reach the read index",
        provenance: "Raft dissertation §6.4 step 4: wait for the state machine to advance at least as far as the readIndex; etcd's linearizableReadLoop waits for the applied index",
        workload: "register",
        nemesis: "partition",
        knobs: &["reads=read-index", "client_routing=node"],
        voters: None,
        check: "read-index",
        injection: Sim(SimBug::ReadBeforeApply),
    },
    ZooBug {
        name: "confirmed-reads-overwritten",
        layer: "reads",
        description: "a Ready's read states replace the confirmed reads still waiting for the state machine instead of joining them",
        provenance: "etcd raft hands out ReadStates once each; an application that drops one leaves its read unanswered (etcd's linearizableReadLoop keeps every waiting notifier)",
        workload: "register",
        nemesis: "partition",
        knobs: &["reads=read-index", "client_routing=node"],
        voters: None,
        check: "read-progress",
        injection: Sim(SimBug::ConfirmedReadsOverwritten),
    },
    ZooBug {
        name: "compact-past-applied",
        layer: "snapshots",
        description: "log compaction measures its retention window from the commit index, not the applied index, dropping entries neither applied nor in the snapshot",
        provenance: "etcd's server compacts only below its snapshot index (raftStorage.Compact(snapi - catchUpEntries)); an entry compacted before it is applied is lost to a restart",
        workload: "kv",
        nemesis: "crash",
        knobs: &["snapshot_every=8"],
        voters: None,
        check: "compaction",
        injection: Sim(SimBug::CompactPastApplied),
    },
    ZooBug {
        name: "transfer-never-aborts",
        layer: "elections",
        description: "a leader never abandons a leadership transfer whose target does not catch up, refusing proposals meanwhile",
        provenance: "etcd raft tickHeartbeat aborts a transfer after an election timeout (TestLeaderTransferTimeout); Raft thesis §3.10: the leader aborts a transfer that does not complete in an election timeout",
        workload: "register",
        nemesis: "transfer,crash",
        knobs: &[],
        voters: None,
        check: "transfer-progress",
        injection: Raft(RaftBug::TransferNeverAborts),
    },
];

/// The zoo bug named `name`, or an error listing the names.
pub fn bug(name: &str) -> Result<&'static ZooBug, String> {
    ZOO.iter().find(|b| b.name == name).ok_or_else(|| {
        format!(
            "unknown bug {name:?}; valid bugs: {}",
            ZOO.iter().map(|b| b.name).collect::<Vec<_>>().join(", ")
        )
    })
}

/// The bug set for these names (each must exist).
pub fn bug_set<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<BugSet, String> {
    let mut set = BugSet::default();
    for name in names {
        let b = bug(name)?;
        if set.names.contains(&b.name) {
            continue;
        }
        match b.injection {
            Raft(r) => set.raft = set.raft.with(r),
            Sim(s) => set.add_sim(s),
        }
        set.names.push(b.name);
    }
    Ok(set)
}
