//! Flow control, as etcd's leader does it: one MsgApp at a time to a follower in Probe,
//! a window of them in Replicate, nothing in Snapshot; heartbeats resume a paused
//! follower; commit indexes are sent only when they can move a follower's commit; and
//! a leader cut off from its followers stops growing its log.

use super::common::*;
use crate::raft::Raft;
use crate::tracker::{Progress, ProgressState};
use crate::{
    Config, Entry, Error, HardState, MemStorage, Message, MessageType, RawNode, StateType,
};

/// A leader of `peers` just elected at term 1: its followers are in Probe, each
/// paused on the MsgApp carrying the leader's empty entry (taken and dropped here).
fn new_leader(peers: &[u64], tweak: impl Fn(&mut Config)) -> Raft<MemStorage> {
    let mut r = new_raft_with(1, peers, 10, 1, tweak);
    r.step(msg(MessageType::MsgHup, 1, 1, 0)).unwrap();
    for &p in &peers[1..] {
        if r.state != StateType::StateLeader {
            r.step(msg(MessageType::MsgVoteResp, p, 1, r.term)).unwrap();
        }
    }
    assert_eq!(r.state, StateType::StateLeader);
    r.take_messages();
    r
}

fn ack(from: u64, r: &Raft<MemStorage>, index: u64) -> Message {
    let mut m = msg(MessageType::MsgAppResp, from, r.id, r.term);
    m.index = index;
    m
}

fn apps_to(msgs: &[Message], to: u64) -> Vec<&Message> {
    msgs.iter()
        .filter(|m| m.to == to && m.msg_type == MessageType::MsgApp)
        .collect()
}

#[test]
fn leader_progress_follows_its_durable_log() {
    // etcd's TestProgressLeader: the leader's own progress is its persisted log.
    let mut r = new_leader(&[1, 2], |_| {});
    r.trk.progress.get_mut(&2).unwrap().become_replicate();
    for i in 0..5u64 {
        persist(&mut r);
        let pr = &r.trk.progress[&1];
        assert_eq!(
            (pr.matched, pr.next_idx),
            (i + 1, i + 2),
            "after {i} proposals"
        );
        r.step(prop(1, 1, &["foo"])).unwrap();
    }
}

#[test]
fn probe_sends_one_message_until_the_follower_answers() {
    // etcd's TestProgressPaused.
    let mut r = new_raft(1, &[1, 2], 10, 1);
    r.become_candidate();
    r.become_leader();
    let mut sent = r.take_messages();
    for _ in 0..3 {
        r.step(prop(1, 1, &["somedata"])).unwrap();
        sent.extend(r.take_messages());
    }
    assert_eq!(apps_to(&sent, 2).len(), 1);
    assert!(r.trk.progress[&2].is_paused());
}

#[test]
fn probe_is_resumed_by_a_heartbeat_response() {
    // etcd's TestProgressResumeByHeartbeatResp and TestSendAppendForProgressProbe:
    // a heartbeat does not unpause a probe, its answer does.
    let mut r = new_leader(&[1, 2], |_| {});
    assert!(r.trk.progress[&2].is_paused());
    for _ in 0..3 {
        for _ in 0..10 {
            r.step(prop(1, 1, &["somedata"])).unwrap();
            assert!(apps_to(&r.take_messages(), 2).is_empty());
        }
        r.step(msg(MessageType::MsgBeat, 1, 1, 0)).unwrap();
        let msgs = r.take_messages();
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].msg_type, MessageType::MsgHeartbeat);
        assert!(r.trk.progress[&2].is_paused());
    }
    r.step(msg(MessageType::MsgHeartbeatResp, 2, 1, r.term))
        .unwrap();
    let msgs = r.take_messages();
    let apps = apps_to(&msgs, 2);
    assert_eq!(apps.len(), 1, "the answer lets one more probe out");
    assert_eq!(apps[0].index, 0, "still probing from the start");
    assert!(r.trk.progress[&2].is_paused());
}

#[test]
fn replicate_streams_a_message_per_proposal() {
    // etcd's TestSendAppendForProgressReplicate.
    let mut r = new_leader(&[1, 2], |_| {});
    r.trk.progress.get_mut(&2).unwrap().become_replicate();
    for i in 0..10 {
        r.step(prop(1, 1, &["somedata"])).unwrap();
        assert_eq!(apps_to(&r.take_messages(), 2).len(), 1, "proposal {i}");
    }
}

#[test]
fn snapshot_state_sends_nothing() {
    // etcd's TestSendAppendForProgressSnapshot.
    let mut r = new_leader(&[1, 2], |_| {});
    r.trk.progress.get_mut(&2).unwrap().become_snapshot(10);
    for _ in 0..10 {
        r.step(prop(1, 1, &["somedata"])).unwrap();
        assert!(r.take_messages().is_empty());
    }
}

#[test]
fn inflight_window_and_message_size_bound_replication() {
    // etcd's TestProgressFlowControl: 3 messages in flight, about 2 KiB each.
    let mut r = new_leader(&[1, 2], |c| {
        c.max_inflight_msgs = 3;
        c.max_size_per_msg = 2048;
    });
    r.trk.progress.get_mut(&2).unwrap().become_probe();
    let blob = "a".repeat(1000);
    for _ in 0..10 {
        r.step(prop(1, 1, &[&blob])).unwrap();
    }
    let msgs = r.take_messages();
    let apps = apps_to(&msgs, 2);
    assert_eq!(apps.len(), 1, "probing: one message");
    let sizes: Vec<usize> = apps[0].entries.iter().map(|e| e.data.len()).collect();
    assert_eq!(sizes, vec![0, 1000], "the empty entry and one proposal fit");

    // Each ack frees the window; entries go out two per message, three at a time.
    let sent = |r: &mut Raft<MemStorage>, index: u64| -> Vec<usize> {
        let a = ack(2, r, index);
        r.step(a).unwrap();
        let msgs = r.take_messages();
        apps_to(&msgs, 2).iter().map(|m| m.entries.len()).collect()
    };
    assert_eq!(
        sent(&mut r, 2),
        vec![2, 2, 2],
        "Replicate: the window fills"
    );
    assert!(r.trk.progress[&2].is_paused());
    assert_eq!(sent(&mut r, 8), vec![2, 1], "the rest");
    assert_eq!(sent(&mut r, 11), Vec::<usize>::new(), "nothing left");
}

#[test]
fn full_window_sends_only_an_empty_message_on_heartbeat_response() {
    // If every message of a full window was lost, an empty MsgApp still gets an
    // answer that clears the window.
    let mut r = new_leader(&[1, 2], |c| c.max_inflight_msgs = 1);
    r.trk.progress.get_mut(&2).unwrap().become_replicate();
    r.step(prop(1, 1, &["a"])).unwrap();
    assert_eq!(apps_to(&r.take_messages(), 2).len(), 1);
    r.step(prop(1, 1, &["b"])).unwrap();
    assert!(apps_to(&r.take_messages(), 2).is_empty(), "window full");
    r.step(msg(MessageType::MsgHeartbeatResp, 2, 1, r.term))
        .unwrap();
    let msgs = r.take_messages();
    let apps = apps_to(&msgs, 2);
    assert_eq!(apps.len(), 1);
    assert!(apps[0].entries.is_empty());
}

#[test]
fn replicate_advances_next_optimistically_and_probe_does_not() {
    // etcd's TestLeaderIncreaseNext.
    for (state, want_next) in [(ProgressState::Replicate, 6), (ProgressState::Probe, 2)] {
        let mut r = raft_with_log(1, &[1, 2], &[1, 1, 1], 1);
        r.become_candidate();
        r.become_leader();
        r.take_messages();
        let pr = r.trk.progress.get_mut(&2).unwrap();
        pr.state = state;
        pr.next_idx = 2;
        r.step(prop(1, 1, &["somedata"])).unwrap();
        r.take_messages();
        assert_eq!(r.trk.progress[&2].next_idx, want_next, "{state}");
    }
}

#[test]
fn leader_handles_append_responses() {
    // etcd's TestLeaderAppResp. Log: 1@1 2@1, then the leader's empty entry 3@2;
    // follower 2 starts in Probe with next 3.
    // (index, reject, want match, want next, want MsgApp count, want MsgApp index)
    let cases = [
        (3, true, 0, 3, 0, None),     // stale rejection: ignored
        (2, true, 0, 2, 1, Some(1)),  // rejection: probe one lower
        (2, false, 2, 4, 1, Some(2)), // ack: Replicate, send the rest
        // An ack at the match (0) from a follower in Probe moves it to Replicate and
        // lets every entry go.
        (0, false, 0, 4, 1, Some(0)),
    ];
    for (index, rejected, w_match, w_next, w_count, w_index) in cases {
        let mut r = raft_with_log(1, &[1, 2, 3], &[1, 1], 1);
        r.become_candidate();
        r.become_leader();
        r.take_messages();
        let mut m = ack(2, &r, index);
        m.reject = rejected;
        m.reject_hint = index;
        r.step(m).unwrap();
        let pr = &r.trk.progress[&2];
        let case = format!("index {index} reject {rejected}");
        assert_eq!((pr.matched, pr.next_idx), (w_match, w_next), "{case}");
        let msgs = r.take_messages();
        let apps = apps_to(&msgs, 2);
        assert_eq!(apps.len(), w_count, "{case}");
        assert_eq!(apps.first().map(|m| m.index), w_index, "{case}");
    }
}

#[test]
fn unreachable_follower_falls_back_to_probe() {
    // etcd's TestRecvMsgUnreachable.
    let mut r = raft_with_log(1, &[1, 2], &[1, 2, 3], 3);
    r.become_candidate();
    r.become_leader();
    r.take_messages();
    let pr = r.trk.progress.get_mut(&2).unwrap();
    pr.matched = 3;
    pr.become_replicate();
    pr.sent_entries(2, 5, 0);
    assert_eq!(pr.next_idx, 6);
    r.step(msg(MessageType::MsgUnreachable, 2, 1, 0)).unwrap();
    let pr = &r.trk.progress[&2];
    assert_eq!(pr.state, ProgressState::Probe);
    assert_eq!(pr.next_idx, 4, "back to just after the match");
}

#[test]
fn caught_up_follower_reported_unreachable_returns_to_replicate() {
    // etcd's heartbeat_resp_recovers_from_probing, on the whole cluster.
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose(1, "a");
    net.node(1).report_unreachable(2);
    assert_eq!(
        net.nodes[&1].status().progress[&2].state,
        ProgressState::Probe
    );
    net.tick(1, 1);
    net.stabilize();
    for id in [2, 3] {
        assert_eq!(
            net.nodes[&1].status().progress[&id].state,
            ProgressState::Replicate,
            "node {id}"
        );
    }
}

#[test]
fn heartbeat_commit_is_capped_at_the_follower_match() {
    // etcd's TestBcastBeat: a follower is told to commit only what it provably has.
    let mut r = elected_leader(1, &[1, 2, 3]);
    r.step(prop(1, 1, &["a", "b", "c"])).unwrap();
    persist(&mut r);
    r.step(ack(3, &r, 4)).unwrap();
    assert_eq!(r.raft_log.committed, 4);
    r.take_messages();
    r.step(msg(MessageType::MsgBeat, 1, 1, 0)).unwrap();
    let msgs = r.take_messages();
    let commit_to = |to: u64| {
        let m = msgs.iter().find(|m| m.to == to).unwrap();
        assert_eq!(m.msg_type, MessageType::MsgHeartbeat);
        assert!(m.entries.is_empty());
        assert_eq!((m.index, m.log_term), (0, 0));
        m.commit
    };
    assert_eq!(commit_to(2), 1, "node 2 acked only index 1");
    assert_eq!(commit_to(3), 4);
    assert_eq!(
        r.trk.progress[&2].sent_commit, 1,
        "heartbeats record what they sent"
    );
    assert_eq!(r.trk.progress[&3].sent_commit, 4);
}

#[test]
fn follower_learns_the_commit_index_it_missed_on_its_next_ack() {
    // etcd's CanBumpCommit: node 3 was paused in Probe when the commit moved, so no
    // MsgApp told it; its ack gets one empty MsgApp with the commit, and no more.
    let mut r = new_leader(&[1, 2, 3], |_| {});
    persist(&mut r);
    r.step(ack(2, &r, 1)).unwrap();
    assert_eq!(r.raft_log.committed, 1);
    let msgs = r.take_messages();
    assert_eq!(apps_to(&msgs, 2).len(), 1);
    assert!(apps_to(&msgs, 3).is_empty(), "node 3 is paused in Probe");
    r.step(ack(3, &r, 1)).unwrap();
    let msgs = r.take_messages();
    let apps = apps_to(&msgs, 3);
    assert_eq!(apps.len(), 1);
    assert!(apps[0].entries.is_empty());
    assert_eq!(apps[0].commit, 1);
    // A duplicate ack: the commit index was already sent.
    r.step(ack(3, &r, 1)).unwrap();
    assert!(r.take_messages().is_empty());
}

#[test]
fn commit_index_is_not_resent_to_a_follower_that_has_it() {
    let mut r = elected_leader(1, &[1, 2, 3]);
    r.step(prop(1, 1, &["a"])).unwrap();
    persist(&mut r);
    r.take_messages();
    r.step(ack(2, &r, 2)).unwrap();
    let msgs = r.take_messages();
    assert_eq!(apps_to(&msgs, 2).len(), 1, "the new commit index goes out");
    assert_eq!(apps_to(&msgs, 3).len(), 1);
    // Node 3 acks after the commit-carrying MsgApp went out to it: nothing to add.
    r.step(ack(3, &r, 2)).unwrap();
    assert!(apps_to(&r.take_messages(), 3).is_empty());
}

#[test]
fn sent_commit_follows_next_back_to_probe_and_into_snapshot() {
    let mut pr = Progress::new(11, 8, 0);
    pr.matched = 4;
    pr.become_replicate();
    pr.sent_entries(6, 10, 0);
    pr.record_sent_commit(9);
    assert!(!pr.can_bump_commit(9), "no news");
    assert!(pr.can_bump_commit(10));
    pr.record_sent_commit(10);
    assert!(
        !pr.can_bump_commit(12),
        "everything in flight is already covered"
    );
    // The entries in flight may be lost: the commit sent with them is forgotten too.
    pr.become_probe();
    assert_eq!((pr.next_idx, pr.sent_commit), (5, 4));
    assert!(
        !pr.can_bump_commit(10),
        "the follower may hold only up to its match, and can commit that already"
    );
    // Once it acknowledges more, a commit index is news again.
    assert!(pr.maybe_update(7));
    assert!(pr.can_bump_commit(10));
    // A rejection in Probe rolls it back with next.
    let mut pr = Progress::new(8, 8, 0);
    pr.record_sent_commit(7);
    assert!(pr.maybe_decr_to(7, 3));
    assert_eq!((pr.next_idx, pr.sent_commit), (4, 3));
    // A snapshot carries committed state up to its index.
    pr.become_snapshot(20);
    assert_eq!(
        (pr.next_idx, pr.sent_commit, pr.pending_snapshot),
        (21, 20, 20)
    );
}

#[test]
fn uncommitted_entry_limit_drops_proposals_beyond_it() {
    // etcd's TestUncommittedEntryLimit, with 8 entries of budget.
    let entry = "testdata";
    let max_entries = 8u64;
    let limit = max_entries * entry.len() as u64;
    let mut r = new_leader(&[1, 2, 3], |c| {
        c.max_uncommitted_entries_size = limit;
        c.max_inflight_msgs = 1024;
    });
    for id in [2, 3] {
        r.trk.progress.get_mut(&id).unwrap().become_replicate();
    }
    for _ in 0..max_entries {
        r.step(prop(1, 1, &[entry])).unwrap();
    }
    assert_eq!(r.step(prop(1, 1, &[entry])), Err(Error::ProposalDropped));
    assert_eq!(r.uncommitted_size, limit);
    // The entries commit and are applied: the budget comes back.
    let applied: Vec<Entry> = (0..max_entries).map(|_| Entry::normal(entry)).collect();
    r.reduce_uncommitted_size(&applied);
    assert_eq!(r.uncommitted_size, 0);
    // Below the limit, one proposal may exceed it (else a large one could never go).
    let large: Vec<&str> = (0..2 * max_entries).map(|_| entry).collect();
    r.step(prop(1, 1, &large)).unwrap();
    assert_eq!(r.step(prop(1, 1, &[entry])), Err(Error::ProposalDropped));
    // An empty entry is never refused (a new leader's entry is one).
    r.step(prop(1, 1, &[""])).unwrap();
    let applied: Vec<Entry> = (0..2 * max_entries).map(|_| Entry::normal(entry)).collect();
    r.reduce_uncommitted_size(&applied);
    assert_eq!(r.uncommitted_size, 0);
}

#[test]
fn log_growth_is_bounded_while_nothing_commits() {
    // etcd's TestRawNodeBoundedLogGrowthWithPartition: a leader that cannot commit
    // (here: its Readies are not handled) stops taking proposals at the limit.
    let entry = "testdata";
    let max_entries = 16u64;
    let limit = max_entries * entry.len() as u64;
    let c = Config {
        max_uncommitted_entries_size: limit,
        ..Config::new(1)
    };
    let mut node = RawNode::new(&c, MemStorage::new_with_voters([1])).unwrap();
    node.campaign().unwrap();
    drain(&mut node);
    let mut accepted = 0;
    for _ in 0..1024 {
        if node.propose(entry).is_ok() {
            accepted += 1;
        }
    }
    assert_eq!(accepted, max_entries);
    assert_eq!(node.raft.uncommitted_size, limit);
    // The partition heals: the tail commits and is applied, and the budget returns.
    let applied = drain(&mut node);
    assert_eq!(applied, max_entries as usize);
    assert_eq!(node.raft.uncommitted_size, 0);
    assert!(node.propose(entry).is_ok());
}

/// Handles Readies until there are none; returns how many non-empty entries were
/// handed out to apply.
fn drain(node: &mut RawNode<MemStorage>) -> usize {
    let mut applied = 0;
    while node.has_ready() {
        let rd = node.ready();
        if let Some(hs) = rd.hard_state {
            node.store_mut().set_hard_state(hs);
        }
        node.store_mut().append(&rd.entries);
        applied += rd
            .committed_entries
            .iter()
            .filter(|e| !e.data.is_empty())
            .count();
        node.advance();
    }
    applied
}

#[test]
fn committed_entries_are_paginated_after_restart_and_never_skip() {
    // etcd's TestRawNodeCommitPaginationAfterRestart: a restarted node applies its
    // committed log in pages, in order, and never past the commit index.
    let mut s = MemStorage::new_with_voters([1, 2]);
    let ents: Vec<Entry> = (1..=10)
        .map(|i| Entry {
            term: 1,
            index: i,
            data: b"a".to_vec().into(),
            ..Entry::default()
        })
        .collect();
    s.append(&ents);
    s.append(&[Entry {
        term: 1,
        index: 11,
        data: b"boom".to_vec().into(),
        ..Entry::default()
    }]);
    s.set_hard_state(HardState {
        term: 1,
        vote: 1,
        commit: 10,
    });
    let c = Config {
        max_committed_size_per_ready: 3 * 25,
        ..Config::new(1)
    };
    let mut node = RawNode::new(&c, s).unwrap();
    let mut highest = 0;
    let mut pages = 0;
    while highest != 11 {
        let rd = node.ready();
        let n = rd.committed_entries.len();
        assert!(n > 0, "stopped applying at {highest}");
        assert_eq!(
            rd.committed_entries[0].index,
            highest + 1,
            "no gap, no repeat"
        );
        highest = rd.committed_entries[n - 1].index;
        assert!(highest <= node.raft.raft_log.committed);
        node.advance();
        pages += 1;
        let mut hb = msg(MessageType::MsgHeartbeat, 2, 1, 1);
        hb.commit = 11;
        node.step(hb).unwrap();
    }
    assert!(pages > 3, "the limit split the log into pages ({pages})");
    assert_eq!(node.raft.state, StateType::StateFollower);
}

/// The Network scenarios above again, with asynchronous storage writes.
mod async_storage_writes {
    crate::tests::common::async_twins!(
        caught_up_follower_reported_unreachable_returns_to_replicate,
    );
}
