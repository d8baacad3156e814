//! A server node: one RawNode over the node's Disk, a KV state machine, raft messages
//! over the simulated network, and the client protocol.

use crate::kv::{KvCommand, KvResult, KvStore, Proposal, Request, Response};
use crate::transport::{self, TAG_CLIENT, TAG_RAFT, TAG_RESPONSE};
use crate::world::World;
use futures::channel::mpsc;
use futures::StreamExt;
use linsim_raft::{Config, MemStorage, Message, RawNode, StateType};
use madsim::net::Endpoint;
use madsim::time::{sleep, Duration};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tracing::debug;

enum Input {
    Tick,
    Raft(Message),
    Client(Request, SocketAddr),
}

struct Server {
    id: u64,
    world: Arc<World>,
    node: RawNode<MemStorage>,
    kv: KvStore,
    ep: Arc<Endpoint>,
    /// Requests this server proposed, waiting to be applied: request id -> client.
    pending: BTreeMap<u64, SocketAddr>,
    role: (u64, StateType),
}

/// Runs server `id` until its node is killed. On (re)start it rebuilds raft from what
/// its disk holds durably and re-applies the committed log to a fresh state machine.
pub async fn run(id: u64, world: Arc<World>) {
    let ep = Arc::new(
        Endpoint::bind(world.server_addr(id))
            .await
            .expect("server address is free"),
    );
    let sc = &world.scenario;
    let restarts = world.lock(&world.restarts).get(&id).copied().unwrap_or(0);
    let config = Config {
        election_tick: sc.election_tick,
        heartbeat_tick: sc.heartbeat_tick,
        pre_vote: sc.pre_vote,
        check_quorum: sc.check_quorum,
        max_inflight_msgs: 64,
        max_size_per_msg: 64 * 1024,
        seed: world.seed ^ restarts.wrapping_mul(0x2545_F491_4F6C_DD1D),
        ..Config::new(id)
    };
    let storage = world
        .lock(&world.disks)
        .get(&id)
        .expect("every server has a disk")
        .to_storage(1..=sc.nodes);
    let node = RawNode::new(&config, storage).expect("scenario gives a valid raft config");
    let now = world.now_ns();
    world.lock(&world.observer).trace(
        now,
        &format!(
            "{id} started (restart {restarts}) at term {}",
            node.raft.term
        ),
    );
    let (tx, mut rx) = mpsc::unbounded::<Input>();
    spawn_ticker(id, world.clone(), tx.clone());
    spawn_receiver(ep.clone(), TAG_RAFT, world.clone(), tx.clone());
    spawn_receiver(ep.clone(), TAG_CLIENT, world.clone(), tx);
    if let Some((node_id, at)) = world.scenario.bugs.panic_at {
        if node_id == id {
            let w = world.clone();
            madsim::task::spawn(async move {
                let now = Duration::from_nanos(w.now_ns());
                if at > now {
                    sleep(at - now).await;
                }
                panic!("test hook: server {id} panics on purpose");
            });
        }
    }
    let mut server = Server {
        id,
        world,
        node,
        kv: KvStore::default(),
        ep,
        pending: BTreeMap::new(),
        role: (0, StateType::StateFollower),
    };
    while let Some(input) = rx.next().await {
        server.handle(input);
        server.process_ready().await;
    }
}

fn spawn_ticker(id: u64, world: Arc<World>, tx: mpsc::UnboundedSender<Input>) {
    madsim::task::spawn(async move {
        loop {
            let (drift, jump) = {
                let mut clocks = world.lock(&world.clocks);
                let c = clocks.get_mut(&id).expect("every server has a clock");
                (c.drift, std::mem::take(&mut c.jump))
            };
            sleep(world.scenario.tick_interval.mul_f64(drift)).await;
            // A positive jump is a burst of ticks; a negative one withholds ticks.
            let ticks = (1 + jump).max(0);
            for _ in 0..ticks {
                if tx.unbounded_send(Input::Tick).is_err() {
                    return;
                }
            }
        }
    });
}

fn spawn_receiver(
    ep: Arc<Endpoint>,
    tag: u64,
    world: Arc<World>,
    tx: mpsc::UnboundedSender<Input>,
) {
    madsim::task::spawn(async move {
        loop {
            let Ok((payload, from)) = ep.recv_from_raw(tag).await else {
                return;
            };
            let input = if tag == TAG_RAFT {
                world
                    .counters
                    .messages
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Input::Raft(transport::decode(payload))
            } else {
                Input::Client(transport::decode(payload), from)
            };
            if tx.unbounded_send(input).is_err() {
                return;
            }
        }
    });
}

impl Server {
    fn report_state(&mut self, commit: Option<u64>) {
        let w = self.world.clone();
        let (id, r) = (self.id, &self.node.raft);
        let log = &r.raft_log;
        let now = w.now_ns();
        if (r.term, r.state) != self.role {
            self.role = (r.term, r.state);
            w.lock(&w.roles).insert(id, self.role);
            w.lock(&w.observer)
                .role(now, id, r.term, r.state, |i| log.term(i).ok());
            debug!("{id} is {} at term {}", r.state, r.term);
        }
        if let Some(commit) = commit.filter(|_| r.state == StateType::StateLeader) {
            w.lock(&w.observer)
                .leader_committed(now, id, r.term, commit, |i| log.term(i).ok());
        }
    }

    fn respond(&self, to: SocketAddr, r: Response) {
        transport::send(&self.ep, &self.world, to, TAG_RESPONSE, &r, false);
    }

    fn handle(&mut self, input: Input) {
        match input {
            Input::Tick => self.node.tick(),
            Input::Raft(m) => {
                let _ = self.node.step(m);
            }
            Input::Client(req, from) => self.handle_request(req, from),
        }
    }

    fn handle_request(&mut self, req: Request, from: SocketAddr) {
        if self.world.scenario.bugs.stale_reads && self.node.raft.state == StateType::StateLeader {
            if let KvCommand::Get { key } = &req.command {
                // Test hook: a read served from local state, bypassing the log.
                let value = self.kv.get(key);
                self.respond(
                    from,
                    Response::Ok {
                        id: req.id,
                        result: KvResult::Value(value),
                    },
                );
                return;
            }
        }
        let not_leader = Response::NotLeader {
            id: req.id,
            leader: self.node.raft.lead,
        };
        if self.node.raft.state != StateType::StateLeader {
            self.respond(from, not_leader);
            return;
        }
        let proposal = Proposal {
            request: req.id,
            command: req.command,
        };
        let data = serde_json::to_vec(&proposal).expect("proposals serialize");
        match self.node.propose(data) {
            Ok(()) => {
                self.pending.insert(req.id, from);
            }
            Err(_) => self.respond(from, not_leader),
        }
    }

    async fn process_ready(&mut self) {
        if !self.node.has_ready() {
            return;
        }
        let rd = self.node.ready();
        let id = self.id;
        let w = self.world.clone();
        // 0. Report role and commit changes now, before any await: a pause must not make a
        //    node's election or commit look later than it was.
        self.report_state(rd.hard_state.map(|hs| hs.commit));
        // 1. Persist entries and hard state; sync when raft says so. A crash while the
        //    sync is in flight loses these writes.
        {
            let mut disks = w.lock(&w.disks);
            let disk = disks.get_mut(&id).expect("every server has a disk");
            disk.write_entries(&rd.entries);
            if let Some(hs) = rd.hard_state {
                disk.write_hard_state(hs);
            }
        }
        if rd.must_sync {
            sleep(w.scenario.fsync_latency).await;
            let now = w.now_ns();
            let mut disks = w.lock(&w.disks);
            let disk = disks.get_mut(&id).expect("every server has a disk");
            disk.sync();
            if let Some((bad_node, bad_index)) = w.scenario.bugs.corrupt_log {
                if bad_node == id && rd.entries.iter().any(|e| e.index == bad_index) {
                    disk.corrupt(bad_index);
                }
            }
            let durable = disk.entries();
            let written: Vec<_> = rd
                .entries
                .iter()
                .map(|e| durable[e.index as usize - 1].clone())
                .collect();
            let hs = disk.hard_state();
            let mut obs = w.lock(&w.observer);
            obs.persisted(now, id, &written, |i| {
                if i == 0 {
                    0
                } else {
                    durable[i as usize - 1].term
                }
            });
            obs.hard_state(now, id, hs);
        }
        let store = self.node.store_mut();
        if let Some(hs) = rd.hard_state {
            store.set_hard_state(hs);
        }
        store.append(&rd.entries);
        // 2. Send messages.
        for m in &rd.messages {
            let to = w.server_addr(m.to);
            transport::send(&self.ep, &w, to, TAG_RAFT, m, true);
        }
        // 3. Apply committed entries; answer the requests this server proposed.
        for e in &rd.committed_entries {
            let now = w.now_ns();
            w.lock(&w.observer).applied(now, id, e);
            if e.data.is_empty() {
                continue;
            }
            let proposal: Proposal =
                serde_json::from_slice(&e.data).expect("committed entries are proposals");
            let result = self.kv.apply(&proposal.command);
            if let Some(client) = self.pending.remove(&proposal.request) {
                self.respond(
                    client,
                    Response::Ok {
                        id: proposal.request,
                        result,
                    },
                );
            }
        }
        self.node.advance();
    }
}
