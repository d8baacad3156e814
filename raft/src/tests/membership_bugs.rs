//! The membership bugs of the zoo, each shown against the correct behaviour at the
//! raft level: the same inputs, with and without the bug.

use super::common::conf::*;
use super::common::*;
use crate::raft::Raft;
use crate::{
    ConfChangeTransition, ConfState, MemStorage, MessageType, RaftBug, RaftBugs, StateType,
};

fn bugs(bug: Option<RaftBug>) -> RaftBugs {
    bug.map_or(RaftBugs::NONE, |b| RaftBugs::NONE.with(b))
}

fn ack(r: &mut Raft<MemStorage>, from: u64, index: u64) {
    let mut m = msg(MessageType::MsgAppResp, from, r.id, r.term);
    m.index = index;
    r.step(m).unwrap();
}

/// A leader of `cs` (term 1, its empty entry durable) with `bug` injected.
fn leader(cs: ConfState, bug: Option<RaftBug>) -> Raft<MemStorage> {
    let mut r = raft_with_conf(1, cs, |c| c.bugs = bugs(bug));
    r.become_candidate();
    r.become_leader();
    persist(&mut r);
    r.take_messages();
    r
}

/// Leader 1 of (1 2 3) applies "add 4, add 5" (automatic transition), then only the
/// new nodes 4 and 5 acknowledge an entry. Returns the leader's configuration and
/// whether the entry committed.
fn grow_by_two_then_commit_with_new_nodes(bug: Option<RaftBug>) -> (ConfState, bool) {
    let mut r = leader(ConfState::from_voters([1, 2, 3]), bug);
    let cs = r
        .apply_conf_change(&v2(ConfChangeTransition::Auto, "v4 v5"))
        .unwrap();
    r.step(prop(1, 1, &["x"])).unwrap();
    persist(&mut r);
    let last = r.raft_log.last_index();
    ack(&mut r, 4, last);
    ack(&mut r, 5, last);
    (cs, r.raft_log.committed == last)
}

#[test]
fn conf_change_without_joint_changes_two_voters_at_once() {
    let (cs, committed) = grow_by_two_then_commit_with_new_nodes(None);
    assert_eq!(cs.voters_outgoing, vec![1, 2, 3], "correct: a joint config");
    assert!(
        !committed,
        "correct: the old voters (1 2 3) hold it on 1 only"
    );

    let (cs, committed) =
        grow_by_two_then_commit_with_new_nodes(Some(RaftBug::ConfChangeWithoutJoint));
    assert_eq!(cs.voters, vec![1, 2, 3, 4, 5]);
    assert!(cs.voters_outgoing.is_empty(), "bug: no joint config");
    assert!(
        committed,
        "bug: (1 4 5) commits, though 2 and 3, a majority of the old voters, never saw it"
    );
}

/// Node 1 restores a snapshot taken in the joint config (1 2 3)&&(1 4 5), then
/// campaigns and gets the vote of 2 only. Returns its configuration and role.
fn restore_joint_then_campaign(bug: Option<RaftBug>) -> (ConfState, StateType) {
    let mut r = raft_with_conf(1, ConfState::from_voters([1, 2, 3]), |c| c.bugs = bugs(bug));
    let mut s = snapshot_at(11, 11, &[1, 2, 3]);
    s.metadata.conf_state.voters_outgoing = vec![1, 4, 5];
    assert!(r.restore(s));
    let snap = r.raft_log.unstable.snapshot.clone().expect("restored");
    r.raft_log.storage.apply_snapshot(snap).unwrap();
    r.on_persisted_snapshot(11);
    r.step(msg(MessageType::MsgHup, 1, 1, 0)).unwrap();
    let term = r.term;
    let mut vote = msg(MessageType::MsgVoteResp, 2, 1, term);
    vote.reject = false;
    r.step(vote).unwrap();
    (r.trk.conf_state(), r.state)
}

#[test]
fn snapshot_drops_joint_config_elects_with_the_incoming_half_alone() {
    let (cs, state) = restore_joint_then_campaign(None);
    assert_eq!(
        cs.voters_outgoing,
        vec![1, 4, 5],
        "correct: both halves kept"
    );
    assert_eq!(
        state,
        StateType::StateCandidate,
        "correct: (1 4 5) has not voted"
    );

    let (cs, state) = restore_joint_then_campaign(Some(RaftBug::SnapshotDropsJointConfig));
    assert!(
        cs.voters_outgoing.is_empty(),
        "bug: the outgoing half is gone"
    );
    assert_eq!(
        state,
        StateType::StateLeader,
        "bug: elected by (1 2) while 4 and 5 may elect another leader"
    );
}

/// Leader 1 of voters (1 2 3) and learners 4 and 5 proposes an entry that only the
/// learners acknowledge. Returns whether it committed.
fn learners_ack_alone(bug: Option<RaftBug>) -> bool {
    let cs = ConfState {
        voters: vec![1, 2, 3],
        learners: vec![4, 5],
        ..ConfState::default()
    };
    let mut r = leader(cs, bug);
    let last = r.raft_log.last_index();
    ack(&mut r, 4, last);
    ack(&mut r, 5, last);
    r.raft_log.committed == last
}

#[test]
fn learner_counts_in_quorum_commits_on_a_minority_of_voters() {
    assert!(
        !learners_ack_alone(None),
        "correct: 1 of 3 voters is no quorum"
    );
    assert!(
        learners_ack_alone(Some(RaftBug::LearnerCountsInQuorum)),
        "bug: 1, 4 and 5 count as 3 of 5, though voters 2 and 3 can elect a leader without the entry"
    );
}
