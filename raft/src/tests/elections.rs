//! Elections from any state, as etcd's raft_test.go checks them: a vote request of a
//! higher term is granted whatever role the voter is in (a real vote makes it a
//! follower of that term; a pre-vote changes nothing), and every node of a cluster
//! can be elected in turn, with and without PreVote.

use super::common::*;
use crate::{Message, MessageType, StateType, NONE};

const ROLES: [StateType; 4] = [
    StateType::StateFollower,
    StateType::StatePreCandidate,
    StateType::StateCandidate,
    StateType::StateLeader,
];

/// etcd's testVoteFromAnyState: node 1 (of 1 2 3), at term 1 and in `role`, gets a
/// request of type `vote` from 2 for the next term with a log far ahead of its own.
fn vote_from(role: StateType, vote: MessageType, async_storage_writes: bool) {
    let what = format!("{vote} to a {role}, async {async_storage_writes}");
    let mut r = new_raft_with(1, &[1, 2, 3], 10, 1, |c| {
        c.async_storage_writes = async_storage_writes;
    });
    r.term = 1;
    match role {
        StateType::StateFollower => r.become_follower(1, 3),
        StateType::StatePreCandidate => r.become_pre_candidate(),
        StateType::StateCandidate => r.become_candidate(),
        StateType::StateLeader => {
            r.become_candidate();
            r.become_leader();
        }
    }
    // Becoming a candidate or leader moved the term past 1.
    let (old_term, new_term) = (r.term, r.term + 1);
    r.step(Message {
        log_term: new_term,
        index: 42,
        ..msg(vote, 2, 1, new_term)
    })
    .unwrap();
    // In async mode a granted vote waits for the append that persists it.
    let mut out = r.take_messages();
    out.append(&mut r.msgs_after_append);
    assert_eq!(out.len(), 1, "{what}: {out:?}");
    assert_eq!(out[0].msg_type, vote.vote_response(), "{what}");
    assert!(!out[0].reject, "{what}");
    if vote == MessageType::MsgVote {
        assert_eq!(r.state, StateType::StateFollower, "{what}");
        assert_eq!(r.term, new_term, "{what}");
        assert_eq!(r.vote, 2, "{what}");
    } else {
        assert_eq!(r.state, role, "{what}: a pre-vote changes nothing");
        assert_eq!(r.term, old_term, "{what}");
        // A follower or pre-candidate has not voted; a candidate or leader voted for
        // itself.
        assert!(r.vote == NONE || r.vote == 1, "{what}: vote {}", r.vote);
    }
}

#[test]
fn a_vote_of_a_higher_term_is_granted_from_any_state() {
    // etcd's TestVoteFromAnyState.
    for role in ROLES {
        for async_writes in [false, true] {
            vote_from(role, MessageType::MsgVote, async_writes);
        }
    }
}

#[test]
fn a_pre_vote_of_a_higher_term_is_granted_from_any_state() {
    // etcd's TestPreVoteFromAnyState.
    for role in ROLES {
        for async_writes in [false, true] {
            vote_from(role, MessageType::MsgPreVote, async_writes);
        }
    }
}

/// etcd's testLeaderCycle: each node campaigns in turn and wins, the others follow.
fn leader_cycle(pre_vote: bool) {
    let mut net = Network::with_config(3, |c| c.pre_vote = pre_vote);
    for campaigner in 1..=3 {
        net.campaign(campaigner);
        for id in 1..=3 {
            let want = if id == campaigner {
                StateType::StateLeader
            } else {
                StateType::StateFollower
            };
            assert_eq!(
                net.state(id),
                want,
                "pre-vote {pre_vote}: {campaigner} campaigned, node {id}"
            );
        }
    }
}

#[test]
fn every_node_can_be_elected_in_turn() {
    // etcd's TestLeaderCycle.
    leader_cycle(false);
}

#[test]
fn every_node_can_be_elected_in_turn_with_pre_vote() {
    // etcd's TestLeaderCyclePreVote: a pre-vote to a node that has a leader (no
    // CheckQuorum lease here) is granted, so an up-to-date node may take over.
    leader_cycle(true);
}

/// The Network scenarios above again, with asynchronous storage writes.
mod async_storage_writes {
    crate::tests::common::async_twins!(
        every_node_can_be_elected_in_turn,
        every_node_can_be_elected_in_turn_with_pre_vote,
    );
}
