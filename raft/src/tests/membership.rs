//! Membership changes through the log, as etcd does them: nodes added and removed one
//! at a time, joint consensus (explicit, implicit and automatic transitions), one
//! pending change at a time, no campaign with an unapplied change, a leader removing
//! itself, changes across partitions and restarts, and joint configs in snapshots.

use super::common::conf::*;
use super::common::*;
use crate::probes::Probe;
use crate::{
    ConfChangeError, ConfChangeI, ConfChangeTransition, ConfState, Entry, EntryType, Error,
    MessageType, StateType,
};

/// Steps a conf change proposal into raft `r`.
fn propose_cc(r: &mut crate::raft::Raft<crate::MemStorage>, cc: &impl ConfChangeI) {
    let mut m = msg(MessageType::MsgProp, 1, 1, 0);
    m.entries = vec![cc.to_entry()];
    r.step(m).expect("proposal accepted");
}

/// The entry at `index` of `r`'s log.
fn entry(r: &crate::raft::Raft<crate::MemStorage>, index: u64) -> Entry {
    r.raft_log.slice(index, index + 1, u64::MAX).unwrap()[0].clone()
}

/// Acknowledges `index` to leader `r` from `from`.
fn ack(r: &mut crate::raft::Raft<crate::MemStorage>, from: u64, index: u64) {
    let mut m = msg(MessageType::MsgAppResp, from, r.id, r.term);
    m.index = index;
    r.step(m).unwrap();
}

/// A leader of `cs` at term 1 whose empty entry (index 1) is durable but acknowledged
/// by nobody else.
fn leader_of(cs: ConfState) -> crate::raft::Raft<crate::MemStorage> {
    let mut r = raft_with_conf(1, cs, |_| {});
    r.become_candidate();
    r.become_leader();
    persist(&mut r);
    r.take_messages();
    r
}

// ---- adding and removing nodes ----

#[test]
fn an_added_node_receives_the_log_and_grows_the_quorum() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose(1, "a");
    net.add_node(4, ConfState::from_voters([1, 2, 3]));
    net.propose_conf_change(1, &add(4));
    for id in 1..=4 {
        assert_eq!(net.conf_state(id).voters, vec![1, 2, 3, 4], "node {id}");
    }
    net.propose(1, "b");
    assert_eq!(net.applied_strings(4), ["a", "b"]);
    // Three of four are needed now: 1 and 2 alone commit nothing.
    net.isolate(3);
    net.isolate(4);
    let before = net.committed(1);
    net.propose(1, "c");
    assert_eq!(net.committed(1), before);
}

#[test]
fn a_removed_follower_no_longer_counts_toward_the_quorum() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose_conf_change(1, &remove(3));
    assert_eq!(net.conf_state(1).voters, vec![1, 2]);
    assert_eq!(net.conf_state(2).voters, vec![1, 2]);
    // Without 3, 1 and 2 still commit; without 2, nothing commits.
    net.isolate(3);
    net.propose(1, "x");
    assert_eq!(net.applied_strings(2), ["x"]);
    net.isolate(2);
    let before = net.committed(1);
    net.propose(1, "y");
    assert_eq!(net.committed(1), before);
}

#[test]
fn applying_a_removal_commits_what_the_removed_node_held_back() {
    // etcd's TestCommitAfterRemoveNode: an entry proposed while node 2's removal is
    // pending commits as soon as the removal is applied, without node 2.
    let mut r = leader_of(ConfState::from_voters([1, 2]));
    ack(&mut r, 2, 1);
    propose_cc(&mut r, &remove(2));
    persist(&mut r);
    let cc_index = r.raft_log.last_index();
    r.step(prop(1, 1, &["hello"])).unwrap();
    persist(&mut r);
    ack(&mut r, 2, cc_index);
    assert_eq!(r.raft_log.committed, cc_index, "hello waits for node 2");
    r.take_messages();
    r.apply_conf_change(&remove(2)).unwrap();
    assert_eq!(
        r.raft_log.committed,
        cc_index + 1,
        "the leader alone is a quorum"
    );
    assert!(
        r.take_messages().is_empty(),
        "nobody is left to tell of the commit"
    );
}

#[test]
fn an_added_node_is_probed_at_once() {
    let mut r = elected_leader(1, &[1, 2, 3]);
    r.apply_conf_change(&add(4)).unwrap();
    let msgs = r.take_messages();
    assert!(
        msgs.iter()
            .any(|m| m.to == 4 && m.msg_type == MessageType::MsgApp),
        "{msgs:?}"
    );
    assert!(
        r.trk.progress[&4].recent_active,
        "new members count as active"
    );
}

#[test]
fn a_removed_follower_gets_no_more_heartbeats() {
    let mut r = elected_leader(1, &[1, 2, 3]);
    r.apply_conf_change(&remove(3)).unwrap();
    r.take_messages();
    tick_n(&mut r, 1);
    let to: Vec<u64> = r.take_messages().iter().map(|m| m.to).collect();
    assert_eq!(to, vec![2]);
}

// ---- one pending change at a time ----

#[test]
fn a_second_conf_change_is_appended_as_an_empty_entry() {
    // etcd's TestStepIgnoreConfig.
    let _ = take_probes();
    let mut r = elected_leader(1, &[1, 2]);
    propose_cc(&mut r, &add(3));
    let first = r.raft_log.last_index();
    assert_eq!(r.pending_conf_index, first);
    propose_cc(&mut r, &add(4));
    let second = entry(&r, first + 1);
    assert_eq!(second.entry_type, EntryType::EntryNormal);
    assert!(second.data.is_empty());
    assert_eq!(
        r.pending_conf_index, first,
        "the first is still the pending one"
    );
    assert_eq!(take_probes().of(Probe::ConfChangeRefusedPending), 1);
}

#[test]
fn a_new_leader_accepts_conf_changes_only_after_applying_its_log() {
    // etcd's TestNewLeaderPendingConfig: a new leader cannot tell whether its log
    // holds an unapplied change, so it waits until it applied everything it had.
    let mut r = raft_with_log(1, &[1, 2], &[1], 1);
    r.become_candidate();
    r.become_leader();
    assert_eq!(r.pending_conf_index, 1, "the entry it had before its own");
    persist(&mut r);
    propose_cc(&mut r, &add(3));
    assert_eq!(entry(&r, 3).entry_type, EntryType::EntryNormal);
    ack(&mut r, 2, 2);
    r.applied_to(2);
    propose_cc(&mut r, &add(3));
    assert_eq!(entry(&r, 4).entry_type, EntryType::EntryConfChange);
    assert_eq!(r.pending_conf_index, 4);
}

#[test]
fn conf_change_data_that_does_not_decode_refuses_the_proposal() {
    let mut r = elected_leader(1, &[1, 2]);
    let last = r.raft_log.last_index();
    let pending = r.pending_conf_index;
    let mut m = msg(MessageType::MsgProp, 1, 1, 0);
    m.entries = vec![
        add(3).to_entry(),
        Entry {
            entry_type: EntryType::EntryConfChangeV2,
            data: vec![7, 0, 0, 0, 0].into(),
            ..Entry::default()
        },
    ];
    let err = r.step(m).unwrap_err();
    assert!(matches!(err, Error::ConfChangeDecode(_)), "{err}");
    assert_eq!(
        err.to_string(),
        "cannot decode ConfChangeV2 at byte 0: unknown transition"
    );
    assert_eq!(r.raft_log.last_index(), last, "nothing appended");
    assert_eq!(r.pending_conf_index, pending, "not even the valid change");
}

#[test]
fn conf_change_v1_and_v2_are_both_accepted() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.add_node(4, ConfState::from_voters([1, 2, 3]));
    net.propose_conf_change(1, &add_learner(4));
    assert_eq!(net.conf_state(4).learners, vec![4]);
    net.propose_conf_change(1, &v2(ConfChangeTransition::Auto, "v4"));
    assert_eq!(net.conf_state(4).voters, vec![1, 2, 3, 4]);
    let types: Vec<EntryType> = net.nodes[&1]
        .raft
        .raft_log
        .all_entries()
        .iter()
        .map(|e| e.entry_type)
        .filter(|&t| t != EntryType::EntryNormal)
        .collect();
    assert_eq!(
        types,
        vec![EntryType::EntryConfChange, EntryType::EntryConfChangeV2]
    );
}

// ---- campaigning ----

#[test]
fn no_campaign_while_a_committed_conf_change_is_unapplied() {
    let _ = take_probes();
    let mut s = crate::MemStorage::new_with_voters([1, 2, 3]);
    let mut ents = entries_of_terms(&[1, 1]);
    ents[1] = Entry {
        term: 1,
        index: 2,
        ..add(4).to_entry()
    };
    s.append(&ents);
    s.set_hard_state(crate::HardState {
        term: 1,
        vote: 0,
        commit: 2,
    });
    let c = crate::Config {
        election_tick: 10,
        heartbeat_tick: 1,
        ..crate::Config::new(1)
    };
    let mut r = crate::raft::Raft::new(&c, s).unwrap();
    tick_n(&mut r, 30);
    assert_eq!(r.state, StateType::StateFollower);
    assert!(r.take_messages().is_empty());
    assert!(take_probes().of(Probe::CampaignRefusedUnappliedConfChange) > 0);
    // Once the change is applied, the node knows its voters and campaigns.
    r.apply_conf_change(&add(4)).unwrap();
    r.applied_to(2);
    tick_n(&mut r, 30);
    assert_eq!(r.state, StateType::StateCandidate);
    let to: std::collections::BTreeSet<u64> = r.take_messages().iter().map(|m| m.to).collect();
    assert_eq!(to.into_iter().collect::<Vec<_>>(), vec![2, 3, 4]);
}

// ---- a leader removing itself ----

#[test]
fn a_leader_removing_itself_steps_down_with_step_down_on_removal() {
    let _ = take_probes();
    let mut net = Network::with_config(3, |c| c.step_down_on_removal = true);
    net.campaign(1);
    net.propose_conf_change(1, &remove(1));
    assert_eq!(net.state(1), StateType::StateFollower);
    assert_eq!(take_probes().of(Probe::LeaderSteppedDownRemoved), 1);
    assert_eq!(net.conf_state(2).voters, vec![2, 3]);
    // The remaining voters elect a leader between themselves.
    net.campaign(2);
    assert_eq!(net.leader(), Some(2));
    net.propose(2, "after");
    assert_eq!(net.applied_strings(3), ["after"]);
}

#[test]
fn without_step_down_on_removal_a_removed_leader_leads_on_but_drops_proposals() {
    let _ = take_probes();
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose_conf_change(1, &remove(1));
    assert_eq!(net.state(1), StateType::StateLeader);
    assert_eq!(
        net.node(1).propose(b"x".to_vec()),
        Err(Error::ProposalDropped)
    );
    assert_eq!(take_probes().of(Probe::ProposalDroppedRemovedLeader), 1);
}

#[test]
fn a_leader_transfer_to_a_removed_node_is_abandoned() {
    let mut r = elected_leader(1, &[1, 2, 3]);
    r.step(prop(1, 1, &["x"])).unwrap();
    persist(&mut r);
    r.step(msg(MessageType::MsgTransferLeader, 3, 1, 0))
        .unwrap();
    assert_eq!(r.lead_transferee, 3, "3 lags, so the transfer waits");
    r.apply_conf_change(&remove(3)).unwrap();
    assert_eq!(r.lead_transferee, crate::NONE);
}

// ---- joint consensus ----

#[test]
fn an_explicit_joint_config_is_left_only_when_asked() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.add_node(4, ConfState::from_voters([1, 2, 3]));
    net.propose_conf_change(1, &v2(ConfChangeTransition::Explicit, "v4 r3"));
    for id in [1, 2, 4] {
        assert_eq!(net.conf_state(id), joint(&[1, 2, 4], &[1, 2, 3]), "{id}");
    }
    net.propose(1, "in joint");
    assert_eq!(net.applied_strings(4), ["in joint"]);
    net.propose_conf_change(1, &crate::ConfChangeV2::leave());
    for id in [1, 2, 4] {
        assert_eq!(net.conf_state(id), ConfState::from_voters([1, 2, 4]));
    }
}

#[test]
fn an_automatic_joint_config_is_left_by_the_leader_once_applied() {
    let _ = take_probes();
    let mut net = Network::new(3);
    net.campaign(1);
    net.add_node(4, ConfState::from_voters([1, 2, 3]));
    net.propose_conf_change(1, &v2(ConfChangeTransition::Auto, "v4 r3"));
    for id in [1, 2, 4] {
        assert_eq!(net.conf_state(id), ConfState::from_voters([1, 2, 4]));
    }
    let hits = take_probes();
    assert_eq!(
        hits.of(Probe::AutoLeaveProposed),
        1,
        "only the leader proposes"
    );
    assert!(hits.of(Probe::JointConfigEntered) >= 3);
    assert!(hits.of(Probe::JointConfigLeft) >= 3);
}

#[test]
fn a_new_leader_leaves_an_auto_leave_joint_config_its_predecessor_entered() {
    // The old leader entered (1 2 3)&&(1 2 4) with auto-leave and failed before
    // proposing to leave: whoever leads next proposes it once it applied its log.
    let _ = take_probes();
    let mut cs = joint(&[1, 2, 3], &[1, 2, 4]);
    cs.auto_leave = true;
    let mut r = leader_of(cs);
    assert_eq!(
        r.raft_log.last_index(),
        1,
        "nothing proposed before applying"
    );
    ack(&mut r, 2, 1);
    ack(&mut r, 4, 1);
    r.applied_to(1);
    assert_eq!(take_probes().of(Probe::AutoLeaveProposed), 1);
    let leave = entry(&r, 2);
    assert_eq!(leave.entry_type, EntryType::EntryConfChangeV2);
    assert!(leave.conf_change().unwrap().unwrap().leave_joint());
}

#[test]
fn an_implicit_transition_enters_a_joint_config_even_for_one_change() {
    let mut r = elected_leader(1, &[1, 2, 3]);
    let cs = r
        .apply_conf_change(&v2(ConfChangeTransition::Implicit, "v4"))
        .unwrap();
    assert_eq!(cs.voters, vec![1, 2, 3, 4]);
    assert_eq!(cs.voters_outgoing, vec![1, 2, 3]);
    assert!(cs.auto_leave);
}

#[test]
fn a_joint_leader_commits_only_with_a_majority_of_both_halves() {
    let mut r = leader_of(joint(&[1, 2, 3], &[1, 4, 5]));
    r.step(prop(1, 1, &["x"])).unwrap();
    persist(&mut r);
    let last = r.raft_log.last_index();
    ack(&mut r, 2, last);
    ack(&mut r, 3, last);
    assert_eq!(
        r.raft_log.committed, 0,
        "the outgoing half (1 4 5) has only 1"
    );
    ack(&mut r, 4, last);
    assert_eq!(r.raft_log.committed, last);
}

#[test]
fn a_joint_candidate_needs_a_majority_of_both_halves() {
    let vote = |from: u64, granted: bool| {
        let mut m = msg(MessageType::MsgVoteResp, from, 1, 1);
        m.reject = !granted;
        m
    };
    let hup = msg(MessageType::MsgHup, 1, 1, 0);
    let mut r = raft_with_conf(1, joint(&[1, 2, 3], &[3, 4, 5]), |_| {});
    r.step(hup.clone()).unwrap();
    r.step(vote(2, true)).unwrap();
    assert_eq!(
        r.state,
        StateType::StateCandidate,
        "the outgoing half is open"
    );
    r.step(vote(4, true)).unwrap();
    assert_eq!(r.state, StateType::StateCandidate);
    r.step(vote(5, true)).unwrap();
    assert_eq!(r.state, StateType::StateLeader);

    let mut r = raft_with_conf(1, joint(&[1, 2, 3], &[3, 4, 5]), |_| {});
    r.step(hup).unwrap();
    r.step(vote(2, true)).unwrap();
    r.step(vote(4, false)).unwrap();
    r.step(vote(5, false)).unwrap();
    assert_eq!(
        r.state,
        StateType::StateFollower,
        "lost in the outgoing half"
    );
}

#[test]
fn while_joint_only_leaving_may_be_proposed() {
    let _ = take_probes();
    // A fresh leader of an empty log has nothing unapplied: changes may come at once.
    let mut r = leader_of(joint(&[1, 2, 3], &[1, 2, 4]));
    propose_cc(&mut r, &add(6));
    assert_eq!(entry(&r, 2).entry_type, EntryType::EntryNormal);
    assert_eq!(take_probes().of(Probe::ConfChangeRefusedJointState), 1);
    propose_cc(&mut r, &crate::ConfChangeV2::leave());
    assert_eq!(entry(&r, 3).entry_type, EntryType::EntryConfChangeV2);
}

#[test]
fn leaving_is_refused_when_not_joint() {
    let _ = take_probes();
    let mut r = elected_leader(1, &[1, 2]);
    r.applied_to(r.raft_log.committed);
    propose_cc(&mut r, &crate::ConfChangeV2::leave());
    let last = r.raft_log.last_index();
    assert_eq!(entry(&r, last).entry_type, EntryType::EntryNormal);
    assert_eq!(take_probes().of(Probe::ConfChangeRefusedJointState), 1);
}

#[test]
fn changes_that_do_not_fit_the_config_are_refused_and_change_nothing() {
    let mut r = elected_leader(1, &[1, 2, 3]);
    let before = r.trk.conf_state();
    let err = r.apply_conf_change(&remove(9)).map(|_| ());
    assert_eq!(err, Ok(()), "removing a non-member is a no-op");
    r.apply_conf_change(&v2(ConfChangeTransition::Explicit, "v4"))
        .unwrap();
    let joint_cs = r.trk.conf_state();
    assert_eq!(
        r.apply_conf_change(&v2(ConfChangeTransition::Explicit, "v5")),
        Err(Error::ConfChange(ConfChangeError::AlreadyJoint))
    );
    assert_eq!(
        r.apply_conf_change(&add(5)),
        Err(Error::ConfChange(ConfChangeError::SimpleInJoint))
    );
    assert_eq!(r.trk.conf_state(), joint_cs);
    r.apply_conf_change(&crate::ConfChangeV2::leave()).unwrap();
    assert_eq!(
        r.apply_conf_change(&crate::ConfChangeV2::leave()),
        Err(Error::ConfChange(ConfChangeError::NotJoint))
    );
    assert_ne!(r.trk.conf_state(), before);
}

#[test]
fn raft_refuses_to_start_from_an_invalid_conf_state() {
    let s = crate::MemStorage::new_with_conf_state(ConfState {
        voters: vec![1, 2],
        learners: vec![2],
        ..ConfState::default()
    });
    let err = crate::raft::Raft::new(&crate::Config::new(1), s)
        .err()
        .expect("a node both voter and learner is refused");
    assert!(
        matches!(err, Error::ConfChange(ConfChangeError::Invariant(_))),
        "{err}"
    );
}

// ---- partitions, restarts, snapshots ----

#[test]
fn a_conf_change_proposed_in_a_minority_is_never_applied() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.isolate(1);
    net.propose_conf_change(1, &add(4));
    net.campaign(2);
    assert_eq!(net.leader(), Some(2));
    net.propose(2, "x");
    net.heal();
    net.tick(2, 1);
    net.stabilize();
    for id in 1..=3 {
        assert_eq!(net.conf_state(id).voters, vec![1, 2, 3], "node {id}");
        assert_eq!(net.applied_strings(id), ["x"], "node {id}");
    }
    // The new leader may now change the membership itself.
    net.propose_conf_change(2, &remove(3));
    assert_eq!(net.conf_state(1).voters, vec![1, 2]);
}

#[test]
fn a_partitioned_node_applies_a_committed_change_when_it_returns() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.isolate(3);
    net.add_node(4, ConfState::from_voters([1, 2, 3]));
    net.propose_conf_change(1, &add(4));
    assert_eq!(net.conf_state(2).voters, vec![1, 2, 3, 4]);
    assert_eq!(net.conf_state(3).voters, vec![1, 2, 3], "3 missed it");
    net.heal();
    net.tick(1, 1);
    net.stabilize();
    assert_eq!(net.conf_state(3).voters, vec![1, 2, 3, 4]);
}

#[test]
fn a_restart_in_the_middle_of_a_joint_config_keeps_both_halves() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.add_node(4, ConfState::from_voters([1, 2, 3]));
    net.propose_conf_change(1, &v2(ConfChangeTransition::Explicit, "v4 r3"));
    net.restart_keeping_applied(2);
    assert_eq!(net.conf_state(2), joint(&[1, 2, 4], &[1, 2, 3]));
    // Restarted and joint, node 2 needs both halves: 4 alone gives it the incoming
    // majority (2 4) but not the outgoing one (1 2 3).
    net.isolate(1);
    net.isolate(3);
    net.campaign(2);
    assert_eq!(net.state(2), StateType::StateCandidate);
    net.heal();
    net.campaign(2);
    assert_eq!(net.leader(), Some(2));
    net.propose_conf_change(2, &crate::ConfChangeV2::leave());
    for id in [1, 2, 4] {
        assert_eq!(
            net.conf_state(id),
            ConfState::from_voters([1, 2, 4]),
            "{id}"
        );
    }
}

#[test]
fn a_restart_that_replays_the_log_rebuilds_the_membership() {
    // A server that keeps the initial (snapshot's) membership in storage and replays
    // its log when it restarts applies every change again, in order, on top of it.
    let mut s = crate::MemStorage::new_with_voters([1, 2, 3]);
    let changes = [
        add(4).to_entry(),
        v2(ConfChangeTransition::Explicit, "v5 r3").to_entry(),
    ];
    let ents: Vec<Entry> = changes
        .into_iter()
        .enumerate()
        .map(|(i, e)| Entry {
            term: 1,
            index: i as u64 + 1,
            ..e
        })
        .collect();
    s.append(&ents);
    s.set_hard_state(crate::HardState {
        term: 1,
        vote: 0,
        commit: 2,
    });
    let mut node = crate::RawNode::new(&crate::Config::new(2), s).unwrap();
    assert_eq!(node.status().config, ConfState::from_voters([1, 2, 3]));
    let rd = node.ready();
    for e in &rd.committed_entries {
        node.apply_conf_change(&e.conf_change().unwrap().unwrap())
            .unwrap();
    }
    node.advance();
    assert_eq!(node.status().config, joint(&[1, 2, 4, 5], &[1, 2, 3, 4]));
}

#[test]
fn a_snapshot_carries_a_joint_config_to_a_lagging_node() {
    let _ = take_probes();
    let mut net = Network::new(3);
    net.campaign(1);
    net.add_node(4, ConfState::from_voters([1, 2, 3]));
    net.isolate(4);
    net.propose_conf_change(1, &v2(ConfChangeTransition::Explicit, "v4 r3"));
    net.propose(1, "a");
    let applied = net.nodes[&1].raft.raft_log.applied;
    net.compact(1, applied);
    net.heal();
    net.tick(1, 1);
    net.stabilize();
    assert_eq!(net.conf_state(4), joint(&[1, 2, 4], &[1, 2, 3]));
    assert_eq!(take_probes().of(Probe::SnapshotRestoredJointConfig), 1);
    net.propose_conf_change(1, &crate::ConfChangeV2::leave());
    assert_eq!(net.conf_state(4), ConfState::from_voters([1, 2, 4]));
}

#[test]
fn a_snapshot_with_an_invalid_conf_state_is_refused() {
    let _ = take_probes();
    let mut r = new_raft(1, &[1, 2], 10, 1);
    let mut s = snapshot_at(11, 11, &[1, 2]);
    s.metadata.conf_state.learners = vec![1];
    assert!(!r.restore(s));
    assert_eq!(r.raft_log.last_index(), 0);
    assert_eq!(take_probes().of(Probe::SnapshotRefusedInvalidConfig), 1);
}

/// The Network scenarios above again, with asynchronous storage writes: conf changes
/// are applied by the apply thread, and the leader learns they are applied from its
/// answer instead of from `advance`.
mod async_storage_writes {
    crate::tests::common::async_twins!(
        a_conf_change_proposed_in_a_minority_is_never_applied,
        a_leader_removing_itself_steps_down_with_step_down_on_removal,
        a_partitioned_node_applies_a_committed_change_when_it_returns,
        a_removed_follower_no_longer_counts_toward_the_quorum,
        a_restart_in_the_middle_of_a_joint_config_keeps_both_halves,
        a_snapshot_carries_a_joint_config_to_a_lagging_node,
        an_added_node_receives_the_log_and_grows_the_quorum,
        an_automatic_joint_config_is_left_by_the_leader_once_applied,
        an_explicit_joint_config_is_left_only_when_asked,
        conf_change_v1_and_v2_are_both_accepted,
        without_step_down_on_removal_a_removed_leader_leads_on_but_drops_proposals,
    );
}
