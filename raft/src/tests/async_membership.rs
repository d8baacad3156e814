//! Joint configurations with asynchronous storage writes, on the `Cluster` harness
//! whose append and apply threads the test drives one step at a time.
//!
//! In async mode there is no `advance`: a leader learns that it applied a change only
//! when its apply thread's MsgStorageApplyResp is stepped back, and etcd handles that
//! answer with `r.appliedTo` (raft.go, `case pb.MsgStorageApplyResp`), the one place
//! that proposes leaving a joint configuration entered with auto-leave. These tests
//! pin that down, and show the `AsyncAutoLeaveMissed` bug leaving such a
//! configuration in force for good.

use super::common::cluster::{Cluster, Mode};
use super::common::conf::*;
use crate::probes::Probe;
use crate::{ConfChangeTransition, ConfChangeV2, ConfState, Config, RaftBug, RaftBugs, StateType};

/// Voters 1 2 3 in `mode` with 1 elected, and node 4 booted with that membership
/// (it joins through a conf change).
fn cluster_with_spare(mode: Mode, tweak: impl Fn(&mut Config)) -> Cluster {
    let mut c = Cluster::with_config(3, mode, tweak);
    c.elect(1);
    assert_eq!(c.node(1).raft.state, StateType::StateLeader);
    c.add_member(4, ConfState::from_voters([1, 2, 3]));
    c
}

/// (1 2 3) && (1 2 4): node 3 replaced by node 4, as "v4 r3" enters it.
fn replacing_3_by_4(auto_leave: bool) -> ConfState {
    ConfState {
        auto_leave,
        ..joint(&[1, 2, 4], &[1, 2, 3])
    }
}

/// As `Cluster::stabilize`, except that node `held`'s apply thread never runs.
fn settle_holding_apply(c: &mut Cluster, held: u64) {
    loop {
        let ids: Vec<u64> = c.members.keys().copied().collect();
        let mut busy = false;
        for &id in &ids {
            busy |= c.handle_ready(id);
        }
        for &id in &ids {
            while c.process_append(id) {
                busy = true;
            }
            while id != held && c.process_apply(id) {
                busy = true;
            }
        }
        busy |= c.deliver_all() > 0;
        if !busy {
            return;
        }
    }
}

/// The last entry of node `id`'s log, if it is the empty change that leaves a joint
/// configuration.
fn last_entry_leaves_joint(c: &mut Cluster, id: u64) -> bool {
    let log = &c.node(id).raft.raft_log;
    let last = log.last_index();
    let e = log.slice(last, last + 1, u64::MAX).expect("in the log")[0].clone();
    e.conf_change()
        .is_some_and(|cc| cc.expect("decodes").leave_joint())
}

#[test]
fn the_apply_threads_answer_makes_the_leader_leave_an_auto_leave_joint_config() {
    let _ = take_probes();
    let mut c = cluster_with_spare(Mode::Async, |_| {});
    c.propose_conf_change(1, &v2(ConfChangeTransition::Auto, "v4 r3"));
    settle_holding_apply(&mut c, 1);
    for id in [2, 3] {
        assert_eq!(c.conf_state(id), replacing_3_by_4(true), "node {id}");
    }
    assert_eq!(
        c.conf_state(1),
        ConfState::from_voters([1, 2, 3]),
        "1's apply thread has not run (so it does not replicate to 4 yet)"
    );
    let last = c.node(1).raft.raft_log.last_index();

    // The apply thread applies the joint change: the tracker is joint at once...
    while c.process_apply(1) {}
    assert_eq!(c.conf_state(1), replacing_3_by_4(true));
    assert_eq!(
        c.node(1).raft.raft_log.last_index(),
        last,
        "...but raft learns it is applied only from the thread's answer"
    );
    assert_eq!(take_probes().of(Probe::AutoLeaveProposed), 0);

    // The answer, stepped back, is what makes the leader propose leaving.
    c.deliver_to(1);
    assert_eq!(take_probes().of(Probe::AutoLeaveProposed), 1);
    assert_eq!(c.node(1).raft.raft_log.last_index(), last + 1);
    assert!(last_entry_leaves_joint(&mut c, 1));
    c.stabilize();
    for id in [1, 2, 4] {
        assert_eq!(c.conf_state(id), ConfState::from_voters([1, 2, 4]), "{id}");
    }
}

/// Node 1 leads voters 1 2 3 in `mode` with `bugs`, enters (1 2 3) && (1 2 4) with
/// auto-leave, and the cluster settles (heartbeats and a proposal included). Returns
/// the leader's configuration then.
fn configuration_after_an_auto_leave_change(mode: Mode, bugs: RaftBugs) -> ConfState {
    let mut c = cluster_with_spare(mode, |cfg| cfg.bugs = bugs);
    c.propose_conf_change(1, &v2(ConfChangeTransition::Auto, "v4 r3"));
    c.stabilize();
    for _ in 0..3 {
        c.node(1).tick();
        c.stabilize();
    }
    c.node(1).propose(b"later".to_vec()).unwrap();
    c.stabilize();
    let applied = c.member(4).applied_data();
    assert_eq!(applied.last().map(String::as_str), Some("later"));
    c.conf_state(1)
}

#[test]
fn an_auto_leave_joint_config_is_left_in_both_storage_modes() {
    for mode in [Mode::Sync, Mode::Async] {
        assert_eq!(
            configuration_after_an_auto_leave_change(mode, RaftBugs::NONE),
            ConfState::from_voters([1, 2, 4]),
            "{mode:?}"
        );
    }
}

#[test]
fn bug_async_auto_leave_missed_keeps_the_joint_config_in_force() {
    let bug = RaftBugs::NONE.with(RaftBug::AsyncAutoLeaveMissed);
    assert_eq!(
        configuration_after_an_auto_leave_change(Mode::Async, bug),
        replacing_3_by_4(true),
        "the apply answer never reaches Raft::applied_to: nobody proposes leaving"
    );
    assert_eq!(
        configuration_after_an_auto_leave_change(Mode::Sync, bug),
        ConfState::from_voters([1, 2, 4]),
        "the synchronous advance is not affected"
    );
}

#[test]
fn bug_async_auto_leave_missed_refuses_every_later_conf_change() {
    // The symptom a server sees: stuck joint, the leader turns each new change into an
    // empty entry ("must transition out of joint config first").
    let _ = take_probes();
    let bug = RaftBugs::NONE.with(RaftBug::AsyncAutoLeaveMissed);
    let mut c = cluster_with_spare(Mode::Async, |cfg| cfg.bugs = bug);
    c.propose_conf_change(1, &v2(ConfChangeTransition::Auto, "v4 r3"));
    c.stabilize();
    c.propose_conf_change(1, &add_learner(5));
    c.stabilize();
    assert_eq!(take_probes().of(Probe::ConfChangeRefusedJointState), 1);
    assert_eq!(c.conf_state(2), replacing_3_by_4(true));
}

#[test]
fn an_explicit_joint_config_stays_until_the_leave_is_proposed_in_async_mode() {
    let _ = take_probes();
    let mut c = cluster_with_spare(Mode::Async, |_| {});
    c.propose_conf_change(1, &v2(ConfChangeTransition::Explicit, "v4 r3"));
    c.stabilize();
    for _ in 0..3 {
        c.node(1).tick();
        c.stabilize();
    }
    for id in [1, 2, 3, 4] {
        assert_eq!(c.conf_state(id), replacing_3_by_4(false), "node {id}");
    }
    assert_eq!(take_probes().of(Probe::AutoLeaveProposed), 0);
    c.propose_conf_change(1, &ConfChangeV2::leave());
    c.stabilize();
    for id in [1, 2, 4] {
        assert_eq!(c.conf_state(id), ConfState::from_voters([1, 2, 4]), "{id}");
    }
}

#[test]
fn a_crash_in_the_middle_of_a_joint_config_replays_back_into_both_halves() {
    let _ = take_probes();
    let mut c = cluster_with_spare(Mode::Async, |_| {});
    c.propose_conf_change(1, &v2(ConfChangeTransition::Explicit, "v4 r3"));
    c.stabilize();
    c.crash_restart(2);
    // Restarted from the initial membership, node 2 knows a committed change it has
    // not applied: it may not campaign until its apply thread has replayed it.
    assert_eq!(c.conf_state(2), ConfState::from_voters([1, 2, 3]));
    c.node(2).campaign().unwrap();
    assert_eq!(c.node(2).raft.state, StateType::StateFollower);
    assert!(take_probes().of(Probe::CampaignRefusedUnappliedConfChange) > 0);
    c.stabilize();
    assert_eq!(c.conf_state(2), replacing_3_by_4(false));

    // Joint, node 2 needs a majority of both halves: 4 alone gives it (1 2 4) but not
    // (1 2 3).
    c.isolate(1);
    c.isolate(3);
    c.elect(2);
    assert_eq!(c.node(2).raft.state, StateType::StateCandidate);
    c.cut.clear();
    c.elect(2);
    assert_eq!(c.node(2).raft.state, StateType::StateLeader);
    c.propose_conf_change(2, &ConfChangeV2::leave());
    c.stabilize();
    for id in [1, 2, 4] {
        assert_eq!(c.conf_state(id), ConfState::from_voters([1, 2, 4]), "{id}");
    }
}

#[test]
fn a_new_leader_leaves_an_auto_leave_joint_config_its_crashed_predecessor_entered() {
    let _ = take_probes();
    let mut c = cluster_with_spare(Mode::Async, |_| {});
    c.propose_conf_change(1, &v2(ConfChangeTransition::Auto, "v4 r3"));
    // Everyone applies the joint change but the leader, which crashes before its
    // apply thread runs: it will never propose leaving.
    settle_holding_apply(&mut c, 1);
    c.crash_restart(1);
    c.elect(2);
    assert_eq!(c.node(2).raft.state, StateType::StateLeader);
    // The new leader accepts conf changes once it applied its log, its own empty entry
    // included; that apply answer is what proposes leaving.
    assert_eq!(take_probes().of(Probe::AutoLeaveProposed), 1);
    for id in [1, 2, 4] {
        assert_eq!(c.conf_state(id), ConfState::from_voters([1, 2, 4]), "{id}");
    }
    c.node(2).propose(b"after".to_vec()).unwrap();
    c.stabilize();
    let applied = c.member(4).applied_data();
    assert_eq!(applied.last().map(String::as_str), Some("after"));
}

#[test]
fn a_leader_change_in_the_middle_of_an_explicit_joint_config_keeps_it_until_asked() {
    let mut c = cluster_with_spare(Mode::Async, |_| {});
    c.propose_conf_change(1, &v2(ConfChangeTransition::Explicit, "v4 r3"));
    c.stabilize();
    c.node(1).transfer_leader(4);
    c.stabilize();
    assert_eq!(c.node(4).raft.state, StateType::StateLeader);
    for id in [1, 2, 3, 4] {
        assert_eq!(c.conf_state(id), replacing_3_by_4(false), "node {id}");
    }
    c.propose_conf_change(4, &ConfChangeV2::leave());
    c.stabilize();
    for id in [1, 2, 4] {
        assert_eq!(c.conf_state(id), ConfState::from_voters([1, 2, 4]), "{id}");
    }
}
