//! The code probes of the raft-rs system (its server, storage and client), declared
//! as linsim-kv's are; the system reports them (`System::probes`). raft-rs itself has
//! no probes: what it does is seen through the Raft observation API.

linsim_probes::define_probes! {
    RestartedWithVote: "restarted_with_vote", "systems/raft-rs/src/server/mod.rs", false,
        "a server restarted holding a durable vote";
    RestartedFromSnapshot: "restarted_from_snapshot", "systems/raft-rs/src/server/mod.rs", false,
        "a server restarted from its durable snapshot plus the log after it";
    ElectionTickWithheld: "election_tick_withheld", "systems/raft-rs/src/server/election.rs", false,
        "a server drew a nonzero election jitter: raft-rs's pinned timeout is lengthened by ticks withheld from it";
    RequestForwardedByFollower: "request_forwarded_by_follower", "systems/raft-rs/src/server/requests.rs", false,
        "a follower proposed a client's request, forwarded to its leader by raft-rs (node routing)";
    ForwardedRequestAnswered: "forwarded_request_answered", "systems/raft-rs/src/server/apply.rs", false,
        "a follower answered a client after applying the request it had forwarded";
    ProposalRefused: "proposal_refused", "systems/raft-rs/src/server/requests.rs", true,
        "raft-rs refused a proposal (no leader, transfer, uncommitted limit) and the client was told to retry";
    ResentRequestAnsweredFromSession: "resent_request_answered_from_session", "systems/raft-rs/src/server/requests.rs", true,
        "a server answered a resent request from the result it recorded when it applied it";
    ReadServedByReadIndex: "read_served_by_read_index", "systems/raft-rs/src/server/requests.rs", false,
        "a server answered a read confirmed by raft-rs's ReadIndex once it had applied up to the read index";
    ConfirmedReadWaitedForApply: "confirmed_read_waited_for_apply", "systems/raft-rs/src/server/requests.rs", false,
        "a confirmed read waited for the state machine to apply up to its read index";
    ReadDroppedWithError: "read_dropped_with_error", "systems/raft-rs/src/server/requests.rs", true,
        "a server gave up on a ReadIndex read raft-rs never confirmed (a new term, or a timeout) and told its client to retry";
    StaleResponseSkipped: "stale_response_skipped", "systems/raft-rs/src/lib.rs", false,
        "a client received an answer to an earlier request and ignored it";
    LogCompacted: "log_compacted", "systems/raft-rs/src/server/apply.rs", false,
        "a server snapshotted its state machine and compacted its log";
    SnapshotSent: "snapshot_sent", "systems/raft-rs/src/wire.rs", false,
        "a leader sent a snapshot (MsgSnapshot) to a follower its log no longer reaches";
    SnapshotLostOnTheWay: "snapshot_lost_on_the_way", "systems/raft-rs/src/server/mod.rs", true,
        "a snapshot was lost on the way and the leader was told (report_snapshot), so it probes again";
    SnapshotInstalled: "snapshot_installed", "systems/raft-rs/src/server/apply.rs", false,
        "a follower made a leader's snapshot durable and restored its state machine from it";
    ConfChangeRefusedAtApply: "conf_change_refused_at_apply", "systems/raft-rs/src/server/apply.rs", true,
        "raft-rs refused a committed conf change when it was applied (invalid in the configuration)";
    LeaderAppliedOwnRemoval: "leader_applied_own_removal", "systems/raft-rs/src/server/apply.rs", true,
        "a leader applied a configuration without itself as a voter and stepped down (raft-rs 0.7 would keep it in office, then panic)";
    VoteFromNonMemberDropped: "vote_from_non_member_dropped", "systems/raft-rs/src/server/mod.rs", true,
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
