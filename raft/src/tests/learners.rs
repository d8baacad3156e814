//! Learners, as etcd has them: members that receive the log but neither vote in the
//! quorum nor campaign, until a conf change promotes them; and voters demoted through
//! a joint configuration, which keep voting in its outgoing half until it is left.

use super::common::conf::*;
use super::common::*;
use crate::probes::Probe;
use crate::{ConfChangeTransition, ConfChangeV2, ConfState, MessageType, StateType};

fn with_learners(voters: &[u64], learners: &[u64]) -> ConfState {
    ConfState {
        voters: voters.to_vec(),
        learners: learners.to_vec(),
        ..ConfState::default()
    }
}

#[test]
fn a_learner_never_campaigns() {
    // etcd's TestLearnerElectionTimeout.
    let mut r = raft_with_conf(2, with_learners(&[1], &[2]), |_| {});
    assert!(!r.promotable());
    tick_n(&mut r, 100);
    assert_eq!(r.state, StateType::StateFollower);
    assert!(r.take_messages().is_empty());
}

#[test]
fn a_learner_receives_and_applies_the_log() {
    // etcd's TestLearnerLogReplication.
    let mut net = Network::with_members(&[1, 2], &[3], |_| {});
    net.campaign(1);
    net.propose(1, "a");
    net.propose(1, "b");
    assert_eq!(net.applied_strings(3), ["a", "b"]);
    assert_eq!(net.committed(3), net.committed(1));
}

#[test]
fn a_learner_acknowledgement_does_not_commit() {
    let mut r = raft_with_conf(1, with_learners(&[1, 2], &[3]), |_| {});
    r.become_candidate();
    r.become_leader();
    persist(&mut r);
    let last = r.raft_log.last_index();
    let mut m = msg(MessageType::MsgAppResp, 3, 1, r.term);
    m.index = last;
    r.step(m.clone()).unwrap();
    assert_eq!(r.raft_log.committed, 0, "the learner does not count");
    m.from = 2;
    r.step(m).unwrap();
    assert_eq!(r.raft_log.committed, last);
}

#[test]
fn a_candidate_does_not_ask_learners_for_votes() {
    let mut r = raft_with_conf(1, with_learners(&[1, 2], &[3]), |_| {});
    r.step(msg(MessageType::MsgHup, 1, 1, 0)).unwrap();
    let to: Vec<u64> = r.take_messages().iter().map(|m| m.to).collect();
    assert_eq!(to, vec![2]);
}

#[test]
fn a_learner_answers_a_vote_request() {
    // etcd's TestLearnerCanVote: a learner may have been promoted by an entry it has
    // not applied yet, so it answers votes it is asked for (only voters are asked).
    let mut r = raft_with_conf(2, with_learners(&[1], &[2]), |_| {});
    r.step(msg(MessageType::MsgVote, 1, 2, 2)).unwrap();
    let msgs = r.take_messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].msg_type, MessageType::MsgVoteResp);
    assert!(!msgs[0].reject);
}

#[test]
fn a_learner_cannot_be_handed_leadership() {
    let mut net = Network::with_members(&[1, 2], &[3], |_| {});
    net.campaign(1);
    net.node(1).transfer_leader(3);
    net.stabilize();
    assert_eq!(net.leader(), Some(1));
    assert_eq!(net.nodes[&1].raft.lead_transferee, crate::NONE);
}

#[test]
fn a_promoted_learner_votes_and_can_lead() {
    // etcd's TestLearnerPromotion.
    let _ = take_probes();
    let mut net = Network::with_members(&[1, 2], &[3], |_| {});
    net.campaign(1);
    net.propose_conf_change(1, &add(3));
    for id in 1..=3 {
        assert_eq!(
            net.conf_state(id),
            ConfState::from_voters([1, 2, 3]),
            "{id}"
        );
    }
    assert!(take_probes().of(Probe::LearnerPromoted) >= 3);
    assert!(net.nodes[&3].raft.promotable());
    net.isolate(1);
    net.campaign(3);
    assert_eq!(net.leader(), Some(3), "2 and 3 are a majority of (1 2 3)");
}

#[test]
fn a_learner_added_by_conf_change_catches_up_without_joining_the_quorum() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose(1, "a");
    net.add_node(4, ConfState::from_voters([1, 2, 3]));
    net.propose_conf_change(1, &add_learner(4));
    assert_eq!(net.conf_state(4), with_learners(&[1, 2, 3], &[4]));
    assert_eq!(net.applied_strings(4), ["a"]);
    // 1 and 4 hold the next entry, but 4 is no voter: it does not commit.
    net.isolate(2);
    net.isolate(3);
    let before = net.committed(1);
    net.propose(1, "b");
    assert_eq!(net.committed(1), before);
    assert_eq!(net.nodes[&4].raft.raft_log.last_index(), before + 1);
}

#[test]
fn a_voter_demoted_in_a_joint_config_votes_until_it_is_left() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose_conf_change(1, &v2(ConfChangeTransition::Explicit, "l3"));
    let staged = ConfState {
        voters: vec![1, 2],
        voters_outgoing: vec![1, 2, 3],
        learners_next: vec![3],
        ..ConfState::default()
    };
    assert_eq!(net.conf_state(3), staged);
    assert!(net.nodes[&3].raft.promotable(), "3 still votes in (1 2 3)");
    net.propose_conf_change(1, &ConfChangeV2::leave());
    assert_eq!(net.conf_state(3), with_learners(&[1, 2], &[3]));
    assert!(net.nodes[&1].raft.trk.progress[&3].is_learner);
    assert!(!net.nodes[&3].raft.promotable());
    net.tick(3, 100);
    assert_eq!(net.state(3), StateType::StateFollower);
}

/// The Network scenarios above again, with asynchronous storage writes.
mod async_storage_writes {
    crate::tests::common::async_twins!(
        a_learner_added_by_conf_change_catches_up_without_joining_the_quorum,
        a_learner_cannot_be_handed_leadership,
        a_learner_receives_and_applies_the_log,
        a_promoted_learner_votes_and_can_lead,
        a_voter_demoted_in_a_joint_config_votes_until_it_is_left,
    );
}
