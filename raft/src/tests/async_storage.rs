//! Asynchronous storage writes, written fresh from etcd's behaviour (rawnode_test.go's
//! async cases and testdata/async_storage_writes*.txt): votes and acks wait for the
//! append thread, the leader's own log counts only once durable, appends pipeline,
//! applies trail appends and never pass the durable log.

use super::common::cluster::{Cluster, Mode};
use crate::probes::Probe;
use crate::{
    Config, Entry, Error, MemStorage, Message, MessageType, RaftBug, RaftBugs, RawNode, StateType,
    LOCAL_APPEND_THREAD, LOCAL_APPLY_THREAD,
};

fn types_to(msgs: &[Message], to: u64) -> Vec<MessageType> {
    msgs.iter()
        .filter(|m| m.to == to)
        .map(|m| m.msg_type)
        .collect()
}

/// A 3-node async cluster with node 1 elected and everything settled.
fn elected() -> Cluster {
    let mut c = Cluster::new(3, Mode::Async);
    c.elect(1);
    assert_eq!(c.node(1).raft.state, StateType::StateLeader);
    c.transcript.clear();
    c
}

/// Leader 1 proposes `data`; both followers write it and ack before the leader's own
/// append is processed, so it commits on the followers' copies alone.
fn commit_on_followers_alone(c: &mut Cluster, data: &str) {
    c.node(1).propose(data.as_bytes().to_vec()).unwrap();
    c.handle_ready(1);
    c.deliver_all();
    for id in [2, 3] {
        c.handle_ready(id);
        c.process_append(id);
    }
    c.deliver_all();
}

#[test]
fn golden_async_campaign_three_nodes() {
    let mut c = Cluster::new(3, Mode::Async);
    c.note("campaign 1");
    c.elect(1);
    insta::assert_snapshot!(c.transcript);
}

#[test]
fn golden_async_propose_and_commit() {
    let mut c = elected();
    c.note("propose 1 put x 1");
    c.node(1).propose(b"put x 1".to_vec()).unwrap();
    c.stabilize();
    insta::assert_snapshot!(c.transcript);
}

#[test]
fn candidate_counts_its_own_vote_only_once_durable() {
    let mut c = Cluster::new(1, Mode::Async);
    c.node(1).campaign().unwrap();
    assert!(c.handle_ready(1));
    assert_eq!(c.node(1).raft.state, StateType::StateCandidate);
    let append = &c.member(1).append_queue[0];
    assert_eq!(
        types_to(&append.responses, 1),
        vec![MessageType::MsgVoteResp]
    );
    // Nothing comes back until the append thread has synced term and vote.
    c.deliver_all();
    assert_eq!(c.node(1).raft.state, StateType::StateCandidate);
    assert!(c.process_append(1));
    c.deliver_all();
    assert_eq!(c.node(1).raft.state, StateType::StateLeader);
}

#[test]
fn one_peer_vote_is_not_enough_before_the_own_vote_is_durable() {
    let mut c = Cluster::new(3, Mode::Async);
    c.isolate(3);
    c.node(1).campaign().unwrap();
    c.handle_ready(1);
    c.deliver_all(); // the vote request reaches 2
    c.handle_ready(2);
    c.process_append(2); // 2 syncs its vote, then releases it
    c.deliver_to(1);
    assert_eq!(
        c.node(1).raft.state,
        StateType::StateCandidate,
        "1 of 3 votes counted: the candidate's own is not durable yet"
    );
    c.process_append(1);
    c.deliver_to(1);
    assert_eq!(c.node(1).raft.state, StateType::StateLeader);
}

#[test]
fn a_voter_releases_its_vote_only_through_the_append_thread() {
    let mut c = Cluster::new(3, Mode::Async);
    c.node(1).campaign().unwrap();
    c.handle_ready(1);
    c.deliver_all();
    c.handle_ready(2);
    assert!(
        c.queue.iter().all(|m| m.from != 2),
        "nothing leaves 2 before its append thread ran"
    );
    let append = c.member(2).append_queue[0].clone();
    assert_eq!(append.term, 1, "the MsgStorageAppend carries the new term");
    assert_eq!(append.vote, 1, "and the vote");
    assert_eq!(
        types_to(&append.responses, 1),
        vec![MessageType::MsgVoteResp]
    );
}

#[test]
fn rejections_wait_for_the_append_thread_too() {
    let mut c = Cluster::new(3, Mode::Async);
    c.elect(1);
    c.node(1).propose(b"a".to_vec()).unwrap();
    c.stabilize();
    // 3 misses "b", then campaigns: 2's log is longer, so 2 rejects.
    c.isolate(3);
    c.node(1).propose(b"b".to_vec()).unwrap();
    c.stabilize();
    c.cut.clear();
    c.node(3).campaign().unwrap();
    c.handle_ready(3);
    c.deliver_to(2);
    c.handle_ready(2);
    let append = &c.member(2).append_queue[0];
    let resp = append
        .responses
        .iter()
        .find(|m| m.msg_type == MessageType::MsgVoteResp)
        .expect("the rejection is a response of the append");
    assert!(resp.reject, "2 has a longer log than 3");
}

#[test]
fn leader_sends_appends_before_its_own_write_is_durable() {
    let mut c = elected();
    c.node(1).propose(b"a".to_vec()).unwrap();
    c.handle_ready(1);
    let apps: Vec<_> = c
        .queue
        .iter()
        .filter(|m| m.msg_type == MessageType::MsgApp)
        .map(|m| m.to)
        .collect();
    assert_eq!(
        apps,
        vec![2, 3],
        "replication runs in parallel with the local write"
    );
    assert_eq!(c.member(1).append_queue.len(), 1);
}

#[test]
fn leader_counts_its_own_log_only_once_durable() {
    let mut c = elected();
    c.isolate(3);
    let before = c.committed(1);
    c.node(1).propose(b"a".to_vec()).unwrap();
    c.handle_ready(1);
    c.deliver_all();
    c.handle_ready(2);
    c.process_append(2);
    c.deliver_all(); // 2's ack reaches 1
    assert_eq!(
        c.committed(1),
        before,
        "2 of 3 hold the entry, but the leader's copy is not durable: no quorum yet"
    );
    c.process_append(1);
    c.deliver_all(); // the MsgStorageAppendResp
    assert_eq!(c.committed(1), before + 1);
}

#[test]
fn leader_applies_an_entry_committed_by_followers_only_after_its_own_write() {
    let mut c = elected();
    commit_on_followers_alone(&mut c, "a");
    let index = c.node(1).raft.raft_log.last_index();
    assert_eq!(c.committed(1), index);
    c.handle_ready(1);
    assert!(
        c.member(1).apply_queue.is_empty(),
        "the entry is committed but not durable on the leader: it may not be applied"
    );
    c.process_append(1);
    c.deliver_all();
    c.handle_ready(1);
    let apply = c
        .member(1)
        .apply_queue
        .pop_front()
        .expect("now it is applied");
    assert_eq!(apply.entries.last().map(|e| e.index), Some(index));
}

#[test]
fn appends_pipeline_each_ready_carrying_only_new_entries() {
    let mut c = elected();
    for data in ["a", "b", "c"] {
        c.node(1).propose(data.as_bytes().to_vec()).unwrap();
        c.handle_ready(1);
    }
    let appends: Vec<Vec<String>> = c
        .member(1)
        .append_queue
        .iter()
        .map(|m| {
            m.entries
                .iter()
                .map(|e| String::from_utf8_lossy(&e.data).into_owned())
                .collect()
        })
        .collect();
    assert_eq!(appends, vec![vec!["a"], vec!["b"], vec!["c"]]);
    assert_eq!(c.node(1).raft.raft_log.unstable.entries.len(), 3);
    c.process_append(1);
    c.deliver_to(1);
    assert_eq!(
        c.node(1).raft.raft_log.unstable.entries.len(),
        2,
        "the first append's answer makes only its own entry stable"
    );
    c.stabilize();
    assert_eq!(c.member(2).applied_data(), vec!["a", "b", "c"]);
}

#[test]
fn append_responses_overlap_out_of_step_with_readies() {
    let mut c = elected();
    c.node(1).propose(b"a".to_vec()).unwrap();
    c.handle_ready(1);
    c.node(1).propose(b"b".to_vec()).unwrap();
    c.handle_ready(1);
    // The second append finishes its work (the thread is FIFO, so both do), but the
    // responses come back in reverse.
    c.process_append(1);
    c.process_append(1);
    let mut resps: Vec<Message> = c.queue.drain(..).filter(|m| m.to == 1).collect();
    resps.reverse();
    for m in resps {
        c.deliver(m);
    }
    assert!(c.node(1).raft.raft_log.unstable.entries.is_empty());
    let last = c.node(1).raft.raft_log.last_index();
    assert_eq!(c.node(1).raft.raft_log.persisted, last);
}

#[test]
fn an_apply_trails_the_append_and_is_not_handed_out_twice() {
    let mut c = elected();
    c.node(1).propose(b"a".to_vec()).unwrap();
    loop {
        // Everything but node 2's apply thread.
        let mut busy = false;
        for id in [1, 2, 3] {
            busy |= c.handle_ready(id);
            while c.process_append(id) {
                busy = true;
            }
            if id != 2 {
                while c.process_apply(id) {
                    busy = true;
                }
            }
        }
        busy |= c.deliver_all() > 0;
        if !busy {
            break;
        }
    }
    let n2 = &c.member(2).node.raft.raft_log;
    assert!(n2.applied < n2.committed, "2's apply thread is behind");
    assert_eq!(n2.applying, n2.committed, "but it was handed everything");
    assert!(
        !c.node(2).has_ready(),
        "no Ready hands the same entries out again"
    );
    let queued = c.member(2).apply_queue.len();
    c.stabilize();
    assert!(queued >= 1);
    let n2 = &c.member(2).node.raft.raft_log;
    assert_eq!(n2.applied, n2.committed);
    assert_eq!(c.member(2).applied_data(), vec!["a"]);
}

#[test]
fn a_follower_applies_only_what_it_has_durably_appended() {
    let mut c = elected();
    c.node(1).propose(b"a".to_vec()).unwrap();
    c.stabilize();
    // 3 receives a MsgApp whose commit covers entries it is still writing.
    c.node(1).propose(b"b".to_vec()).unwrap();
    c.handle_ready(1);
    c.process_append(1);
    c.deliver_all();
    c.handle_ready(2);
    c.process_append(2);
    c.deliver_all(); // 2's ack commits "b"; 3's MsgApp arrived, its write is pending
    c.handle_ready(3);
    c.handle_ready(1);
    c.deliver_all(); // the leader tells 3 the new commit index
    let n3 = &c.member(3).node.raft.raft_log;
    assert_eq!(n3.committed, n3.last_index(), "3 knows b is committed");
    assert!(n3.persisted < n3.committed, "but has not written it");
    c.handle_ready(3);
    let m3 = c.member(3);
    let durable = m3.node.raft.raft_log.persisted;
    assert!(
        m3.apply_queue
            .iter()
            .all(|m| m.entries.iter().all(|e| e.index <= durable)),
        "nothing past 3's durable log ({durable}) goes to its apply thread"
    );
    c.stabilize();
    assert_eq!(c.member(3).applied_data(), vec!["a", "b"]);
}

/// A follower's MsgApp from `from` at `term`, appending `ents` (index, term) after
/// the start of the log.
fn app_from(from: u64, term: u64, ents: &[(u64, u64)]) -> Message {
    Message {
        msg_type: MessageType::MsgApp,
        from,
        to: 1,
        term,
        entries: ents
            .iter()
            .map(|&(index, term)| Entry {
                index,
                term,
                ..Entry::default()
            })
            .collect(),
        ..Message::default()
    }
}

/// The MsgStorageAppend of a Ready.
fn storage_append(rd: &crate::Ready) -> Message {
    rd.messages
        .iter()
        .find(|m| m.to == LOCAL_APPEND_THREAD)
        .cloned()
        .expect("a Ready with entries has an append")
}

/// Does what the append thread does with `m` and returns the MsgStorageAppendResp
/// it would step back.
fn write(n: &mut RawNode<MemStorage>, m: &Message) -> Message {
    n.store_mut().append(&m.entries);
    m.responses
        .iter()
        .find(|r| r.msg_type == MessageType::MsgStorageAppendResp)
        .cloned()
        .expect("the append is answered")
}

#[test]
fn an_append_answer_from_an_earlier_term_does_not_mark_entries_stable() {
    // The ABA race of etcd's newStorageAppendRespMsg: entry 1 is written at term 1 (A),
    // replaced by a term-2 leader's (B), then by the term-1 entry again (A) when the
    // first leader returns at term 3. A's first answer then matches the log again, but
    // B's write may still land after it: it must not mark the entry stable.
    let mut n = RawNode::new(
        &Config {
            async_storage_writes: true,
            ..Config::new(1)
        },
        MemStorage::new_with_voters([1, 2, 3]),
    )
    .unwrap();
    n.step(app_from(2, 1, &[(1, 1)])).unwrap();
    let a = storage_append(&n.ready());
    n.step(app_from(3, 2, &[(1, 2)])).unwrap();
    let b = storage_append(&n.ready());
    n.step(app_from(2, 3, &[(1, 1), (2, 3)])).unwrap();
    let a_again = storage_append(&n.ready());
    let _ = crate::probes::take();
    let resp = write(&mut n, &a);
    assert_eq!((resp.term, resp.index, resp.log_term), (1, 1, 1));
    n.step(resp).unwrap();
    let hits = crate::probes::take();
    assert_eq!(hits[Probe::StaleStorageAppendIgnored as usize], 1);
    let log = &n.raft.raft_log;
    assert_eq!(
        log.unstable.entries.len(),
        2,
        "both entries are still unstable"
    );
    assert_eq!(log.persisted, 0);
    let resp = write(&mut n, &b);
    n.step(resp).unwrap();
    assert_eq!(n.raft.raft_log.persisted, 0, "B's answer is stale as well");
    let resp = write(&mut n, &a_again);
    n.step(resp).unwrap();
    let log = &n.raft.raft_log;
    assert!(
        log.unstable.entries.is_empty(),
        "the current term's answer counts"
    );
    assert_eq!(log.persisted, 2);
}

#[test]
fn heartbeat_answers_need_no_append() {
    let mut c = elected();
    c.node(1).tick();
    c.handle_ready(1);
    c.deliver_to(2);
    let rd = c.node(2).ready();
    let types: Vec<_> = rd.messages.iter().map(|m| m.msg_type).collect();
    assert_eq!(
        types,
        vec![MessageType::MsgHeartbeatResp],
        "answered at once, with no MsgStorageAppend: it promises nothing durable"
    );
}

#[test]
fn advance_is_a_no_op_and_ready_may_be_taken_again() {
    let mut c = elected();
    c.node(1).propose(b"a".to_vec()).unwrap();
    let rd = c.node(1).ready();
    assert!(rd.messages.iter().any(|m| m.to == LOCAL_APPEND_THREAD));
    c.node(1).advance();
    c.node(1).propose(b"b".to_vec()).unwrap();
    let rd = c.node(1).ready();
    let append = rd
        .messages
        .iter()
        .find(|m| m.to == LOCAL_APPEND_THREAD)
        .expect("a second append while the first is in flight");
    assert_eq!(append.entries.len(), 1);
    assert_eq!(&append.entries[0].data[..], b"b");
}

#[test]
fn storage_messages_from_peers_are_refused() {
    let mut c = elected();
    let forged = Message {
        msg_type: MessageType::MsgStorageAppendResp,
        from: 2,
        to: 1,
        index: 100,
        ..Message::default()
    };
    assert_eq!(c.node(1).step(forged), Err(Error::StepLocalMsg));
    let from_thread = Message {
        msg_type: MessageType::MsgStorageApplyResp,
        from: LOCAL_APPLY_THREAD,
        to: 1,
        ..Message::default()
    };
    assert_eq!(c.node(1).step(from_thread), Ok(()));
    let hup_from_thread = Message {
        msg_type: MessageType::MsgHup,
        from: LOCAL_APPEND_THREAD,
        to: 1,
        ..Message::default()
    };
    assert_eq!(c.node(1).step(hup_from_thread), Err(Error::StepLocalMsg));
}

#[test]
fn read_index_works_in_async_mode() {
    let mut c = elected();
    c.node(1).propose(b"a".to_vec()).unwrap();
    c.stabilize();
    c.node(2).read_index(b"r1".to_vec());
    c.stabilize();
    let committed = c.committed(1);
    let reads = &c.member(2).reads;
    assert_eq!(reads.len(), 1);
    assert_eq!(&reads[0].request_ctx[..], b"r1");
    assert_eq!(reads[0].index, committed);
}

#[test]
fn a_lagging_follower_installs_a_snapshot_through_the_append_thread() {
    let mut c = elected();
    c.isolate(3);
    for d in ["a", "b", "c"] {
        c.node(1).propose(d.as_bytes().to_vec()).unwrap();
        c.stabilize();
    }
    let index = c.committed(1);
    let cs = c.node(1).raft.trk.conf_state();
    let store = c.node(1).store_mut();
    store
        .create_snapshot(index, Some(cs), b"abc".to_vec())
        .unwrap();
    store.compact(index).unwrap();
    c.cut.clear();
    c.node(1).tick();
    loop {
        c.handle_ready(1);
        c.deliver_all();
        if c.node(3).raft.raft_log.unstable.snapshot.is_some() {
            break;
        }
        c.handle_ready(3);
        c.process_append(3);
        c.deliver_all();
    }
    c.handle_ready(3);
    let append = c.member(3).append_queue.back().cloned().expect("an append");
    assert_eq!(
        append.snapshot.as_ref().map(|s| s.metadata.index),
        Some(index)
    );
    assert!(
        c.member(3).apply_queue.is_empty(),
        "nothing applies before the snapshot"
    );
    c.stabilize();
    let log = &c.member(3).node.raft.raft_log;
    assert_eq!((log.applied, log.committed), (index, index));
}

#[test]
fn a_crash_loses_in_flight_appends_and_no_ack_for_them_ever_left() {
    let mut c = elected();
    c.node(1).propose(b"a".to_vec()).unwrap();
    c.handle_ready(1);
    c.deliver_all();
    c.handle_ready(2);
    assert_eq!(c.member(2).append_queue.len(), 1);
    c.crash_restart(2);
    let acks = c
        .queue
        .iter()
        .filter(|m| m.from == 2 && m.msg_type == MessageType::MsgAppResp)
        .count();
    assert_eq!(acks, 0, "the ack was a response of the lost append");
    c.stabilize();
    c.node(1).tick();
    c.stabilize();
    assert_eq!(
        c.member(2).applied_data(),
        vec!["a"],
        "caught up after the restart"
    );
}

#[test]
fn bug_ack_before_append_releases_votes_and_acks_at_once() {
    let bugs = RaftBugs::NONE.with(RaftBug::AckBeforeAppend);
    let mut c = Cluster::with_config(3, Mode::Async, |cfg| cfg.bugs = bugs);
    c.node(1).campaign().unwrap();
    c.handle_ready(1);
    c.deliver_to(2);
    // The vote leaves 2 in the same Ready that asks to persist it.
    let rd = c.node(2).ready();
    let vote = rd
        .messages
        .iter()
        .find(|m| m.msg_type == MessageType::MsgVoteResp)
        .expect("the vote is not held back");
    assert!(!vote.reject);
    let append = rd
        .messages
        .iter()
        .find(|m| m.to == LOCAL_APPEND_THREAD)
        .expect("the vote's append");
    assert!(append.responses.is_empty());
    // And the candidate counted its own unsynced vote: one more vote wins.
    c.queue.push_back(vote.clone());
    c.deliver_to(1);
    assert_eq!(c.node(1).raft.state, StateType::StateLeader);
    assert!(
        c.member(1)
            .append_queue
            .front()
            .is_some_and(|m| m.vote == 1),
        "leader while its own vote is still only queued for the disk"
    );
}

#[test]
fn bug_apply_before_durable_applies_past_the_local_log() {
    let bugs = RaftBugs::NONE.with(RaftBug::ApplyBeforeDurable);
    let mut c = Cluster::with_config(3, Mode::Async, |cfg| cfg.bugs = bugs);
    c.elect(1);
    commit_on_followers_alone(&mut c, "a");
    let rd = c.node(1).ready();
    let apply = rd
        .messages
        .iter()
        .find(|m| m.to == LOCAL_APPLY_THREAD)
        .expect("applied at once");
    let durable = c.node(1).raft.raft_log.persisted;
    assert!(
        apply.entries.iter().any(|e| e.index > durable),
        "an entry past the durable log ({durable}) goes to the apply thread"
    );
}

#[test]
fn sync_mode_ready_has_no_storage_messages() {
    let mut c = Cluster::new(3, Mode::Sync);
    c.node(1).campaign().unwrap();
    let rd = c.node(1).ready();
    assert!(rd.messages.iter().all(|m| !m.msg_type.is_local()));
    assert_eq!(rd.messages.len(), 2);
}

#[test]
fn pre_vote_then_vote_each_wait_for_the_append_thread() {
    let mut c = Cluster::with_config(1, Mode::Async, |cfg| cfg.pre_vote = true);
    c.node(1).campaign().unwrap();
    c.handle_ready(1);
    assert_eq!(c.node(1).raft.state, StateType::StatePreCandidate);
    let append = c.member(1).append_queue[0].clone();
    assert_eq!(
        types_to(&append.responses, 1),
        vec![MessageType::MsgPreVoteResp],
        "even the pre-vote (nothing to persist) waits for the writes before it"
    );
    assert!(
        append.entries.is_empty() && append.term == 0,
        "no new state"
    );
    c.process_append(1);
    c.deliver_all();
    assert_eq!(c.node(1).raft.state, StateType::StateCandidate);
    c.handle_ready(1);
    c.deliver_all();
    assert_eq!(c.node(1).raft.state, StateType::StateCandidate);
    c.process_append(1);
    c.deliver_all();
    assert_eq!(c.node(1).raft.state, StateType::StateLeader);
}

#[test]
fn a_three_node_async_cluster_recovers_from_a_leader_crash() {
    let mut c = Cluster::new(3, Mode::Async);
    c.elect(1);
    c.node(1).propose(b"a".to_vec()).unwrap();
    c.stabilize();
    c.isolate(1);
    c.elect(2);
    assert_eq!(c.node(2).raft.state, StateType::StateLeader);
    c.node(2).propose(b"b".to_vec()).unwrap();
    c.stabilize();
    c.crash_restart(1);
    c.cut.clear();
    c.node(2).tick();
    c.stabilize();
    for id in [1, 2, 3] {
        assert_eq!(c.member(id).applied_data(), vec!["a", "b"], "node {id}");
    }
}

/// A follower takes a snapshot and the entries after it in before its next Ready, so
/// one MsgStorageAppend carries both: once the append thread answers, every entry is
/// durable and is handed out to be applied. (Marking the entries stable before the
/// snapshot, as the answer used to, found the log ending at the snapshot's index,
/// left them counted as not durable, and the follower never applied past the
/// snapshot: found by linsim's catch-up check, register seed 211.)
#[test]
fn a_snapshot_and_the_entries_after_it_in_one_append_are_all_applied() {
    use crate::tests::common::snapshot_at;
    let config = Config {
        async_storage_writes: true,
        ..Config::new(2)
    };
    let mut node = RawNode::new(&config, MemStorage::new_with_voters([1, 2, 3])).unwrap();
    let from_leader = |msg_type, index, entries: Vec<Entry>| Message {
        msg_type,
        from: 1,
        to: 2,
        term: 2,
        log_term: 2,
        index,
        commit: 12,
        entries,
        ..Message::default()
    };
    let mut snap = from_leader(MessageType::MsgSnap, 0, vec![]);
    snap.snapshot = Some(Box::new(snapshot_at(10, 2, &[1, 2, 3])));
    node.step(snap).unwrap();
    let entries = (11..=12)
        .map(|index| Entry {
            index,
            term: 2,
            ..Entry::default()
        })
        .collect();
    node.step(from_leader(MessageType::MsgApp, 10, entries))
        .unwrap();
    let rd = node.ready();
    let append = rd
        .messages
        .iter()
        .find(|m| m.msg_type == MessageType::MsgStorageAppend)
        .expect("one append")
        .clone();
    assert!(append.snapshot.is_some() && append.entries.len() == 2);
    // The append thread writes the snapshot, then the entries, then answers.
    let store = node.store_mut();
    store
        .apply_snapshot((**append.snapshot.as_ref().unwrap()).clone())
        .unwrap();
    store.append(&append.entries);
    for r in append.responses.into_iter().filter(|r| r.to == 2) {
        node.step(r).unwrap();
    }
    let rd = node.ready();
    let apply = rd
        .messages
        .iter()
        .find(|m| m.msg_type == MessageType::MsgStorageApply)
        .expect("the entries after the snapshot are handed out to be applied");
    let applied: Vec<u64> = apply.entries.iter().map(|e| e.index).collect();
    assert_eq!(applied, vec![11, 12]);
}
