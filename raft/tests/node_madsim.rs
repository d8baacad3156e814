//! Three `Node`s under madsim's deterministic runtime, as the simulator would run them:
//! ticks from madsim timers, messages over futures channels, in both storage modes
//! (async mode with append and apply threads as tasks that take virtual time).

use futures::channel::mpsc;
use futures::StreamExt;
use linsim_raft::async_storage::hard_state_of;
use linsim_raft::{
    Config, MemStorage, Message, Node, Ready, SharedStorage, StateType, LOCAL_APPEND_THREAD,
    LOCAL_APPLY_THREAD,
};
use madsim::time::sleep;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Routes = Arc<BTreeMap<u64, mpsc::UnboundedSender<Message>>>;
type Applied = Arc<Mutex<Vec<String>>>;

enum Event {
    Ready(Ready),
    Msg(Message),
}

struct Peer {
    node: Node,
    applied: Applied,
}

fn record(applied: &Applied, ents: &[linsim_raft::Entry]) {
    let mut a = applied.lock().unwrap();
    a.extend(
        ents.iter()
            .filter(|e| !e.data.is_empty())
            .map(|e| String::from_utf8_lossy(&e.data).into_owned()),
    );
}

/// Sends to a peer, or steps back into `node` when addressed to `id` itself.
async fn deliver(id: u64, node: &Node, routes: &Routes, m: Message) {
    if m.to == id {
        let _ = node.step(m).await;
    } else if let Some(tx) = routes.get(&m.to) {
        let _ = tx.unbounded_send(m);
    }
}

/// The append thread (async mode): one MsgStorageAppend at a time, after a virtual
/// fsync, then its responses.
fn spawn_append_thread(
    id: u64,
    node: Node,
    storage: SharedStorage<MemStorage>,
    routes: Routes,
) -> mpsc::UnboundedSender<Message> {
    let (tx, mut rx) = mpsc::unbounded::<Message>();
    madsim::task::spawn(async move {
        while let Some(m) = rx.next().await {
            sleep(Duration::from_millis(2)).await;
            {
                let mut s = storage.lock();
                if let Some(hs) = hard_state_of(&m) {
                    s.set_hard_state(hs);
                }
                s.append(&m.entries);
            }
            for r in m.responses {
                deliver(id, &node, &routes, r).await;
            }
        }
    });
    tx
}

/// The apply thread (async mode): applies, then steps the responses back.
fn spawn_apply_thread(
    id: u64,
    node: Node,
    applied: Applied,
    routes: Routes,
) -> mpsc::UnboundedSender<Message> {
    let (tx, mut rx) = mpsc::unbounded::<Message>();
    madsim::task::spawn(async move {
        while let Some(m) = rx.next().await {
            sleep(Duration::from_millis(1)).await;
            record(&applied, &m.entries);
            for r in m.responses {
                deliver(id, &node, &routes, r).await;
            }
        }
    });
    tx
}

/// Starts node `id` with its ticker and driver tasks.
fn start_peer(
    id: u64,
    async_writes: bool,
    inbox: mpsc::UnboundedReceiver<Message>,
    routes: Routes,
) -> Peer {
    let storage = SharedStorage::new(MemStorage::new_with_voters([1, 2, 3]));
    let config = Config {
        async_storage_writes: async_writes,
        seed: 42,
        ..Config::new(id)
    };
    let (node, task) = Node::start(&config, storage.clone()).expect("valid config");
    madsim::task::spawn(task);
    let applied: Applied = Arc::default();
    let ticker = node.clone();
    madsim::task::spawn(async move {
        loop {
            sleep(Duration::from_millis(10)).await;
            ticker.tick();
        }
    });
    let (n, a) = (node.clone(), applied.clone());
    madsim::task::spawn(async move {
        let append = spawn_append_thread(id, n.clone(), storage.clone(), routes.clone());
        let apply = spawn_apply_thread(id, n.clone(), a.clone(), routes.clone());
        let mut events =
            futures::stream::select(n.ready().map(Event::Ready), inbox.map(Event::Msg));
        while let Some(ev) = events.next().await {
            let rd = match ev {
                Event::Msg(m) => {
                    let _ = n.step(m).await;
                    continue;
                }
                Event::Ready(rd) => rd,
            };
            if async_writes {
                for m in rd.messages {
                    match m.to {
                        LOCAL_APPEND_THREAD => drop(append.unbounded_send(m)),
                        LOCAL_APPLY_THREAD => drop(apply.unbounded_send(m)),
                        _ => deliver(id, &n, &routes, m).await,
                    }
                }
                continue;
            }
            sleep(Duration::from_millis(2)).await; // fsync
            {
                let mut s = storage.lock();
                if let Some(hs) = rd.hard_state {
                    s.set_hard_state(hs);
                }
                s.append(&rd.entries);
            }
            for m in rd.messages {
                deliver(id, &n, &routes, m).await;
            }
            record(&a, &rd.committed_entries);
            n.advance();
        }
    });
    Peer { node, applied }
}

async fn leader_of(peers: &BTreeMap<u64, Peer>) -> Option<u64> {
    for (&id, p) in peers {
        if p.node.status().await.ok()?.soft_state.raft_state == StateType::StateLeader {
            return Some(id);
        }
    }
    None
}

fn run_cluster(async_writes: bool) -> (Vec<Vec<String>>, u64, u64) {
    let rt = madsim::runtime::Runtime::with_seed_and_config(7, madsim::Config::default());
    rt.block_on(async move {
        let mut senders = BTreeMap::new();
        let mut inboxes = BTreeMap::new();
        for id in 1..=3u64 {
            let (tx, rx) = mpsc::unbounded();
            senders.insert(id, tx);
            inboxes.insert(id, rx);
        }
        let routes: Routes = Arc::new(senders);
        let peers: BTreeMap<u64, Peer> = inboxes
            .into_iter()
            .map(|(id, inbox)| (id, start_peer(id, async_writes, inbox, routes.clone())))
            .collect();
        sleep(Duration::from_secs(2)).await;
        let leader = leader_of(&peers).await.expect("a leader within 2s");
        for i in 0..10 {
            peers[&leader].node.propose(format!("v{i}")).await.unwrap();
        }
        sleep(Duration::from_secs(1)).await;
        let target = if leader == 3 { 1 } else { leader + 1 };
        peers[&leader]
            .node
            .transfer_leadership(leader, target)
            .await
            .unwrap();
        sleep(Duration::from_secs(1)).await;
        let new_leader = leader_of(&peers)
            .await
            .expect("a leader after the transfer");
        let applied = peers
            .values()
            .map(|p| p.applied.lock().unwrap().clone())
            .collect();
        for p in peers.values() {
            p.node.stop().await;
        }
        (applied, target, new_leader)
    })
}

/// Every node applied v0..v9 in order, and leadership moved to the transferee.
fn assert_replicated_and_transferred(async_writes: bool) {
    let (applied, target, new_leader) = run_cluster(async_writes);
    let want: Vec<String> = (0..10).map(|i| format!("v{i}")).collect();
    assert!(applied.iter().all(|a| *a == want), "{applied:?}");
    assert_eq!(new_leader, target);
}

#[test]
fn three_nodes_replicate_and_transfer_under_madsim_sync_mode() {
    assert_replicated_and_transferred(false);
}

#[test]
fn three_nodes_replicate_and_transfer_under_madsim_async_mode() {
    assert_replicated_and_transferred(true);
}

#[test]
fn a_madsim_run_replays_exactly() {
    assert_eq!(run_cluster(true), run_cluster(true));
}
