//! raft's code probes (see `linsim_probes`): above all at every safety guard's
//! refusal branch, the places where Raft refuses to do something unsafe.

use linsim_probes::define_probes;
pub use linsim_probes::ProbeInfo;

/// Counts a hit of one of this crate's probes: `probe!(VoteRejectedStaleLog)`.
#[macro_export]
macro_rules! probe {
    ($variant:ident) => {
        $crate::probes::hit($crate::probes::Probe::$variant)
    };
}

define_probes! {
    CommitRefusedEarlierTerm: "commit_refused_earlier_term", "raft/src/log.rs", true,
        "a leader refused to commit a quorum-replicated entry of an earlier term (Raft §5.4.2, Figure 8)";
    VoteRejectedStaleLog: "vote_rejected_stale_log", "raft/src/raft.rs", true,
        "a vote or pre-vote was refused because the candidate's log is not up to date (§5.4.1)";
    VoteRejectedAlreadyVoted: "vote_rejected_already_voted", "raft/src/raft.rs", true,
        "a vote was refused because this node voted for another candidate or knows a leader in the term";
    VoteIgnoredInLease: "vote_ignored_in_lease", "raft/src/raft.rs", true,
        "a vote request at a higher term was ignored: the leader's lease (CheckQuorum) has not expired";
    VoteRepeatedSameTerm: "vote_repeated_same_term", "raft/src/raft.rs", false,
        "a vote was granted again to the candidate this node had already voted for in the term (e.g. after a restart)";
    PreVoteRejectedStaleTerm: "prevote_rejected_stale_term", "raft/src/raft.rs", true,
        "a pre-vote at a term below ours was rejected";
    StaleTermMessageIgnored: "stale_term_message_ignored", "raft/src/raft.rs", true,
        "a message from a lower term was ignored";
    StaleLeaderToldNewerTerm: "stale_leader_told_newer_term", "raft/src/raft.rs", false,
        "a MsgApp or heartbeat from a stale leader was answered with our higher term";
    AppendRejectedPrevMismatch: "append_rejected_prev_mismatch", "raft/src/raft.rs", true,
        "a MsgApp was rejected: the follower lacks the entry before it or has another term there (§5.3)";
    AppendBelowCommitAcked: "append_below_commit_acked", "raft/src/raft.rs", true,
        "a MsgApp starting below the follower's commit index was answered with the commit index instead of being applied";
    ConflictingSuffixTruncated: "conflicting_suffix_truncated", "raft/src/log.rs", true,
        "a follower truncated an uncommitted log suffix that conflicts with the leader's";
    AppendPartialSuffix: "append_partial_suffix", "raft/src/log.rs", false,
        "a MsgApp carried entries the follower already had and some it lacked (only the new part was appended)";
    HeartbeatCommitBoundedByMatch: "heartbeat_commit_bounded_by_match", "raft/src/raft.rs", true,
        "a heartbeat's commit index was capped at the follower's match index, below the leader's commit";
    FollowerCommitBoundedByLastNew: "follower_commit_bounded_by_last_new", "raft/src/log.rs", true,
        "a follower capped the leader's commit index at the last entry the MsgApp confirmed";
    LeaderSteppedDownCheckQuorum: "leader_stepped_down_check_quorum", "raft/src/raft.rs", true,
        "a leader stepped down: it had not heard from a quorum within an election timeout";
    LeaderSteppedDownHigherTerm: "leader_stepped_down_higher_term", "raft/src/raft.rs", false,
        "a leader learned of a higher term and became a follower";
    CandidateLostElection: "candidate_lost_election", "raft/src/raft.rs", false,
        "a (pre-)candidate received a quorum of rejections and went back to follower";
    PreVoteWonThenCampaigned: "prevote_won_then_campaigned", "raft/src/raft.rs", false,
        "a pre-candidate won its pre-vote and started a real election";
    ProposalDroppedNoLeader: "proposal_dropped_no_leader", "raft/src/raft.rs", true,
        "a proposal was dropped because no leader is known";
    ProposalDroppedTransfer: "proposal_dropped_transfer", "raft/src/raft.rs", true,
        "a leader dropped a proposal because a leadership transfer is in progress";
    ProposalDroppedUncommittedLimit: "proposal_dropped_uncommitted_limit", "raft/src/raft.rs", true,
        "a leader dropped a proposal that would exceed its uncommitted entry size limit";
    ProposalForwarded: "proposal_forwarded", "raft/src/raft.rs", false,
        "a follower forwarded a proposal to its leader";
    AppendRejectionStale: "append_rejection_stale", "raft/src/tracker/progress.rs", true,
        "a leader ignored a stale MsgApp rejection (for an index it had already moved past)";
    AppendBacktrackedByTerm: "append_backtracked_by_term", "raft/src/raft.rs", false,
        "a leader skipped a whole term of entries after a rejection (fast backtracking by term)";
    AppendAckStale: "append_ack_stale", "raft/src/raft.rs", false,
        "a leader ignored a MsgApp acknowledgement for an index already matched (late or duplicated)";
    ReplicateWindowFull: "replicate_window_full", "raft/src/raft.rs", false,
        "a leader found a follower's inflight window full and sent only an empty MsgApp";
    ReplicateFellBackToProbe: "replicate_fell_back_to_probe", "raft/src/raft.rs", false,
        "a follower in Replicate state rejected an append and its progress went back to Probe";
    MsgAppSplitBySize: "msg_app_split_by_size", "raft/src/raft.rs", false,
        "a MsgApp carried fewer entries than were pending because of max_size_per_msg";
    TransferStarted: "transfer_started", "raft/src/raft.rs", false,
        "a leader started a leadership transfer";
    TransferTimedOut: "transfer_timed_out", "raft/src/raft.rs", false,
        "a leadership transfer did not finish within an election timeout and was abandoned";
    CampaignByTimeoutNow: "campaign_by_timeout_now", "raft/src/raft.rs", false,
        "a follower received MsgTimeoutNow and campaigned at once, bypassing pre-vote and leases";
    ReadIndexHeldUntilCommitInTerm: "read_index_held_until_commit_in_term", "raft/src/raft.rs", true,
        "a new leader held a read: it has not committed an entry of its term, so its commit index may be stale";
    ReadIndexReleasedAfterCommitInTerm: "read_index_released_after_commit_in_term", "raft/src/raft.rs", false,
        "a leader released the reads it held once it committed the first entry of its term";
    ReadIndexConfirmedByQuorum: "read_index_confirmed_by_quorum", "raft/src/raft.rs", false,
        "a quorum answered a heartbeat carrying a read's context, confirming the leadership the read needs (ReadOnlySafe)";
    ReadIndexServedByLease: "read_index_served_by_lease", "raft/src/raft.rs", false,
        "a leader answered a read from its lease, without a heartbeat round (ReadOnlyLeaseBased)";
    ReadIndexDroppedNoLeader: "read_index_dropped_no_leader", "raft/src/raft.rs", true,
        "a follower dropped a read because it knows no leader to forward it to";
    ForgetLeaderRefusedLeaseRead: "forget_leader_refused_lease_read", "raft/src/raft.rs", true,
        "a follower refused to forget its leader: lease-based reads rely on it refusing votes while it knows one";
    SnapshotRefusedStale: "snapshot_refused_stale", "raft/src/raft.rs", true,
        "a node refused to restore a snapshot at or below its commit index (a duplicate or delayed MsgSnap)";
    SnapshotRefusedNotInConfig: "snapshot_refused_not_in_config", "raft/src/raft.rs", true,
        "a node refused to restore a snapshot whose membership does not contain it";
    CampaignRefusedPendingSnapshot: "campaign_refused_pending_snapshot", "raft/src/raft.rs", true,
        "a node did not campaign: it is installing a snapshot not yet persisted and applied";
    ProbeRecoveredAtMatch: "probe_recovered_at_match", "raft/src/raft.rs", false,
        "a caught-up follower in Probe acknowledged its match and went back to Replicate";
    ConfChangeRefusedPending: "conf_change_refused_pending", "raft/src/raft/membership.rs", true,
        "a leader replaced a conf change proposal by an empty entry: an earlier conf change is not applied yet";
    ConfChangeRefusedJointState: "conf_change_refused_joint_state", "raft/src/raft/membership.rs", true,
        "a leader replaced a conf change proposal by an empty entry: it does not leave the joint config it is in, or leaves one it is not in";
    ConfChangeRefusedTooManyVoters: "conf_change_refused_too_many_voters", "raft/src/confchange/changer.rs", true,
        "a simple conf change was refused: it changes more than one voter without joint consensus";
    CampaignRefusedUnappliedConfChange: "campaign_refused_unapplied_conf_change", "raft/src/raft.rs", true,
        "a node did not campaign: a committed conf change is not applied yet, so it does not know its configuration";
    ProposalDroppedRemovedLeader: "proposal_dropped_removed_leader", "raft/src/raft.rs", true,
        "a leader removed from the configuration (still leading without StepDownOnRemoval) dropped a proposal";
    SnapshotRefusedInvalidConfig: "snapshot_refused_invalid_config", "raft/src/raft/membership.rs", true,
        "a node refused to restore a snapshot whose ConfState is not a valid configuration";
    LeaderSteppedDownRemoved: "leader_stepped_down_removed", "raft/src/raft/membership.rs", false,
        "a leader applied its own removal (or demotion) and stepped down (StepDownOnRemoval)";
    AutoLeaveProposed: "auto_leave_proposed", "raft/src/raft/membership.rs", false,
        "a leader applied a joint config entered with auto-leave and proposed leaving it";
    AutoLeaveDeferred: "auto_leave_deferred", "raft/src/raft/membership.rs", false,
        "a leader could not propose leaving a joint config entered with auto-leave (a leadership transfer is in progress): it tries again when the transfer ends";
    AutoLeaveRetriedAfterTransfer: "auto_leave_retried_after_transfer", "raft/src/raft.rs", false,
        "a leadership transfer timed out while the leader owed the leave of an auto-leave joint config: it proposed the leave then";
    JointConfigEntered: "joint_config_entered", "raft/src/raft/membership.rs", false,
        "a node applied a conf change entering a joint configuration";
    JointConfigLeft: "joint_config_left", "raft/src/raft/membership.rs", false,
        "a node applied a conf change leaving a joint configuration";
    SnapshotRestoredJointConfig: "snapshot_restored_joint_config", "raft/src/raft/membership.rs", false,
        "a node restored a snapshot taken during a joint configuration";
    LearnerPromoted: "learner_promoted", "raft/src/confchange/changer.rs", false,
        "a conf change promoted a learner to voter";
    ResponseHeldUntilDurable: "response_held_until_durable", "raft/src/raft/storage_writes.rs", true,
        "async storage writes: a vote or append ack was held until the append thread makes the state it promises durable";
    SelfVoteHeldUntilDurable: "self_vote_held_until_durable", "raft/src/raft/storage_writes.rs", true,
        "async storage writes: a candidate's own vote was held until its term and vote are durable";
    StaleStorageAppendIgnored: "stale_storage_append_ignored", "raft/src/raft/storage_writes.rs", true,
        "async storage writes: an append response from an earlier term did not mark entries stable (they may have been replaced since)";
    ApplyHeldUntilDurable: "apply_held_until_durable", "raft/src/raw_node/async_ready.rs", true,
        "async storage writes: committed entries not yet durable on this node were held back from the apply thread";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_are_counted_per_probe_and_taken_once() {
        let _ = take();
        crate::probe!(VoteRejectedStaleLog);
        crate::probe!(VoteRejectedStaleLog);
        crate::probe!(CommitRefusedEarlierTerm);
        let hits = take();
        assert_eq!(hits.len(), PROBES.len());
        assert_eq!(hits[Probe::VoteRejectedStaleLog as usize], 2);
        assert_eq!(hits[Probe::CommitRefusedEarlierTerm as usize], 1);
        assert!(take().iter().all(|&h| h == 0), "take resets the counters");
    }

    #[test]
    fn every_probe_lives_in_the_file_its_table_names() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap();
        linsim_probes::check_files(PROBES, ALL_PROBES, root).unwrap();
    }
}
