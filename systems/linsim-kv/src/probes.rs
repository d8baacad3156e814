//! linsim-kv's code probes (server, state machine, client), declared like raft's
//! (`linsim_raft::probes`); the system reports both sets (`System::probes`).

linsim_probes::define_probes! {
    RestartedWithVote: "restarted_with_vote", "systems/linsim-kv/src/server/mod.rs", false,
        "a server restarted holding a durable vote for its current term";
    RequestForwardedByFollower: "request_forwarded_by_follower", "systems/linsim-kv/src/server/mod.rs", false,
        "a follower proposed a client's request, forwarded to its leader by raft (node routing)";
    ForwardedRequestAnswered: "forwarded_request_answered", "systems/linsim-kv/src/server/apply.rs", false,
        "a follower answered a client after applying the request it had forwarded";
    ProposalRefused: "proposal_refused", "systems/linsim-kv/src/server/mod.rs", true,
        "raft refused a proposal (no leader, transfer, uncommitted limit) and the client was told to retry";
    ResentRequestAnsweredFromSession: "resent_request_answered_from_session", "systems/linsim-kv/src/server/mod.rs", true,
        "a server answered a resent request from the result it recorded when it applied it, instead of proposing it again";
    DuplicateRequestNotReapplied: "duplicate_request_not_reapplied", "systems/linsim-kv/src/kv.rs", true,
        "the state machine met a request it had already applied and did not apply it again";
    ReadServedByReadIndex: "read_served_by_read_index", "systems/linsim-kv/src/server/apply.rs", false,
        "a server answered a read confirmed by ReadIndex once it had applied up to the read index";
    StaleResponseSkipped: "stale_response_skipped", "systems/linsim-kv/src/client.rs", false,
        "a client received an answer to an earlier request and ignored it";
    LogCompacted: "log_compacted", "systems/linsim-kv/src/server/apply.rs", false,
        "a server snapshotted its state machine and compacted its log";
    SnapshotSent: "snapshot_sent", "systems/linsim-kv/src/wire.rs", false,
        "a leader sent a snapshot (MsgSnap) to a follower its log no longer reaches";
    SnapshotLostOnTheWay: "snapshot_lost_on_the_way", "systems/linsim-kv/src/server/mod.rs", true,
        "a snapshot was lost on the way (cut, loss, receiver down) and the leader was told (ReportSnapshot), so it probes again";
    SnapshotInstalled: "snapshot_installed", "systems/linsim-kv/src/server/apply.rs", false,
        "a follower made a leader's snapshot durable and restored its state machine from it";
    RestartedFromSnapshot: "restarted_from_snapshot", "systems/linsim-kv/src/server/mod.rs", false,
        "a server restarted from its durable snapshot plus the log after it";
    AsyncAppendDurable: "async_append_durable", "systems/linsim-kv/src/server/async_writes.rs", false,
        "async storage writes: the append task synced an append and released its responses, and the raft loop made it visible in raft's storage";
    AsyncAppendsGroupCommitted: "async_appends_group_committed", "systems/linsim-kv/src/server/async_writes.rs", false,
        "async storage writes: several queued appends shared one fsync";
    ReadDroppedWithError: "read_dropped_with_error", "systems/linsim-kv/src/server/mod.rs", true,
        "a server gave up on a ReadIndex read raft never confirmed (a new term, or a timeout) and told its client to retry";
    ConfChangeRefusedAtApply: "conf_change_refused_at_apply", "systems/linsim-kv/src/server/apply.rs", true,
        "raft refused a committed conf change when it was applied (invalid in the configuration), leaving the configuration as it was";
    ConfirmedReadWaitedForApply: "confirmed_read_waited_for_apply", "systems/linsim-kv/src/server/mod.rs", false,
        "a confirmed read waited for the state machine to apply up to its read index";
    VoteFromNonMemberDropped: "vote_from_non_member_dropped", "systems/linsim-kv/src/server/mod.rs", true,
        "a server dropped a vote request from a server outside its configuration and told it it was removed";
}

/// Counts a hit of one of this crate's probes: `probe!(ProposalRefused)`.
macro_rules! probe {
    ($variant:ident) => {
        $crate::probes::hit($crate::probes::Probe::$variant)
    };
}
pub(crate) use probe;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_probe_lives_in_the_file_its_table_names() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .nth(2)
            .unwrap();
        linsim_probes::check_files(PROBES, ALL_PROBES, root).unwrap();
    }
}
