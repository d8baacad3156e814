//! The simulator's code probes (server, disk, client, faults), declared like raft's
//! (`linsim_raft::probes`). A run reports the hits of both sets.

linsim_raft::define_probes! {
    UnsyncedWritesLost: "unsynced_writes_lost", "sim/src/disk.rs", false,
        "a crash lost writes that were in the page cache (not yet fsynced)";
    TornRecordTruncated: "torn_record_truncated", "sim/src/disk.rs", true,
        "recovery found a partial or corrupt last record after a torn crash and truncated the log there";
    EntriesLostInCrash: "entries_lost_in_crash", "sim/src/faults.rs", false,
        "a crash lost log entries that had not been synced";
    PowerLossMajority: "power_loss_majority", "sim/src/faults.rs", false,
        "a majority of the servers lost power at the same instant";
    ClientsCutOff: "clients_cut_off", "sim/src/faults.rs", false,
        "links between clients and servers were cut";
    RestartedWithVote: "restarted_with_vote", "sim/src/server.rs", false,
        "a server restarted holding a durable vote for its current term";
    RequestForwardedByFollower: "request_forwarded_by_follower", "sim/src/server.rs", false,
        "a follower proposed a client's request, forwarded to its leader by raft (node routing)";
    ForwardedRequestAnswered: "forwarded_request_answered", "sim/src/server/apply.rs", false,
        "a follower answered a client after applying the request it had forwarded";
    ProposalRefused: "proposal_refused", "sim/src/server.rs", true,
        "raft refused a proposal (no leader, transfer, uncommitted limit) and the client was told to retry";
    ResentRequestAnsweredFromSession: "resent_request_answered_from_session", "sim/src/server.rs", true,
        "a server answered a resent request from the result it recorded when it applied it, instead of proposing it again";
    DuplicateRequestNotReapplied: "duplicate_request_not_reapplied", "sim/src/kv.rs", true,
        "the state machine met a request it had already applied and did not apply it again";
    ClientResentRequest: "client_resent_request", "sim/src/client.rs", false,
        "a client got no answer in time and resent the same request to another server";
    ReadServedByReadIndex: "read_served_by_read_index", "sim/src/server/apply.rs", false,
        "a server answered a read confirmed by ReadIndex once it had applied up to the read index";
    ClientRedirected: "client_redirected", "sim/src/client.rs", false,
        "a client was told another server leads and retried there";
    ClientTimedOut: "client_timed_out", "sim/src/client.rs", false,
        "a client gave up on an operation: its outcome is unknown (info)";
    StaleResponseSkipped: "stale_response_skipped", "sim/src/client.rs", false,
        "a client received an answer to an earlier request and ignored it";
    MessageDuplicated: "message_duplicated", "sim/src/transport.rs", false,
        "the transport sent a raft message twice";
    LogCompacted: "log_compacted", "sim/src/server/apply.rs", false,
        "a server snapshotted its state machine and compacted its log";
    SnapshotSent: "snapshot_sent", "sim/src/transport.rs", false,
        "a leader sent a snapshot (MsgSnap) to a follower its log no longer reaches";
    SnapshotLostOnTheWay: "snapshot_lost_on_the_way", "sim/src/server.rs", true,
        "a snapshot was lost on the way (cut, loss, receiver down) and the leader was told (ReportSnapshot), so it probes again";
    SnapshotInstalled: "snapshot_installed", "sim/src/server/apply.rs", false,
        "a follower made a leader's snapshot durable and restored its state machine from it";
    ClientLeftRemovedServer: "client_left_removed_server", "sim/src/client.rs", false,
        "a client bound to (or sent to) a server no longer a member moved on to the next member";
    RestartedFromSnapshot: "restarted_from_snapshot", "sim/src/server.rs", false,
        "a server restarted from its durable snapshot plus the log after it";
    AsyncAppendDurable: "async_append_durable", "sim/src/server/async_writes.rs", false,
        "async storage writes: the append task synced an append and released its responses, and the raft loop made it visible in raft's storage";
    AsyncAppendsGroupCommitted: "async_appends_group_committed", "sim/src/server/async_writes.rs", false,
        "async storage writes: several queued appends shared one fsync";
    JointCommitCheckedBothHalves: "joint_commit_checked_both_halves", "sim/src/observer/membership.rs", false,
        "a leader in a joint configuration advanced its commit index and the observer found a quorum of both halves holding the entry durably";
    ReadIndexAboveArrivalCommit: "read_index_above_arrival_commit", "sim/src/observer/reads.rs", false,
        "a read was confirmed at a read index above the commit index known when it arrived (it waited for later writes)";
    TransferCompleted: "transfer_completed", "sim/src/observer/progress.rs", false,
        "a leadership transfer completed: its target became leader";
    TransferAborted: "transfer_aborted", "sim/src/observer/progress.rs", true,
        "a leadership transfer was abandoned by its leader (timed out, or its target left the configuration)";
    ReadDroppedWithError: "read_dropped_with_error", "sim/src/server.rs", true,
        "a server gave up on a ReadIndex read raft never confirmed (a new term, or a timeout) and told its client to retry";
    ConfChangeRefusedAtApply: "conf_change_refused_at_apply", "sim/src/server/apply.rs", true,
        "raft refused a committed conf change when it was applied (invalid in the configuration), leaving the configuration as it was";
    ConfirmedReadWaitedForApply: "confirmed_read_waited_for_apply", "sim/src/server.rs", false,
        "a confirmed read waited for the state machine to apply up to its read index";
    JointConfigLeftAtHeal: "joint_config_left_at_heal", "sim/src/settle.rs", false,
        "after the final heal the cluster was in an explicit joint configuration, and the operator's leave was proposed";
    ClientProcessRetired: "client_process_retired", "sim/src/clients.rs", false,
        "a client's operation timed out: its process retired and a fresh process took the slot";
    VoteFromNonMemberDropped: "vote_from_non_member_dropped", "sim/src/server.rs", true,
        "a server dropped a vote request from a server outside its configuration and told it it was removed";
    LoadBurst: "load_burst", "sim/src/faults.rs", false,
        "a fault aimed a burst of reads or writes at a moment (a leader change, a partition's heal)";
}

/// Counts a hit of one of the simulator's probes: `probe!(UnsyncedWritesLost)`.
macro_rules! probe {
    ($variant:ident) => {
        $crate::probes::hit($crate::probes::Probe::$variant)
    };
}
pub(crate) use probe;

use linsim_raft::probes::ProbeInfo;

/// Every probe a run reports: raft's, then the simulator's.
pub fn all() -> Vec<ProbeInfo> {
    linsim_raft::probes::PROBES
        .iter()
        .chain(PROBES.iter())
        .copied()
        .collect()
}

/// This thread's hits of every probe since the last call, in the order of `all()`.
pub fn take_all() -> Vec<u64> {
    let mut hits = linsim_raft::probes::take();
    hits.extend(take());
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_probe_lives_in_the_file_its_table_names() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("sim/ has a parent");
        for (p, variant) in PROBES.iter().zip(ALL_PROBES) {
            let src = std::fs::read_to_string(root.join(p.file)).expect("probe file exists");
            assert!(
                src.contains(&format!("probe!({variant:?})")),
                "probe {} is not counted in {}",
                p.name,
                p.file
            );
        }
        let names: std::collections::BTreeSet<_> = all().iter().map(|p| p.name).collect();
        assert_eq!(
            names.len(),
            all().len(),
            "probe names are unique across crates"
        );
    }
}
