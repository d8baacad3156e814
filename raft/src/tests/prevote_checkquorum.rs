//! PreVote and CheckQuorum against stuck nodes, as etcd's raft_test.go exercises them:
//! a candidate (or pre-candidate) whose term ran ahead while it was cut off must be
//! able to rejoin, since a leader holding its lease ignores its votes; a voter that
//! cannot be promoted still votes and follows; and a rolling upgrade to PreVote
//! (some nodes with it, some without) still elects leaders.
//!
//! The way out, in every case, is the same rule of `Raft::step`: with CheckQuorum or
//! PreVote on, a node answers a MsgApp or heartbeat of a lower term with its own term,
//! which deposes the stale leader.

use super::common::*;
use crate::{MemStorage, Message, MessageType, StateType};

/// A heartbeat from `from` to `to` at `term`, as a leader of that term sends it.
fn heartbeat(from: u64, to: u64, term: u64) -> Message {
    msg(MessageType::MsgHeartbeat, from, to, term)
}

fn term(net: &Network, id: u64) -> u64 {
    net.nodes[&id].raft.term
}

#[test]
fn a_stuck_candidate_frees_itself_by_deposing_the_leader_that_holds_the_lease() {
    // etcd's TestFreeStuckCandidateWithCheckQuorum.
    let mut net = Network::with_config(3, |c| c.check_quorum = true);
    net.campaign(1);
    net.isolate(1);
    // Node 2 heard from leader 1 within an election timeout: it ignores 3's votes, and
    // 3 is stuck as a candidate whose term runs ahead.
    net.campaign(3);
    assert_eq!(net.state(2), StateType::StateFollower);
    assert_eq!(net.state(3), StateType::StateCandidate);
    assert_eq!(term(&net, 3), term(&net, 2) + 1);
    net.campaign(3);
    assert_eq!(net.state(2), StateType::StateFollower);
    assert_eq!(net.state(3), StateType::StateCandidate);
    assert_eq!(term(&net, 3), term(&net, 2) + 2);

    // The old leader's heartbeat reaches 3, whose answer carries the higher term: the
    // leader steps down to it, and no longer holds anyone in its lease.
    net.heal();
    let t1 = term(&net, 1);
    net.send(heartbeat(1, 3, t1));
    assert_eq!(net.state(1), StateType::StateFollower);
    assert_eq!(term(&net, 1), term(&net, 3));
    net.campaign(3);
    assert_eq!(net.state(3), StateType::StateLeader);
}

#[test]
fn a_voter_that_cannot_be_promoted_still_votes_and_follows_under_check_quorum() {
    // etcd's TestNonPromotableVoterWithCheckQuorum: node 2's own configuration (1)
    // does not hold it, so it never campaigns; node 1's configuration (1 2) counts
    // its vote, which it gives.
    let mut net = Network::empty();
    for (id, voters) in [(1, vec![1, 2]), (2, vec![1])] {
        let c = crate::Config {
            check_quorum: true,
            ..Network::config(id)
        };
        net.insert_node(c, MemStorage::new_with_voters(voters));
    }
    assert!(!net.nodes[&2].raft.promotable());
    net.tick(2, 40);
    net.stabilize();
    assert_eq!(net.state(2), StateType::StateFollower);
    assert_eq!(term(&net, 2), 0, "never campaigned");
    net.campaign(1);
    assert_eq!(net.state(1), StateType::StateLeader);
    assert_eq!(net.state(2), StateType::StateFollower);
    assert_eq!(net.nodes[&2].raft.lead, 1);
}

#[test]
fn a_pre_candidate_gives_up_its_leader_and_lets_another_node_win() {
    // etcd's TestPreVoteWithCheckQuorum: node 3 becomes a pre-candidate; node 2,
    // in leader 1's lease, ignores it. Becoming a pre-candidate forgets the leader, so
    // node 3 then grants 2's pre-vote and vote.
    let mut net = Network::with_config(3, |c| {
        c.pre_vote = true;
        c.check_quorum = true;
    });
    net.campaign(1);
    net.isolate(1);
    assert_eq!(net.state(1), StateType::StateLeader);
    assert_eq!(net.state(2), StateType::StateFollower);
    assert_eq!(net.state(3), StateType::StateFollower);
    net.campaign(3);
    assert_eq!(net.state(3), StateType::StatePreCandidate);
    net.campaign(2);
    assert_eq!(net.state(2), StateType::StateLeader);
    assert_eq!(net.state(3), StateType::StateFollower);
}

/// A rolling upgrade to PreVote (etcd's newPreVoteMigrationCluster): 1 and 2 run it,
/// 3 not yet. Node 1 leads; cut off, node 3 misses an entry and campaigns twice, so
/// its term is 2 ahead and its log behind. It restarts with PreVote on and rejoins.
fn pre_vote_migration_cluster() -> Network {
    let mut net = Network::with_config(3, |c| c.pre_vote = c.id != 3);
    net.campaign(1);
    net.isolate(3);
    net.propose(1, "some data");
    net.campaign(3);
    net.campaign(3);
    assert_eq!(net.state(1), StateType::StateLeader);
    assert_eq!(net.state(2), StateType::StateFollower);
    assert_eq!(net.state(3), StateType::StateCandidate);
    assert_eq!(term(&net, 2), term(&net, 1));
    assert_eq!(term(&net, 3), term(&net, 1) + 2);
    net.restart_with(3, |c| c.pre_vote = true);
    net.heal();
    net
}

#[test]
fn pre_vote_migration_can_complete_an_election() {
    // etcd's TestPreVoteMigrationCanCompleteElection: with the leader gone, node 3's
    // pre-votes fail (its log is behind) and node 2's first pre-vote fails against
    // 3's higher term, which 2 adopts; the next round elects 2.
    let mut net = pre_vote_migration_cluster();
    net.isolate(1);
    net.campaign(3);
    net.campaign(2);
    assert_eq!(net.state(2), StateType::StateFollower);
    assert_eq!(net.state(3), StateType::StatePreCandidate);
    assert_eq!(term(&net, 2), term(&net, 3), "2 learned 3's term");
    net.campaign(3);
    net.campaign(2);
    assert_eq!(net.state(2), StateType::StateLeader);
    assert_eq!(net.state(3), StateType::StateFollower);
}

#[test]
fn pre_vote_migration_frees_a_stuck_pre_candidate() {
    // etcd's TestPreVoteMigrationWithFreeStuckPreCandidate: node 3's pre-votes fail
    // (its log is behind) and their rejections, at the lower term of 1 and 2, are
    // ignored, so it stays a pre-candidate; the leader's next heartbeat reaches it, and
    // its answer at the higher term deposes the leader.
    let mut net = pre_vote_migration_cluster();
    for _ in 0..2 {
        net.campaign(3);
        assert_eq!(net.state(1), StateType::StateLeader);
        assert_eq!(net.state(2), StateType::StateFollower);
        assert_eq!(net.state(3), StateType::StatePreCandidate);
    }
    let t1 = term(&net, 1);
    net.send(heartbeat(1, 3, t1));
    assert_eq!(net.state(1), StateType::StateFollower);
    assert_eq!(term(&net, 1), term(&net, 3));
}

#[test]
fn a_node_with_a_smaller_term_can_complete_an_election() {
    // etcd's TestNodeWithSmallerTermCanCompleteElection: node 3 is cut off and stays
    // a pre-candidate at the old term while 2 takes over from 1; then 2 dies as 3
    // comes back, and 1 and 3 must still elect one of them.
    let mut net = Network::with_config(3, |c| c.pre_vote = true);
    net.cut_link(1, 3);
    net.cut_link(3, 1);
    net.cut_link(2, 3);
    net.cut_link(3, 2);
    net.campaign(1);
    assert_eq!(net.state(1), StateType::StateLeader);
    assert_eq!(net.state(2), StateType::StateFollower);
    net.campaign(3);
    assert_eq!(net.state(3), StateType::StatePreCandidate);
    net.campaign(2);
    assert_eq!(net.state(1), StateType::StateFollower);
    assert_eq!(net.state(2), StateType::StateLeader);
    assert_eq!(net.state(3), StateType::StatePreCandidate);
    assert_eq!((term(&net, 1), term(&net, 2), term(&net, 3)), (2, 2, 0));

    net.heal();
    net.isolate(2);
    net.campaign(3);
    net.campaign(1);
    assert!(
        net.state(1) == StateType::StateLeader || net.state(3) == StateType::StateLeader,
        "1 and 3 elected neither"
    );
}

#[test]
fn pre_candidates_after_a_split_vote_elect_a_leader_next_round() {
    // etcd's TestPreVoteWithSplitVote: with the leader gone, 2 and 3 pre-vote at once,
    // each granting the other's pre-vote, then split the real vote at the same term;
    // the next round, started by 2 alone, elects it.
    let mut net = Network::with_config(3, |c| c.pre_vote = true);
    net.campaign(1);
    net.isolate(1);
    let t = term(&net, 2);
    net.note("campaign 2 and 3 at once");
    net.node(2).campaign().unwrap();
    net.node(3).campaign().unwrap();
    net.stabilize();
    assert_eq!((term(&net, 2), term(&net, 3)), (t + 1, t + 1));
    assert_eq!(net.state(2), StateType::StateCandidate);
    assert_eq!(net.state(3), StateType::StateCandidate);
    net.campaign(2);
    assert_eq!((term(&net, 2), term(&net, 3)), (t + 2, t + 2));
    assert_eq!(net.state(2), StateType::StateLeader);
    assert_eq!(net.state(3), StateType::StateFollower);
}

/// The Network scenarios above again, with asynchronous storage writes.
mod async_storage_writes {
    crate::tests::common::async_twins!(
        a_node_with_a_smaller_term_can_complete_an_election,
        a_pre_candidate_gives_up_its_leader_and_lets_another_node_win,
        a_stuck_candidate_frees_itself_by_deposing_the_leader_that_holds_the_lease,
        a_voter_that_cannot_be_promoted_still_votes_and_follows_under_check_quorum,
        pre_candidates_after_a_split_vote_elect_a_leader_next_round,
        pre_vote_migration_can_complete_an_election,
        pre_vote_migration_frees_a_stuck_pre_candidate,
    );
}
