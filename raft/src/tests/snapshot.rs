//! Snapshots, as etcd handles them: a leader sends one when a follower needs entries
//! it compacted, pauses replication while it is pending, and resumes on the follower's
//! report or answer; a follower restores only a newer snapshot that names it as a
//! member, and does not campaign until the snapshot is durable.

use super::common::*;
use crate::tracker::ProgressState;
use crate::{ConfState, Config, Entry, HardState, MemStorage, MessageType, RawNode, StateType};

/// The MsgAppResp rejecting the probe at `index` (no hint: the follower is empty).
fn reject(from: u64, to: u64, term: u64, index: u64) -> crate::Message {
    let mut m = msg(MessageType::MsgAppResp, from, to, term);
    m.index = index;
    m.reject = true;
    m
}

fn snap_msg(from: u64, to: u64, term: u64, s: crate::Snapshot) -> crate::Message {
    let mut m = msg(MessageType::MsgSnap, from, to, term);
    m.snapshot = Some(Box::new(s));
    m
}

/// What `RawNode::report_snapshot` steps: the application's word on a snapshot sent.
fn report_snapshot(r: &mut crate::raft::Raft<MemStorage>, id: u64, success: bool) {
    let mut m = msg(MessageType::MsgSnapStatus, id, r.id, 0);
    m.reject = !success;
    r.step(m).unwrap();
}

// ---- the leader's side ----

#[test]
fn leader_sends_a_snapshot_to_a_follower_behind_its_log() {
    // etcd's TestSendingSnapshotSetPendingSnapshot and TestProvideSnap.
    let mut r = leader_after_snapshot(&[1, 2]);
    r.take_messages();
    let first = r.raft_log.first_index();
    r.trk.progress.get_mut(&2).unwrap().next_idx = first;
    r.step(reject(2, 1, r.term, first - 1)).unwrap();
    let pr = &r.trk.progress[&2];
    assert_eq!(pr.state, ProgressState::Snapshot);
    assert_eq!(pr.pending_snapshot, 11);
    let msgs = r.take_messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].msg_type, MessageType::MsgSnap);
    assert_eq!(msgs[0].to, 2);
    let meta = &msgs[0].snapshot.as_ref().unwrap().metadata;
    assert_eq!((meta.index, meta.term), (11, 11));
}

#[test]
fn leader_does_not_send_a_snapshot_to_an_inactive_follower() {
    // etcd's TestIgnoreProvidingSnap: a follower not heard from lately may be gone;
    // a snapshot is too expensive to send into the void.
    let mut r = leader_after_snapshot(&[1, 2]);
    r.take_messages();
    let pr = r.trk.progress.get_mut(&2).unwrap();
    pr.next_idx = 11;
    pr.recent_active = false;
    r.step(prop(1, 1, &["somedata"])).unwrap();
    assert!(r.take_messages().is_empty());
    assert_eq!(r.trk.progress[&2].state, ProgressState::Probe);
}

#[test]
fn pending_snapshot_pauses_replication() {
    let mut r = leader_after_snapshot(&[1, 2]);
    r.take_messages();
    r.trk.progress.get_mut(&2).unwrap().become_snapshot(11);
    r.step(prop(1, 1, &["somedata"])).unwrap();
    assert!(r.take_messages().is_empty());
}

#[test]
fn snapshot_failure_probes_again_from_the_match() {
    let mut r = leader_after_snapshot(&[1, 2]);
    let pr = r.trk.progress.get_mut(&2).unwrap();
    pr.next_idx = 1;
    pr.become_snapshot(11);
    report_snapshot(&mut r, 2, false);
    let pr = &r.trk.progress[&2];
    assert_eq!(pr.pending_snapshot, 0);
    assert_eq!(pr.next_idx, 1, "the snapshot never arrived");
    assert!(
        pr.msg_app_flow_paused,
        "wait a heartbeat before trying again"
    );
}

#[test]
fn snapshot_success_probes_from_past_the_snapshot() {
    let mut r = leader_after_snapshot(&[1, 2]);
    let pr = r.trk.progress.get_mut(&2).unwrap();
    pr.next_idx = 1;
    pr.become_snapshot(11);
    report_snapshot(&mut r, 2, true);
    let pr = &r.trk.progress[&2];
    assert_eq!(pr.pending_snapshot, 0);
    assert_eq!(pr.next_idx, 12);
    assert!(pr.msg_app_flow_paused, "wait for the follower's MsgAppResp");
}

#[test]
fn append_ack_at_the_snapshot_index_ends_the_pending_snapshot() {
    // etcd's TestSnapshotAbort: the follower's answer to the installed snapshot is
    // enough, whether or not the application reports the snapshot.
    let mut r = leader_after_snapshot(&[1, 2]);
    r.take_messages();
    let pr = r.trk.progress.get_mut(&2).unwrap();
    pr.next_idx = 1;
    pr.become_snapshot(11);
    let mut ack = msg(MessageType::MsgAppResp, 2, 1, r.term);
    ack.index = 11;
    r.step(ack).unwrap();
    let pr = &r.trk.progress[&2];
    assert_eq!(pr.pending_snapshot, 0);
    assert_eq!(pr.state, ProgressState::Replicate);
    // The leader's empty entry at 12 went out at once, optimistically.
    assert_eq!(pr.next_idx, 13);
    assert_eq!(pr.inflights.count(), 1);
}

#[test]
fn snapshot_report_is_ignored_unless_the_follower_awaits_one() {
    let mut r = leader_after_snapshot(&[1, 2]);
    r.trk.progress.get_mut(&2).unwrap().become_replicate();
    let before = r.trk.progress[&2].clone();
    report_snapshot(&mut r, 2, false);
    assert_eq!(r.trk.progress[&2], before);
}

// ---- the follower's side ----

#[test]
fn restore_installs_the_snapshot_and_its_membership() {
    // etcd's TestRestore.
    let mut r = new_raft(1, &[1, 2], 10, 1);
    let s = snapshot_at(11, 11, &[1, 2, 3]);
    assert!(r.restore(s.clone()));
    assert_eq!(r.raft_log.last_index(), 11);
    assert_eq!(r.raft_log.term(11), Ok(11));
    assert_eq!(r.raft_log.committed, 11);
    let voters: Vec<u64> = r.trk.config.voters.incoming.iter().copied().collect();
    assert_eq!(voters, vec![1, 2, 3]);
    assert!(!r.restore(s), "the same snapshot again is old news");
}

#[test]
fn restore_makes_a_learner_of_a_node_listed_as_learner() {
    // etcd's TestRestoreWithLearner.
    let mut r = new_raft(3, &[1, 2], 10, 1);
    let mut s = snapshot_at(11, 11, &[1, 2]);
    s.metadata.conf_state.learners = vec![3];
    assert!(r.restore(s));
    assert!(r.trk.progress[&3].is_learner);
    assert!(r.trk.config.learners.contains(&3));
    assert!(!r.promotable(), "a learner never campaigns");
}

#[test]
fn restore_refuses_a_snapshot_whose_membership_lacks_this_node() {
    let mut r = new_raft(1, &[1, 2], 10, 1);
    assert!(!r.restore(snapshot_at(11, 11, &[2, 3])));
    assert_eq!(r.raft_log.last_index(), 0);
    assert_eq!(r.raft_log.committed, 0);
    assert!(r.raft_log.unstable.snapshot.is_none());
    // The follower answers the leader with its commit index, not the snapshot's.
    r.become_follower(2, 2);
    r.step(snap_msg(2, 1, 2, snapshot_at(11, 11, &[2, 3])))
        .unwrap();
    let msgs = r.take_messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].msg_type, MessageType::MsgAppResp);
    assert_eq!(msgs[0].index, 0);
}

#[test]
fn restore_accepts_a_node_listed_only_among_outgoing_voters() {
    // Membership is voters, learners or outgoing voters (etcd's rule): a node being
    // removed in a joint configuration is still a member.
    let mut r = new_raft(1, &[1, 2], 10, 1);
    let mut s = snapshot_at(11, 11, &[2, 3]);
    s.metadata.conf_state.voters_outgoing = vec![1, 2];
    assert!(r.restore(s));
    assert_eq!(r.raft_log.last_index(), 11);
    // The joint configuration is kept: node 1 still has its progress and its vote.
    assert!(r.trk.progress.contains_key(&1));
    assert!(r.trk.is_voter(1));
    assert_eq!(r.trk.conf_state().voters_outgoing, vec![1, 2]);
}

#[test]
fn restore_ignores_a_snapshot_of_entries_it_already_has() {
    // etcd's TestRestoreIgnoreSnapshot: a snapshot at or below the commit index is
    // old; one matching our log fast-forwards the commit index instead.
    let mut r = raft_with_log(1, &[1, 2], &[1, 1, 1], 1);
    r.raft_log.commit_to(1);
    assert!(!r.restore(snapshot_at(1, 1, &[1, 2])));
    assert_eq!(r.raft_log.committed, 1);
    assert!(!r.restore(snapshot_at(2, 1, &[1, 2])));
    assert_eq!(r.raft_log.committed, 2, "fast-forwarded");
    assert_eq!(r.raft_log.last_index(), 3, "the log is kept");
}

#[test]
fn follower_ignores_an_old_snapshot_and_answers_with_its_commit() {
    let mut r = raft_with_log(2, &[1, 2], &[1, 1, 1, 1, 1], 1);
    r.become_follower(1, 1);
    r.raft_log.commit_to(5);
    r.step(snap_msg(1, 2, 1, snapshot_at(3, 1, &[1, 2])))
        .unwrap();
    let msgs = r.take_messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(
        (msgs[0].msg_type, msgs[0].index),
        (MessageType::MsgAppResp, 5)
    );
    assert_eq!(r.raft_log.last_index(), 5);
}

#[test]
fn follower_restores_from_a_snapshot_message_of_a_newer_term() {
    // etcd's TestRestoreFromSnapMsg.
    let mut r = new_raft(2, &[1, 2], 10, 1);
    r.step(snap_msg(1, 2, 2, snapshot_at(11, 11, &[1, 2])))
        .unwrap();
    assert_eq!(r.lead, 1);
    assert_eq!(r.term, 2);
    assert_eq!(r.raft_log.last_index(), 11);
    let msgs = r.take_messages();
    assert_eq!(
        (msgs[0].msg_type, msgs[0].index),
        (MessageType::MsgAppResp, 11)
    );
}

#[test]
fn node_installing_a_snapshot_does_not_campaign() {
    let mut r = new_raft(1, &[1, 2, 3], 10, 1);
    r.step(snap_msg(2, 1, 1, snapshot_at(11, 1, &[1, 2, 3])))
        .unwrap();
    r.take_messages();
    assert!(!r.promotable(), "the snapshot is not durable yet");
    tick_n(&mut r, 30);
    assert_eq!(r.state, StateType::StateFollower);
    assert_eq!(r.term, 1);
    assert!(r.take_messages().is_empty());
    // Once persisted (and so applied by the application), it may lead again.
    let snap = r.raft_log.unstable.snapshot.clone().unwrap();
    r.raft_log.storage.apply_snapshot(snap).unwrap();
    r.on_persisted_snapshot(11);
    assert!(r.promotable());
    tick_n(&mut r, 30);
    assert_eq!(r.state, StateType::StateCandidate);
}

#[test]
fn rawnode_hands_out_a_received_snapshot_and_advance_applies_it() {
    let mut node = RawNode::new(&Config::new(2), MemStorage::new_with_voters([1, 2])).unwrap();
    node.step(snap_msg(1, 2, 1, snapshot_at(11, 1, &[1, 2])))
        .unwrap();
    assert!(node.has_ready());
    let rd = node.ready();
    let snap = rd.snapshot.clone().expect("the snapshot to persist");
    assert_eq!(snap.metadata.index, 11);
    assert!(rd.must_sync);
    assert_eq!(
        rd.messages.len(),
        1,
        "the answer leaves after the snapshot is durable"
    );
    node.store_mut().apply_snapshot(snap).unwrap();
    node.advance();
    assert_eq!(node.raft.raft_log.applied, 11);
    assert!(node.raft.promotable());
}

#[test]
fn node_restarts_from_a_snapshot_and_the_entries_after_it() {
    // etcd's TestRawNodeRestartFromSnapshot: only entries after the snapshot are
    // applied again.
    let mut s = MemStorage::new();
    s.apply_snapshot(snapshot_at(2, 1, &[1, 2])).unwrap();
    s.append(&[Entry {
        term: 1,
        index: 3,
        data: b"foo".to_vec().into(),
        ..Entry::default()
    }]);
    s.set_hard_state(HardState {
        term: 1,
        vote: 0,
        commit: 3,
    });
    let mut node = RawNode::new(&Config::new(1), s).unwrap();
    assert!(node.has_ready());
    let rd = node.ready();
    assert_eq!(rd.hard_state, None, "nothing new to persist");
    assert!(rd.entries.is_empty());
    assert_eq!(rd.committed_entries.len(), 1);
    assert_eq!(&rd.committed_entries[0].data[..], b"foo");
    node.advance();
    assert!(!node.has_ready());
    assert_eq!(node.raft.raft_log.first_index(), 3);
    let voters: Vec<u64> = node
        .raft
        .trk
        .config
        .voters
        .incoming
        .iter()
        .copied()
        .collect();
    assert_eq!(voters, vec![1, 2], "membership comes from the snapshot");
}

// ---- whole clusters ----

/// A 3-node cluster where node 3 missed entries the leader has since compacted.
fn cluster_with_node_3_behind_a_compaction() -> Network {
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose(1, "a");
    net.isolate(3);
    net.propose_n(1, 20, "x");
    let commit = net.committed(1);
    net.compact(1, commit);
    net.heal();
    net
}

#[test]
fn slow_node_catches_up_through_a_snapshot_then_the_log() {
    // etcd's TestSlowNodeRestore.
    let mut net = cluster_with_node_3_behind_a_compaction();
    let commit = net.committed(1);
    net.tick(1, 1);
    net.stabilize();
    assert!(
        net.transcript.contains("1->3 MsgSnap"),
        "node 3 needs entries compacted away"
    );
    assert_eq!(net.committed(3), commit);
    assert_eq!(net.nodes[&3].raft.raft_log.first_index(), commit + 1);
    // Replication resumes from the log.
    net.propose(1, "after");
    assert_eq!(net.committed(3), commit + 1);
    assert_eq!(
        net.applied_strings(3).last().map(String::as_str),
        Some("after")
    );
    assert_eq!(
        net.nodes[&1].status().progress[&3].state,
        ProgressState::Replicate
    );
}

#[test]
fn leadership_transfers_to_a_node_caught_up_by_snapshot() {
    // etcd's TestLeaderTransferAfterSnapshot: the transfer waits for the snapshot to
    // be installed, then sends MsgTimeoutNow.
    let mut net = cluster_with_node_3_behind_a_compaction();
    net.node(1).transfer_leader(3);
    net.stabilize();
    assert!(net.transcript.contains("1->3 MsgSnap"));
    assert!(net.transcript.contains("1->3 MsgTimeoutNow"));
    assert_eq!(net.leader(), Some(3));
}

#[test]
fn learner_catches_up_through_a_snapshot() {
    // etcd's TestLearnerReceiveSnapshot.
    let mut net = Network::with_members(&[1], &[2], |_| {});
    net.campaign(1);
    net.isolate(2);
    net.propose_n(1, 5, "x");
    let commit = net.committed(1);
    net.compact(1, commit);
    net.heal();
    net.tick(1, 1);
    net.stabilize();
    assert_eq!(net.committed(2), commit);
    assert_eq!(net.state(2), StateType::StateFollower);
    assert!(!net.nodes[&2].raft.promotable());
}

#[test]
fn restarted_node_catches_up_through_a_snapshot() {
    let mut net = cluster_with_node_3_behind_a_compaction();
    net.restart(3);
    net.tick(1, 1);
    net.stabilize();
    assert_eq!(net.committed(3), net.committed(1));
    let cs: ConfState = net.nodes[&3].raft.trk.conf_state();
    assert_eq!(cs.voters, vec![1, 2, 3]);
}

#[test]
fn restore_demotes_a_voter_listed_as_learner() {
    // etcd's TestRestoreVoterToLearner.
    let mut r = new_raft(3, &[1, 2, 3], 10, 1);
    assert!(r.promotable());
    let mut s = snapshot_at(11, 11, &[1, 2]);
    s.metadata.conf_state.learners = vec![3];
    assert!(r.restore(s));
    assert!(r.trk.progress[&3].is_learner);
    assert!(!r.trk.is_voter(3));
}

#[test]
fn restore_promotes_a_learner_listed_as_voter() {
    // etcd's TestRestoreLearnerPromotion.
    let s = MemStorage::new_with_conf_state(ConfState {
        voters: vec![1, 2],
        learners: vec![3],
        ..ConfState::default()
    });
    let mut r = crate::raft::Raft::new(&Config::new(3), s).unwrap();
    assert!(!r.promotable());
    assert!(r.restore(snapshot_at(11, 11, &[1, 2, 3])));
    assert!(r.trk.is_voter(3));
    assert!(!r.trk.progress[&3].is_learner);
    // Promotable once the snapshot is durable.
    let snap = r.raft_log.unstable.snapshot.clone().unwrap();
    r.raft_log.storage.apply_snapshot(snap).unwrap();
    r.on_persisted_snapshot(11);
    assert!(r.promotable());
}

#[test]
fn a_leader_never_restores_a_snapshot() {
    // Defense in depth, as etcd: only a follower of the current leader gets a
    // snapshot; a leader asked to restore one steps down instead.
    let mut r = elected_leader(1, &[1, 2, 3]);
    let term = r.term;
    assert!(!r.restore(snapshot_at(11, 11, &[1, 2, 3])));
    assert_eq!(r.state, StateType::StateFollower);
    assert_eq!(r.term, term + 1);
    assert_eq!(r.raft_log.last_index(), 1, "the log is untouched");
}

#[test]
fn a_shipped_snapshot_carries_the_membership_as_of_its_own_index() {
    // A leader compacts at s, then changes the membership after s; a follower behind
    // s gets the snapshot at s. Its membership must be the one as of s, not the
    // leader's current one: the follower applies the entries after s on top of it,
    // and a membership from later would make it apply those changes a second time
    // (what rewriting the stored snapshot's ConfState on each change, the removed
    // `MemStorage::set_conf_state`, used to ship).
    let mut net = Network::new(3);
    net.campaign(1);
    net.add_node(4, ConfState::from_voters([1, 2, 3]));
    net.isolate(3);
    net.propose_conf_change(1, &super::common::conf::add_learner(4));
    net.propose(1, "a");
    let s = net.applied_index[&1];
    net.compact(1, s);
    let as_of_s = ConfState {
        voters: vec![1, 2, 3],
        learners: vec![4],
        ..ConfState::default()
    };
    // After s: learner 4 is promoted through an explicit joint configuration, left at
    // once. (A node added after s could not use the snapshot at s, which does not
    // name it: the leader would need a newer one.)
    let explicit = crate::ConfChangeTransition::Explicit;
    net.propose_conf_change(1, &super::common::conf::v2(explicit, "v4"));
    net.propose_conf_change(1, &crate::ConfChangeV2::leave());
    let now = ConfState::from_voters([1, 2, 3, 4]);
    assert_eq!(net.conf_state(1), now);

    net.heal();
    net.hold = Some(|m| m.msg_type == MessageType::MsgSnap);
    net.tick(1, 1);
    net.stabilize();
    let shipped: Vec<_> = net
        .held
        .iter()
        .map(|m| {
            m.snapshot
                .as_ref()
                .expect("MsgSnap carries one")
                .metadata
                .clone()
        })
        .collect();
    assert_eq!(shipped.len(), 1, "node 3 is behind the compaction");
    assert_eq!(shipped[0].index, s);
    assert_eq!(shipped[0].conf_state, as_of_s);
    assert_eq!(shipped[0].conf_state, conf_as_of(&net.confs[&1], s));

    // Node 3 installs it, then applies each later change once, in order.
    net.release_held();
    net.stabilize();
    assert_eq!(net.conf_state(3), now);
    let after_s: Vec<&ConfState> = net.confs[&3]
        .iter()
        .filter(|(i, _)| *i > s)
        .map(|(_, cs)| cs)
        .collect();
    let promoting_4 = ConfState {
        voters: vec![1, 2, 3, 4],
        voters_outgoing: vec![1, 2, 3],
        ..ConfState::default()
    };
    assert_eq!(after_s, [&promoting_4, &now]);
    assert_eq!(net.applied_strings(3), ["a"], "the snapshot's data");
}

/// The Network scenarios above again, with asynchronous storage writes.
mod async_storage_writes {
    crate::tests::common::async_twins!(
        a_shipped_snapshot_carries_the_membership_as_of_its_own_index,
        leadership_transfers_to_a_node_caught_up_by_snapshot,
        learner_catches_up_through_a_snapshot,
        node_restarts_from_a_snapshot_and_the_entries_after_it,
        restarted_node_catches_up_through_a_snapshot,
        slow_node_catches_up_through_a_snapshot_then_the_log,
    );
}
