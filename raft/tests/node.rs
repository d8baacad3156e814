//! The async `Node` API, written fresh from etcd's node_test.go: propose, campaign,
//! read index, Ready/advance, stop while blocked, restart. Run on futures' LocalPool
//! (one thread, no timers): the node needs no runtime of its own.

use futures::executor::LocalPool;
use futures::future::RemoteHandle;
use futures::task::LocalSpawnExt;
use futures::{FutureExt, StreamExt};
use linsim_raft::tracker::ProgressState;
use linsim_raft::{
    ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2, Config, Entry, Error,
    MemStorage, Message, MessageType, Node, Ready, ReadyStream, SharedStorage, StateType, Storage,
    LOCAL_APPEND_THREAD, LOCAL_APPLY_THREAD,
};

/// A single-voter node over a shared storage, its task spawned on `pool`.
fn start(
    pool: &LocalPool,
    config: &Config,
    storage: &SharedStorage<MemStorage>,
) -> (Node, ReadyStream) {
    let (node, task) = Node::start(config, storage.clone()).expect("valid config");
    pool.spawner()
        .spawn_local(task)
        .expect("pool accepts tasks");
    let readies = node.ready();
    (node, readies)
}

/// Proposes `data` from a task of its own, run until it blocks; the handle resolves to
/// the proposal's answer.
fn propose_in_background(
    pool: &mut LocalPool,
    node: &Node,
    data: &str,
) -> RemoteHandle<linsim_raft::Result<()>> {
    let (proposer, data) = (node.clone(), data.as_bytes().to_vec());
    let handle = pool
        .spawner()
        .spawn_local_with_handle(async move { proposer.propose(data).await })
        .expect("pool accepts tasks");
    pool.run_until_stalled();
    handle
}

fn one_voter() -> SharedStorage<MemStorage> {
    SharedStorage::new(MemStorage::new_with_voters([1]))
}

/// Persists a Ready to `storage` and returns its committed entries' data.
fn persist(storage: &SharedStorage<MemStorage>, rd: &Ready) -> Vec<String> {
    let mut s = storage.lock();
    if let Some(hs) = rd.hard_state {
        s.set_hard_state(hs);
    }
    s.append(&rd.entries);
    data_of(&rd.committed_entries)
}

fn data_of(ents: &[Entry]) -> Vec<String> {
    ents.iter()
        .filter(|e| !e.data.is_empty())
        .map(|e| String::from_utf8_lossy(&e.data).into_owned())
        .collect()
}

/// Handles Readies (persist, advance) until `want` entries were applied.
async fn apply_until(
    node: &Node,
    readies: &mut ReadyStream,
    storage: &SharedStorage<MemStorage>,
    want: usize,
) -> Vec<String> {
    let mut applied = Vec::new();
    while applied.len() < want {
        let rd = readies.next().await.expect("node is running");
        applied.extend(persist(storage, &rd));
        node.advance();
    }
    applied
}

#[test]
fn propose_commits_through_ready_and_advance() {
    let mut pool = LocalPool::new();
    let storage = one_voter();
    let (node, mut readies) = start(&pool, &Config::new(1), &storage);
    let applied = pool.run_until(async {
        node.campaign().await.unwrap();
        node.propose(b"somedata".to_vec()).await.unwrap();
        apply_until(&node, &mut readies, &storage, 1).await
    });
    assert_eq!(applied, vec!["somedata"]);
    let status = pool.run_until(node.status()).unwrap();
    assert_eq!(status.soft_state.raft_state, StateType::StateLeader);
    assert_eq!(status.applied, 2);
}

#[test]
fn no_new_ready_until_advance() {
    let mut pool = LocalPool::new();
    let storage = one_voter();
    let (node, mut readies) = start(&pool, &Config::new(1), &storage);
    pool.run_until(async {
        node.campaign().await.unwrap();
        let rd = readies.next().await.unwrap();
        persist(&storage, &rd);
        node.propose(b"a".to_vec()).await.unwrap();
        // The proposal is pending in raft, but the first Ready is not advanced.
        assert!(readies.next().now_or_never().is_none());
        node.advance();
        let rd = readies.next().await.unwrap();
        assert!(rd.entries.iter().any(|e| &e.data[..] == b"a"));
    });
}

#[test]
fn a_proposal_waits_for_a_leader() {
    let mut pool = LocalPool::new();
    let storage = one_voter();
    let (node, mut readies) = start(&pool, &Config::new(1), &storage);
    let proposal = propose_in_background(&mut pool, &node, "early");
    let applied = pool.run_until(async {
        node.campaign().await.unwrap();
        apply_until(&node, &mut readies, &storage, 1).await
    });
    assert_eq!(pool.run_until(proposal), Ok(()));
    assert_eq!(applied, vec!["early"]);
}

#[test]
fn a_withdrawn_proposal_is_never_proposed() {
    let mut pool = LocalPool::new();
    let storage = one_voter();
    let (node, mut readies) = start(&pool, &Config::new(1), &storage);
    pool.run_until(async {
        // Polled once (so the task has it), then dropped: the caller gave up.
        assert!(node.propose(b"gone".to_vec()).now_or_never().is_none());
        node.campaign().await.unwrap();
        node.propose(b"kept".to_vec()).await.unwrap();
        let applied = apply_until(&node, &mut readies, &storage, 1).await;
        assert_eq!(applied, vec!["kept"]);
    });
}

#[test]
fn stop_answers_a_blocked_proposal_and_ends_the_ready_stream() {
    let mut pool = LocalPool::new();
    let storage = one_voter();
    let (node, mut readies) = start(&pool, &Config::new(1), &storage);
    let blocked = propose_in_background(&mut pool, &node, "x");
    pool.run_until(node.stop());
    assert_eq!(pool.run_until(blocked), Err(Error::Stopped));
    pool.run_until(async {
        while readies.next().await.is_some() {}
        assert_eq!(node.campaign().await, Err(Error::Stopped));
        assert_eq!(node.propose(b"y".to_vec()).await, Err(Error::Stopped));
        assert_eq!(node.status().await.map(|_| ()), Err(Error::Stopped));
        node.tick(); // dropped, no panic
        node.stop().await; // a second stop returns at once
    });
}

#[test]
fn a_dropped_proposal_is_reported() {
    let mut pool = LocalPool::new();
    let storage = SharedStorage::new(MemStorage::new_with_voters([1, 2]));
    let config = Config {
        disable_proposal_forwarding: true,
        ..Config::new(2)
    };
    let (node, _readies) = start(&pool, &config, &storage);
    let hb = Message {
        msg_type: MessageType::MsgHeartbeat,
        from: 1,
        to: 2,
        term: 1,
        ..Default::default()
    };
    pool.run_until(async {
        node.step(hb).await.unwrap();
        assert_eq!(node.status().await.unwrap().soft_state.lead, 1);
        // A follower that may not forward drops the proposal.
        assert_eq!(
            node.propose(b"x".to_vec()).await,
            Err(Error::ProposalDropped)
        );
    });
}

#[test]
fn read_index_comes_back_in_a_ready() {
    let mut pool = LocalPool::new();
    let storage = one_voter();
    let (node, mut readies) = start(&pool, &Config::new(1), &storage);
    let reads = pool.run_until(async {
        node.campaign().await.unwrap();
        node.propose(b"a".to_vec()).await.unwrap();
        apply_until(&node, &mut readies, &storage, 1).await;
        node.read_index(b"ctx1".to_vec()).await.unwrap();
        let rd = readies.next().await.unwrap();
        persist(&storage, &rd);
        node.advance();
        rd.read_states
    });
    assert_eq!(reads.len(), 1);
    assert_eq!(&reads[0].request_ctx[..], b"ctx1");
    assert_eq!(reads[0].index, 2);
}

#[test]
fn ticks_elect_a_single_voter() {
    let mut pool = LocalPool::new();
    let storage = one_voter();
    let (node, mut readies) = start(&pool, &Config::new(1), &storage);
    let state = pool.run_until(async {
        for _ in 0..20 {
            node.tick();
        }
        let rd = readies.next().await.unwrap();
        persist(&storage, &rd);
        node.advance();
        node.status().await.unwrap().soft_state.raft_state
    });
    assert_eq!(state, StateType::StateLeader);
}

#[test]
fn restart_keeps_term_vote_and_log() {
    let mut pool = LocalPool::new();
    let storage = one_voter();
    let (node, mut readies) = start(&pool, &Config::new(1), &storage);
    let before = pool.run_until(async {
        node.campaign().await.unwrap();
        node.propose(b"a".to_vec()).await.unwrap();
        apply_until(&node, &mut readies, &storage, 1).await;
        let st = node.status().await.unwrap();
        node.stop().await;
        st
    });
    let config = Config {
        applied: before.applied,
        ..Config::new(1)
    };
    let (node, mut readies) = start(&pool, &config, &storage);
    let after = pool.run_until(async {
        let st = node.status().await.unwrap();
        assert_eq!(st.soft_state.raft_state, StateType::StateFollower);
        node.campaign().await.unwrap();
        node.propose(b"b".to_vec()).await.unwrap();
        let applied = apply_until(&node, &mut readies, &storage, 1).await;
        assert_eq!(applied, vec!["b"], "a is not applied again");
        st
    });
    assert_eq!(after.hard_state, before.hard_state);
    assert_eq!(storage.lock().last_index(), Ok(4));
}

#[test]
fn async_storage_writes_through_the_node() {
    let mut pool = LocalPool::new();
    let storage = one_voter();
    let config = Config {
        async_storage_writes: true,
        ..Config::new(1)
    };
    let (node, mut readies) = start(&pool, &config, &storage);
    let applied = pool.run_until(async {
        node.campaign().await.unwrap();
        // The candidate's own vote counts once its append is processed.
        while node.status().await.unwrap().soft_state.raft_state != StateType::StateLeader {
            let rd = readies.next().await.unwrap();
            run_storage_threads(&node, &storage, rd).await;
        }
        node.propose(b"a".to_vec()).await.unwrap();
        let mut applied = Vec::new();
        while applied.is_empty() {
            let rd = readies.next().await.unwrap();
            applied.extend(run_storage_threads(&node, &storage, rd).await);
        }
        applied
    });
    assert_eq!(applied, vec!["a"]);
}

/// Runs a single voter's append and apply threads inline on `rd`'s storage messages
/// (the apply thread applies conf changes through the node), stepping their
/// responses back; returns the applied data.
async fn run_storage_threads(
    node: &Node,
    storage: &SharedStorage<MemStorage>,
    rd: Ready,
) -> Vec<String> {
    let mut applied = Vec::new();
    for m in rd.messages {
        match m.to {
            LOCAL_APPEND_THREAD => {
                let mut s = storage.lock();
                if let Some(hs) = linsim_raft::async_storage::hard_state_of(&m) {
                    s.set_hard_state(hs);
                }
                s.append(&m.entries);
            }
            LOCAL_APPLY_THREAD => {
                for e in &m.entries {
                    match e.conf_change() {
                        Some(cc) => {
                            node.apply_conf_change(&cc.unwrap()).await.unwrap();
                        }
                        None => applied.extend(data_of(std::slice::from_ref(e))),
                    }
                }
            }
            // The only peers these tests have are learners that are not running:
            // what is sent to them is lost.
            _ => assert!(
                m.responses.is_empty(),
                "a peer message carries no responses"
            ),
        }
        for resp in m.responses {
            node.step(resp).await.unwrap();
        }
    }
    applied
}

#[test]
fn stop_ends_the_nodes_task() {
    let mut pool = LocalPool::new();
    let storage = one_voter();
    let (node, task) = Node::start(&Config::new(1), storage).expect("valid config");
    let task = pool.spawner().spawn_local_with_handle(task).unwrap();
    pool.run_until_stalled();
    let mut task = Box::pin(task);
    assert!(
        (&mut task).now_or_never().is_none(),
        "running until stopped"
    );
    pool.run_until(node.stop());
    assert_eq!(task.now_or_never(), Some(()), "the task has returned");
}

#[test]
fn dropping_every_handle_ends_the_task() {
    let mut pool = LocalPool::new();
    let (node, task) = Node::start(&Config::new(1), one_voter()).expect("valid config");
    let task = pool.spawner().spawn_local_with_handle(task).unwrap();
    drop(node);
    pool.run_until(task);
}

/// A two-voter node 1 elected with 2's vote and its first entry acked by 2.
fn leader_of_two(pool: &mut LocalPool) -> Node {
    let storage = SharedStorage::new(MemStorage::new_with_voters([1, 2]));
    let (node, mut readies) = start(pool, &Config::new(1), &storage);
    pool.run_until(async {
        node.campaign().await.unwrap();
        let from_2 = |msg_type, index| Message {
            msg_type,
            from: 2,
            to: 1,
            term: 1,
            index,
            ..Message::default()
        };
        node.step(from_2(MessageType::MsgVoteResp, 0))
            .await
            .unwrap();
        // One Ready holds it all: the campaign, the leadership and its first entry.
        let rd = readies.next().await.unwrap();
        assert_eq!(rd.entries.len(), 1);
        persist(&storage, &rd);
        node.advance();
        node.step(from_2(MessageType::MsgAppResp, 1)).await.unwrap();
    });
    node
}

#[test]
fn report_unreachable_sends_a_replicating_follower_back_to_probe() {
    let mut pool = LocalPool::new();
    let node = leader_of_two(&mut pool);
    let state_of_2 = |pool: &mut LocalPool| {
        let st = pool.run_until(node.status()).unwrap();
        st.progress[&2].state
    };
    assert_eq!(state_of_2(&mut pool), ProgressState::Replicate);
    node.report_unreachable(2);
    assert_eq!(state_of_2(&mut pool), ProgressState::Probe);
}

#[test]
fn report_snapshot_outside_snapshot_state_changes_nothing() {
    let mut pool = LocalPool::new();
    let node = leader_of_two(&mut pool);
    // Not in Snapshot state: the report changes nothing (as etcd ignores it).
    node.report_snapshot(2, false);
    let st = pool.run_until(node.status()).unwrap();
    assert_eq!(st.progress[&2].state, ProgressState::Replicate);
}

#[test]
fn forget_leader_clears_a_followers_leader() {
    let mut pool = LocalPool::new();
    let storage = SharedStorage::new(MemStorage::new_with_voters([1, 2]));
    let (node, _readies) = start(&pool, &Config::new(2), &storage);
    let hb = Message {
        msg_type: MessageType::MsgHeartbeat,
        from: 1,
        to: 2,
        term: 1,
        ..Message::default()
    };
    let lead = pool.run_until(async {
        node.step(hb).await.unwrap();
        assert_eq!(node.status().await.unwrap().soft_state.lead, 1);
        node.forget_leader().await.unwrap();
        node.status().await.unwrap().soft_state.lead
    });
    assert_eq!(lead, 0);
}

#[test]
fn a_ready_left_in_a_dropped_stream_goes_to_the_next_one() {
    let mut pool = LocalPool::new();
    let storage = one_voter();
    let (node, mut first) = start(&pool, &Config::new(1), &storage);
    pool.run_until(async {
        // The stream asks for a Ready; the campaign's Ready is sent to it...
        assert!(first.next().now_or_never().is_none());
        node.campaign().await.unwrap();
    });
    // ...but it is dropped before taking it.
    drop(first);
    let mut second = node.ready();
    let next = pool
        .spawner()
        .spawn_local_with_handle(async move { second.next().await })
        .unwrap();
    pool.run_until_stalled();
    let rd = next
        .now_or_never()
        .expect("the second stream got a Ready without waiting")
        .expect("the node runs");
    assert_eq!(rd.hard_state.map(|hs| hs.term), Some(1));
    assert_eq!(rd.entries.len(), 1, "the leader's first entry is in it");
}

#[test]
fn a_conf_change_is_proposed_committed_and_applied_through_the_node() {
    // etcd's TestNodeProposeConfig / TestNodeProposeAddDuplicateNode, in short: a
    // single voter adds a second voter; the change commits as a conf change entry and
    // applying it returns the new configuration.
    let mut pool = LocalPool::new();
    let storage = one_voter();
    let (node, mut readies) = start(&pool, &Config::new(1), &storage);
    let cs = pool.run_until(async {
        node.campaign().await.unwrap();
        let add = linsim_raft::ConfChange {
            change_type: linsim_raft::ConfChangeType::AddNode,
            node_id: 2,
            ..Default::default()
        };
        node.propose_conf_change(&add).await.unwrap();
        loop {
            let rd = readies.next().await.expect("node is running");
            persist(&storage, &rd);
            let change = rd.committed_entries.iter().find_map(|e| e.conf_change());
            if let Some(cc) = change {
                let cs = node.apply_conf_change(&cc.unwrap()).await.unwrap();
                node.advance();
                break cs;
            }
            node.advance();
        }
    });
    assert_eq!(cs.voters, vec![1, 2]);
    let status = pool.run_until(node.status()).unwrap();
    assert_eq!(status.config.voters, vec![1, 2]);
}

/// Takes the next Ready the node has, if any, letting its task catch up first.
fn next_ready(pool: &mut LocalPool, readies: &mut ReadyStream) -> Option<Ready> {
    // The first poll asks the task for a Ready; the task answers once it runs.
    if let Some(rd) = readies.next().now_or_never() {
        return rd;
    }
    pool.run_until_stalled();
    readies.next().now_or_never().flatten()
}

/// A single async-storage voter that proposes adding two learners with the automatic
/// transition (so through a joint configuration left automatically) and runs its
/// storage threads until it has nothing more to do. Returns its configuration then.
fn single_voter_adds_two_learners(bugs: linsim_raft::RaftBugs) -> linsim_raft::ConfState {
    let mut pool = LocalPool::new();
    let storage = one_voter();
    let config = Config {
        async_storage_writes: true,
        bugs,
        ..Config::new(1)
    };
    let (node, mut readies) = start(&pool, &config, &storage);
    let settle = |pool: &mut LocalPool, readies: &mut ReadyStream| {
        while let Some(rd) = next_ready(pool, readies) {
            pool.run_until(run_storage_threads(&node, &storage, rd));
        }
    };
    pool.run_until(node.campaign()).unwrap();
    settle(&mut pool, &mut readies);
    let learners = ConfChangeV2::new(
        ConfChangeTransition::Auto,
        vec![
            ConfChangeSingle::new(ConfChangeType::AddLearnerNode, 2),
            ConfChangeSingle::new(ConfChangeType::AddLearnerNode, 3),
        ],
    );
    pool.run_until(node.propose_conf_change(&learners)).unwrap();
    settle(&mut pool, &mut readies);
    pool.run_until(node.status()).unwrap().config
}

#[test]
fn an_auto_leave_joint_config_is_left_through_the_node_with_async_storage_writes() {
    // The Node path of the same answer: the node's task steps the apply thread's
    // MsgStorageApplyResp, which must reach Raft::applied_to.
    let cs = single_voter_adds_two_learners(linsim_raft::RaftBugs::NONE);
    assert_eq!(
        cs,
        linsim_raft::ConfState {
            voters: vec![1],
            learners: vec![2, 3],
            ..Default::default()
        }
    );
}

#[test]
fn bug_async_auto_leave_missed_through_the_node_keeps_the_joint_config() {
    let bug = linsim_raft::RaftBugs::NONE.with(linsim_raft::RaftBug::AsyncAutoLeaveMissed);
    let cs = single_voter_adds_two_learners(bug);
    assert_eq!(cs.voters_outgoing, vec![1], "still joint: {cs:?}");
    assert!(cs.auto_leave);
}
