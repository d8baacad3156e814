//! Linearizable reads through ReadIndex, as etcd serves them: ReadOnlySafe (a heartbeat
//! round confirms leadership), ReadOnlyLeaseBased (the lease does), reads held by a new
//! leader until it commits in its term, and reads forwarded by followers and learners.

use super::common::*;
use crate::raft::Raft;
use crate::{
    Config, MemStorage, Message, MessageType, RawNode, ReadOnlyOption, ReadState, StateType,
};
use bytes::Bytes;

fn lease(c: &mut Config) {
    c.check_quorum = true;
    c.read_only_option = ReadOnlyOption::LeaseBased;
}

/// A MsgReadIndex with context `ctx`, as `RawNode::read_index` steps it (from 0:
/// local) or as a follower forwards it (from the follower).
fn read_req(from: u64, to: u64, ctx: &str) -> Message {
    let mut m = prop(from, to, &[ctx]);
    m.msg_type = MessageType::MsgReadIndex;
    m
}

fn heartbeat_resp(from: u64, r: &Raft<MemStorage>, ctx: &[u8]) -> Message {
    let mut m = msg(MessageType::MsgHeartbeatResp, from, r.id, r.term);
    m.context = Bytes::copy_from_slice(ctx);
    m
}

fn read_states(r: &mut Raft<MemStorage>) -> Vec<(u64, String)> {
    std::mem::take(&mut r.read_states)
        .into_iter()
        .map(|rs| {
            let ctx = String::from_utf8_lossy(&rs.request_ctx).into_owned();
            (rs.index, ctx)
        })
        .collect()
}

/// etcd's TestReadOnlyOptionSafe / TestReadOnlyOptionLease: 10 proposals, then a read
/// on each node in turn; every read is answered on the node that asked, at the
/// commit index after the proposals.
fn reads_from_every_node_see_the_latest_commit(tweak: fn(&mut Config)) {
    let mut net = Network::with_config(3, tweak);
    net.campaign(1);
    assert_eq!(net.leader(), Some(1));
    let mut want_index = 1;
    for (round, asker) in [1, 2, 3, 1, 2, 3].into_iter().enumerate() {
        net.propose_n(asker, 10, "p");
        want_index += 10;
        let ctx = format!("ctx{round}");
        net.read_index(asker, &ctx);
        assert_eq!(
            net.reads(asker).last(),
            Some(&(want_index, ctx.clone())),
            "read {ctx} on node {asker}"
        );
    }
    for id in 1..=3 {
        assert_eq!(
            net.reads(id).len(),
            2,
            "node {id} got exactly its own reads"
        );
    }
}

#[test]
fn safe_reads_from_every_node_see_the_latest_commit() {
    reads_from_every_node_see_the_latest_commit(|_| {});
}

#[test]
fn lease_reads_from_every_node_see_the_latest_commit() {
    reads_from_every_node_see_the_latest_commit(lease);
}

#[test]
fn reads_from_a_learner_are_forwarded_to_the_leader() {
    // etcd's TestReadOnlyWithLearner: voter 1 (a singleton: it answers at once) and
    // learner 2 (forwards to 1).
    let mut net = Network::with_members(&[1], &[2], |_| {});
    net.campaign(1);
    net.propose(1, "first");
    let mut want = 2;
    for (round, asker) in [1, 2, 1, 2].into_iter().enumerate() {
        net.propose_n(asker, 10, "p");
        want += 10;
        let ctx = format!("ctx{round}");
        net.read_index(asker, &ctx);
        assert_eq!(net.reads(asker).last(), Some(&(want, ctx)), "node {asker}");
    }
}

#[test]
fn learner_acks_do_not_count_toward_the_read_quorum() {
    let s = MemStorage::new_with_conf_state(crate::ConfState {
        voters: vec![1, 2, 3],
        learners: vec![4],
        ..Default::default()
    });
    let mut r = Raft::new(&Config::new(1), s).unwrap();
    r.become_candidate();
    r.become_leader();
    persist(&mut r);
    for p in [2, 3] {
        let mut m = msg(MessageType::MsgAppResp, p, 1, r.term);
        m.index = 1;
        r.step(m).unwrap();
    }
    assert!(r.committed_entry_in_current_term());
    r.step(read_req(0, 1, "r")).unwrap();
    let hbs: Vec<u64> = r
        .take_messages()
        .iter()
        .filter(|m| m.msg_type == MessageType::MsgHeartbeat)
        .map(|m| m.to)
        .collect();
    assert_eq!(hbs, vec![2, 3, 4], "the learner gets the heartbeat too");
    r.step(heartbeat_resp(4, &r, b"r")).unwrap();
    assert!(
        read_states(&mut r).is_empty(),
        "leader + learner is no quorum"
    );
    r.step(heartbeat_resp(2, &r, b"r")).unwrap();
    assert_eq!(read_states(&mut r), vec![(1, "r".to_string())]);
}

#[test]
fn safe_read_is_released_only_once_a_quorum_acks() {
    let mut r = elected_leader(1, &[1, 2, 3, 4, 5]);
    r.step(read_req(0, 1, "r")).unwrap();
    let msgs = r.take_messages();
    assert_eq!(msgs.len(), 4, "one heartbeat per follower");
    for m in &msgs {
        assert_eq!(m.msg_type, MessageType::MsgHeartbeat);
        assert_eq!(
            &m.context[..],
            b"r",
            "the heartbeat carries the read's context"
        );
    }
    r.step(heartbeat_resp(2, &r, b"r")).unwrap();
    assert!(read_states(&mut r).is_empty(), "2 of 5 is no quorum");
    r.step(heartbeat_resp(2, &r, b"r")).unwrap();
    assert!(
        read_states(&mut r).is_empty(),
        "a duplicate ack counts once"
    );
    r.step(heartbeat_resp(3, &r, b"r")).unwrap();
    assert_eq!(read_states(&mut r), vec![(1, "r".to_string())]);
    assert_eq!(r.read_only.pending_count(), 0);
}

#[test]
fn an_ack_for_a_later_read_releases_every_earlier_read_in_order() {
    let mut r = elected_leader(1, &[1, 2, 3]);
    r.step(read_req(0, 1, "a")).unwrap();
    // Entries committed between the reads raise the second read's index.
    r.step(prop(1, 1, &["x"])).unwrap();
    persist(&mut r);
    let mut ack = msg(MessageType::MsgAppResp, 2, 1, r.term);
    ack.index = 2;
    r.step(ack).unwrap();
    assert_eq!(r.raft_log.committed, 2);
    r.step(read_req(0, 1, "b")).unwrap();
    r.take_messages();
    // The heartbeats of "a" were lost; one answer to the round of "b" confirms both.
    r.step(heartbeat_resp(3, &r, b"b")).unwrap();
    assert_eq!(
        read_states(&mut r),
        vec![(1, "a".to_string()), (2, "b".to_string())]
    );
    // A late answer to the round of "a" finds nothing pending.
    r.step(heartbeat_resp(2, &r, b"a")).unwrap();
    assert!(read_states(&mut r).is_empty());
}

#[test]
fn periodic_heartbeats_carry_the_newest_pending_read() {
    let mut r = elected_leader(1, &[1, 2, 3]);
    r.step(read_req(0, 1, "a")).unwrap();
    r.step(read_req(0, 1, "b")).unwrap();
    r.take_messages();
    // The read rounds were lost: the next heartbeat retries the newest read.
    tick_n(&mut r, 1);
    let msgs = r.take_messages();
    assert!(!msgs.is_empty());
    for m in &msgs {
        assert_eq!(m.msg_type, MessageType::MsgHeartbeat);
        assert_eq!(&m.context[..], b"b");
    }
    r.step(heartbeat_resp(2, &r, b"b")).unwrap();
    assert_eq!(read_states(&mut r).len(), 2);
    // Nothing pending: heartbeats go out without a context again.
    tick_n(&mut r, 1);
    assert!(r.take_messages().iter().all(|m| m.context.is_empty()));
}

#[test]
fn a_read_with_a_pending_context_is_answered_once() {
    let mut r = elected_leader(1, &[1, 2, 3]);
    r.step(read_req(0, 1, "same")).unwrap();
    r.step(read_req(0, 1, "same")).unwrap();
    r.take_messages();
    r.step(heartbeat_resp(2, &r, b"same")).unwrap();
    assert_eq!(read_states(&mut r), vec![(1, "same".to_string())]);
}

#[test]
fn lease_read_is_answered_without_a_heartbeat_round() {
    let mut r = new_raft_with(1, &[1, 2, 3], 10, 1, lease);
    r.become_candidate();
    r.become_leader();
    persist(&mut r);
    let mut ack = msg(MessageType::MsgAppResp, 2, 1, r.term);
    ack.index = 1;
    r.step(ack).unwrap();
    r.take_messages();
    r.step(read_req(0, 1, "r")).unwrap();
    assert_eq!(read_states(&mut r), vec![(1, "r".to_string())]);
    assert!(r.take_messages().is_empty(), "no heartbeat round");
}

#[test]
fn single_voter_answers_a_read_at_once() {
    let mut net = Network::new(1);
    net.campaign(1);
    net.propose(1, "a");
    net.transcript.clear();
    net.read_index(1, "r");
    assert_eq!(net.reads(1), vec![(2, "r".to_string())]);
    assert!(
        !net.transcript.contains("MsgHeartbeat"),
        "no round needed:\n{}",
        net.transcript
    );
}

#[test]
fn new_leader_holds_reads_until_it_commits_an_entry_of_its_term() {
    // etcd's TestReadOnlyForNewLeader.
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose(1, "x");
    // Node 2 wins term 2 but none of its MsgApps arrive: its commit index (2) is of
    // term 1, and may be behind what the old leader committed.
    net.ignored.insert(MessageType::MsgApp);
    net.campaign(2);
    assert_eq!(net.leader(), Some(2));
    net.read_index(2, "held");
    assert!(net.reads(2).is_empty(), "a read now could be stale");
    assert_eq!(net.nodes[&2].raft.pending_read_index_messages.len(), 1);
    assert!(!net.nodes[&2].raft.committed_entry_in_current_term());
    // Replication resumes; the empty entry of term 2 commits and frees the read.
    net.heal();
    net.tick(2, 1);
    net.stabilize();
    assert_eq!(net.committed(2), 3);
    assert!(net.nodes[&2].raft.committed_entry_in_current_term());
    assert_eq!(net.reads(2), vec![(3, "held".to_string())]);
    assert!(net.nodes[&2].raft.pending_read_index_messages.is_empty());
    // From now on reads are served right away.
    net.read_index(2, "next");
    assert_eq!(net.reads(2).last(), Some(&(3, "next".to_string())));
}

#[test]
fn forwarded_read_held_by_a_new_leader_is_answered_to_the_follower() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.ignored.insert(MessageType::MsgApp);
    net.campaign(2);
    // A heartbeat tells node 3 who leads; the MsgApps still do not arrive.
    net.tick(2, 1);
    net.stabilize();
    assert_eq!(net.nodes[&3].raft.lead, 2);
    net.read_index(3, "from-3");
    assert_eq!(net.nodes[&2].raft.pending_read_index_messages.len(), 1);
    assert!(net.reads(3).is_empty());
    net.heal();
    net.tick(2, 1);
    net.stabilize();
    assert_eq!(net.reads(3), vec![(2, "from-3".to_string())]);
    assert!(net.reads(2).is_empty(), "the answer goes to whoever asked");
}

#[test]
fn follower_forwards_a_read_and_gets_the_answer_back() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.propose(1, "a");
    net.transcript.clear();
    net.read_index(2, "r");
    assert_eq!(net.reads(2), vec![(2, "r".to_string())]);
    let t = &net.transcript;
    assert!(t.contains("2->1 MsgReadIndex Term:0"), "{t}");
    assert!(t.contains("1->2 MsgReadIndexResp Term:1 Log:0/2"), "{t}");
}

#[test]
fn follower_without_a_leader_drops_a_read() {
    let mut net = Network::new(3);
    net.read_index(2, "r");
    assert!(net.reads(2).is_empty());
    assert!(net.queue.is_empty());
    assert!(!net.transcript.contains("MsgReadIndex"));
}

#[test]
fn leader_cut_off_from_its_quorum_never_answers_a_safe_read() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.isolate(1);
    net.read_index(1, "r");
    net.tick(1, 3);
    net.stabilize();
    assert!(
        net.reads(1).is_empty(),
        "no quorum confirmed the leadership"
    );
    // The partition heals: the next heartbeat carries the read and a quorum answers.
    net.heal();
    net.tick(1, 1);
    net.stabilize();
    assert_eq!(net.reads(1), vec![(1, "r".to_string())]);
}

#[test]
fn one_follower_down_still_leaves_a_read_quorum() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.isolate(3);
    net.read_index(2, "r");
    assert_eq!(net.reads(2), vec![(1, "r".to_string())]);
}

#[test]
fn a_deposed_leader_drops_its_pending_reads() {
    let mut r = elected_leader(1, &[1, 2, 3]);
    r.step(read_req(0, 1, "r")).unwrap();
    assert_eq!(r.read_only.pending_count(), 1);
    r.step(msg(MessageType::MsgHeartbeat, 2, 1, r.term + 1))
        .unwrap();
    assert_eq!(r.state, StateType::StateFollower);
    assert_eq!(r.read_only.pending_count(), 0);
    // A late ack of the old term is ignored (lower term), and nothing is released.
    let mut late = msg(MessageType::MsgHeartbeatResp, 3, 1, r.term - 1);
    late.context = Bytes::from_static(b"r");
    r.step(late).unwrap();
    assert!(r.read_states.is_empty());
}

#[test]
fn forget_leader_is_refused_under_lease_based_reads() {
    // etcd's forget_leader_read_only_lease_based: forgetting the leader would let
    // this follower vote for another while the leader still serves reads from its
    // lease.
    let mut net = Network::with_config(3, lease);
    net.campaign(1);
    net.node(2).forget_leader().unwrap();
    assert_eq!(net.nodes[&2].raft.lead, 1);
    assert_eq!(net.state(1), StateType::StateLeader);
}

#[test]
fn forget_leader_still_works_under_safe_reads() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.node(2).forget_leader().unwrap();
    assert_eq!(net.nodes[&2].raft.lead, 0);
}

#[test]
fn rawnode_hands_out_read_states_in_ready_and_clears_them() {
    // etcd's TestRawNodeReadIndex.
    let mut node = RawNode::new(&Config::new(1), MemStorage::new_with_voters([1])).unwrap();
    let want = vec![ReadState {
        index: 1,
        request_ctx: Bytes::from_static(b"somedata"),
    }];
    node.raft.read_states = want.clone();
    assert!(node.has_ready(), "pending read states make a Ready");
    let rd = node.ready();
    assert_eq!(rd.read_states, want);
    node.advance();
    assert!(node.raft.read_states.is_empty());
    assert!(!node.has_ready());

    // As leader, read_index hands the request to raft, which answers it in a Ready.
    node.campaign().unwrap();
    while node.has_ready() {
        let rd = node.ready();
        node.store_mut().append(&rd.entries);
        if let Some(hs) = rd.hard_state {
            node.store_mut().set_hard_state(hs);
        }
        node.advance();
    }
    assert_eq!(node.raft.state, StateType::StateLeader);
    node.read_index(b"somedata2".to_vec());
    let rd = node.ready();
    assert_eq!(
        rd.read_states,
        vec![ReadState {
            index: 1,
            request_ctx: Bytes::from_static(b"somedata2"),
        }]
    );
    node.advance();
}

#[test]
fn rawnode_keeps_a_read_confirmed_between_ready_and_advance() {
    let mut net = Network::new(3);
    net.campaign(1);
    net.node(1).read_index(b"r".to_vec());
    let rd = net.node(1).ready();
    assert!(rd.read_states.is_empty());
    // The heartbeat round completes before the application calls advance.
    for m in rd.messages {
        let to = m.to;
        net.node(to).step(m).unwrap();
        let resp = net.node(to).ready().messages;
        net.node(to).advance();
        for r in resp {
            net.node(1).step(r).unwrap();
        }
    }
    net.node(1).advance();
    let rd = net.node(1).ready();
    assert_eq!(rd.read_states.len(), 1, "the read is in the next Ready");
}

/// Node 1 leads and is cut off; nodes 2 and 3 run fast clocks, elect one of them
/// and commit "b", while node 1's clock stands still, so its lease never runs out.
fn old_leader_with_a_slow_clock(tweak: fn(&mut Config)) -> Network {
    let mut net = Network::with_config(3, tweak);
    net.campaign(1);
    net.propose(1, "a");
    net.isolate(1);
    let new_leader = loop {
        net.tick(2, 1);
        net.tick(3, 1);
        net.stabilize();
        if let Some(id) = [2, 3]
            .into_iter()
            .find(|&id| net.state(id) == StateType::StateLeader)
        {
            break id;
        }
    };
    net.propose(new_leader, "b");
    assert_eq!(net.committed(new_leader), 4);
    assert_eq!(
        net.state(1),
        StateType::StateLeader,
        "node 1 does not know yet"
    );
    net
}

#[test]
fn lease_read_on_a_leader_whose_clock_runs_slow_is_stale() {
    // Why lease reads are unsafe under clock drift (and why the config demands
    // CheckQuorum at least): node 1 answers from a lease that has, in real time,
    // expired, and misses "b".
    let mut net = old_leader_with_a_slow_clock(lease);
    net.read_index(1, "r");
    assert_eq!(
        net.reads(1),
        vec![(2, "r".to_string())],
        "stale: index 4 committed"
    );
}

#[test]
fn safe_read_on_a_leader_whose_clock_runs_slow_is_never_answered() {
    let mut net = old_leader_with_a_slow_clock(|c| c.check_quorum = true);
    net.read_index(1, "r");
    net.tick(1, 1);
    net.stabilize();
    assert!(net.reads(1).is_empty(), "no quorum answers node 1");
}

#[test]
fn bug_read_index_before_term_commit_answers_a_new_leader_read_at_a_stale_index() {
    // The setup of `new_leader_holds_reads_until_it_commits_an_entry_of_its_term`,
    // with the guard switched off: node 2's commit index (2, of term 1) is answered
    // at once, although it may miss writes node 1 acknowledged.
    let mut net = Network::with_config(3, |c| {
        c.bugs = c.bugs.with(crate::RaftBug::ReadIndexBeforeTermCommit)
    });
    net.campaign(1);
    net.propose(1, "x");
    net.ignored.insert(MessageType::MsgApp);
    net.campaign(2);
    assert!(!net.nodes[&2].raft.committed_entry_in_current_term());
    net.read_index(2, "early");
    assert_eq!(net.reads(2), vec![(2, "early".to_string())]);
}

#[test]
fn bug_read_index_without_quorum_answers_a_safe_read_with_no_heartbeat_round() {
    let leader = |bugs: crate::RaftBugs| {
        let mut r = new_raft_with(1, &[1, 2, 3, 4, 5], 10, 1, |c| c.bugs = bugs);
        r.become_candidate();
        r.become_leader();
        persist(&mut r);
        let last = r.raft_log.last_index();
        for p in 2..=5 {
            let mut m = msg(MessageType::MsgAppResp, p, 1, r.term);
            m.index = last;
            r.step(m).unwrap();
        }
        r.take_messages();
        r
    };
    let mut r = leader(crate::RaftBugs::NONE);
    let mut buggy = leader(crate::RaftBugs::NONE.with(crate::RaftBug::ReadIndexWithoutQuorum));
    // The correct leader asks the followers first; the buggy one answers at once, as
    // a deposed leader cut off from the others would too.
    r.step(read_req(0, 1, "r")).unwrap();
    assert!(read_states(&mut r).is_empty());
    buggy.step(read_req(0, 1, "r")).unwrap();
    assert_eq!(read_states(&mut buggy), vec![(1, "r".to_string())]);
    assert!(
        buggy.take_messages().is_empty(),
        "no heartbeat confirms leadership"
    );
}

/// The Network scenarios above again, with asynchronous storage writes.
mod async_storage_writes {
    crate::tests::common::async_twins!(
        follower_forwards_a_read_and_gets_the_answer_back,
        follower_without_a_leader_drops_a_read,
        forget_leader_is_refused_under_lease_based_reads,
        forget_leader_still_works_under_safe_reads,
        forwarded_read_held_by_a_new_leader_is_answered_to_the_follower,
        leader_cut_off_from_its_quorum_never_answers_a_safe_read,
        new_leader_holds_reads_until_it_commits_an_entry_of_its_term,
        one_follower_down_still_leaves_a_read_quorum,
        rawnode_keeps_a_read_confirmed_between_ready_and_advance,
        reads_from_a_learner_are_forwarded_to_the_leader,
        single_voter_answers_a_read_at_once,
    );
}
