//! PreVote, CheckQuorum, proposal forwarding and leadership transfer, as cluster
//! scenarios on the in-memory network.

use super::common::Network;
use crate::{Error, StateType};

#[test]
fn rejoining_partitioned_node_with_pre_vote_does_not_disrupt_the_leader() {
    let mut net = Network::with_config(3, |c| c.pre_vote = true);
    net.campaign(1);
    assert_eq!(net.leader(), Some(1));
    let term = net.nodes[&1].raft.term;

    // Node 3 is cut off and times out repeatedly: pre-vote keeps its term unchanged.
    net.isolate(3);
    for _ in 0..5 {
        net.tick_until_campaign(3);
        net.stabilize();
    }
    assert_eq!(net.state(3), StateType::StatePreCandidate);
    assert_eq!(
        net.nodes[&3].raft.term, term,
        "pre-vote never bumps the term"
    );

    // It rejoins: the leader keeps its term and role, and node 3 follows it again.
    net.heal();
    net.tick_all(3);
    assert_eq!(net.leader(), Some(1));
    assert_eq!(net.nodes[&1].raft.term, term);
    assert_eq!(net.state(3), StateType::StateFollower);
    assert_eq!(net.nodes[&3].raft.lead, 1);
}

#[test]
fn rejoining_partitioned_node_without_pre_vote_forces_a_new_term() {
    // The contrast case: without pre-vote the isolated node's term inflation makes the
    // leader step down when they talk again.
    let mut net = Network::new(3);
    net.campaign(1);
    let term = net.nodes[&1].raft.term;
    net.isolate(3);
    for _ in 0..3 {
        net.tick_until_campaign(3);
        net.stabilize();
    }
    assert_eq!(net.nodes[&3].raft.term, term + 3);
    net.heal();
    // Node 3 ignores the leader's lower-term heartbeats until its own timer fires.
    net.tick_all(20);
    assert!(net.nodes[&1].raft.term > term, "leader was disrupted");
}

#[test]
fn leader_cut_off_from_quorum_steps_down_within_an_election_timeout() {
    let mut net = Network::with_config(3, |c| c.check_quorum = true);
    net.campaign(1);
    assert_eq!(net.leader(), Some(1));
    net.isolate(1);
    // Two election timeouts at most: the first check may see activity from before the cut.
    let et = 10;
    for _ in 0..2 * et {
        net.tick(1, 1);
        net.stabilize();
    }
    assert_eq!(net.state(1), StateType::StateFollower);
}

#[test]
fn leader_keeps_leading_while_quorum_is_active() {
    let mut net = Network::with_config(3, |c| c.check_quorum = true);
    net.campaign(1);
    net.tick_all(50);
    assert_eq!(net.leader(), Some(1));
}

#[test]
fn follower_with_live_leader_ignores_vote_requests_under_check_quorum() {
    let mut net = Network::with_config(3, |c| c.check_quorum = true);
    net.campaign(1);
    let term = net.nodes[&1].raft.term;
    // Node 3 campaigns on its own (as after a brief partition) while 2 hears from 1.
    net.node(3).campaign().unwrap();
    net.stabilize();
    assert_eq!(net.state(2), StateType::StateFollower);
    assert_eq!(net.nodes[&2].raft.term, term, "2 is in the leader's lease");
    assert_eq!(net.nodes[&2].raft.lead, 1);
}

#[test]
fn follower_forwards_proposals_to_the_leader() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose(2, "forwarded");
    for id in 1..=3 {
        assert_eq!(net.applied_strings(id), vec!["forwarded"], "node {id}");
    }
}

#[test]
fn follower_drops_proposals_when_forwarding_is_disabled() {
    let mut net = Network::with_config(3, |c| c.disable_proposal_forwarding = true);
    net.campaign(1);
    let r = net.node(2).propose(b"x".to_vec());
    assert_eq!(r, Err(Error::ProposalDropped));
}

#[test]
fn proposal_without_leader_is_dropped() {
    let mut net = Network::new(3);
    assert_eq!(
        net.node(1).propose(b"x".to_vec()),
        Err(Error::ProposalDropped)
    );
}

#[test]
fn leadership_transfers_to_an_up_to_date_follower() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose(1, "a");
    net.node(1).transfer_leader(3);
    net.stabilize();
    assert_eq!(net.leader(), Some(3));
    net.propose(2, "b");
    assert_eq!(net.applied_strings(1), vec!["a", "b"]);
}

#[test]
fn restarted_node_recovers_its_log_and_catches_up() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose(1, "a");
    net.isolate(3);
    net.propose(1, "b");
    net.restart(3);
    net.heal();
    net.tick_all(3);
    assert_eq!(net.applied_strings(3), vec!["a", "b"]);
}

#[test]
fn forget_leader_lets_a_follower_vote_before_its_timeout() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.isolate(1);
    net.node(2).forget_leader().unwrap();
    net.node(3).forget_leader().unwrap();
    net.node(2).campaign().unwrap();
    net.stabilize();
    assert_eq!(net.state(2), StateType::StateLeader);
}

/// The Network scenarios above again, with asynchronous storage writes.
mod async_storage_writes {
    crate::tests::common::async_twins!(
        follower_drops_proposals_when_forwarding_is_disabled,
        follower_forwards_proposals_to_the_leader,
        follower_with_live_leader_ignores_vote_requests_under_check_quorum,
        forget_leader_lets_a_follower_vote_before_its_timeout,
        leader_cut_off_from_quorum_steps_down_within_an_election_timeout,
        leader_keeps_leading_while_quorum_is_active,
        leadership_transfers_to_an_up_to_date_follower,
        proposal_without_leader_is_dropped,
        rejoining_partitioned_node_with_pre_vote_does_not_disrupt_the_leader,
        rejoining_partitioned_node_without_pre_vote_forces_a_new_term,
        restarted_node_recovers_its_log_and_catches_up,
    );
}
