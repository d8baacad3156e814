//! State shared by every simulated node and the supervisor for one run. It lives outside
//! the nodes' tasks, so disks, the observer and the history survive crashes (and panics).

use crate::disk::Disk;
use crate::faults::FaultEvent;
use crate::knobs::Knobs;
use crate::links::LinkCuts;
use crate::observer::Observer;
use crate::scenario::Scenario;
use linsim_checker::{Operation, Outcome, Value};
use linsim_raft::StateType;
use madsim::task::NodeId;
use madsim::time::Instant;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The run's phases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    /// Clients issue operations; the nemesis injects faults.
    Workload = 0,
    /// Faults are healed; outstanding operations must finish and the cluster serve.
    Heal = 1,
    /// The run is over.
    Done = 2,
}

/// Transport-level fault settings (on top of madsim's own network).
#[derive(Debug)]
pub struct NetState {
    /// Extra probability of dropping a raft message.
    pub loss: f64,
    /// Extra latency range added to raft messages, nanoseconds.
    pub latency_ns: (u64, u64),
    /// Probability of sending a raft message twice.
    pub duplicate: f64,
    /// Cut server links (src, dst), with how many faults currently cut each: a link
    /// is restored only when every fault that cut it is undone.
    pub cut: LinkCuts<(u64, u64)>,
    /// Cut client-server links (client index, server id), both directions, counted
    /// the same way.
    pub client_cut: LinkCuts<(u64, u64)>,
    /// The last delivery time scheduled on each link (from, to), virtual ns: messages
    /// on a link are delivered in order.
    pub link_last: BTreeMap<(SocketAddr, SocketAddr), u64>,
    /// The transport's own RNG stream.
    pub rng: StdRng,
    /// Raft messages in flight, per link (from, to), each link drained by its own
    /// task (`raft_link`).
    pub links: BTreeMap<(u64, u64), crate::raft_link::SharedQueue>,
}

/// A node's clock: its tick interval is the scenario's times `drift`; `jump` ticks are
/// added (positive: a burst) or withheld (negative) at the next tick.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clock {
    /// Tick interval multiplier (1.0: no drift).
    pub drift: f64,
    /// Pending tick jump.
    pub jump: i64,
}

/// Per-run counters.
#[derive(Debug, Default)]
pub struct Counters {
    /// Raft messages delivered to a server.
    pub messages: AtomicU64,
    /// Raft messages dropped by the transport's extra loss.
    pub dropped: AtomicU64,
    /// Raft messages duplicated by the transport.
    pub duplicated: AtomicU64,
    /// Server crashes (power losses count one per server).
    pub crashes: AtomicU64,
    /// Writes (records) lost from page caches in crashes.
    pub unsynced_writes_lost: AtomicU64,
    /// Log entries among them.
    pub entries_lost: AtomicU64,
    /// Torn records that recovery truncated.
    pub torn_records_truncated: AtomicU64,
    /// Reads served through the log (proposed and applied like writes).
    pub reads_log: AtomicU64,
    /// Reads served through ReadIndex, confirmed by a heartbeat quorum.
    pub reads_read_index: AtomicU64,
    /// Reads served through ReadIndex from the leader's lease.
    pub reads_lease: AtomicU64,
    /// Snapshots (MsgSnap) a leader sent.
    pub snapshots_sent: AtomicU64,
    /// Snapshots a follower installed (durably).
    pub snapshots_installed: AtomicU64,
    /// Snapshots a server took of its own state machine, compacting its log.
    pub compactions: AtomicU64,
    /// Membership changes proposed (and accepted into the leader's log).
    pub conf_changes_proposed: AtomicU64,
    /// Membership changes applied (distinct log indexes).
    pub conf_changes_applied: AtomicU64,
    /// Joint configurations entered (distinct log indexes).
    pub joint_entered: AtomicU64,
    /// Joint configurations left (distinct log indexes).
    pub joint_left: AtomicU64,
}

/// How the cluster recovered after the final heal, in virtual ms since the heal.
#[derive(Clone, Copy, Debug, Default)]
pub struct HealStats {
    /// Until a leader was known.
    pub leader_ms: u64,
    /// Term increases until then.
    pub elections: u64,
    /// Until every server applied the commit index reached when clients were served.
    pub catch_up_ms: u64,
    /// Joint configurations still in force at the end (0 or 1).
    pub joints_open: u64,
}

/// The shared state of one run.
pub struct World {
    /// The scenario.
    pub scenario: Scenario,
    /// The knobs of this run (drawn from the seed, or fixed by the scenario).
    pub knobs: Knobs,
    /// The run's seed.
    pub seed: u64,
    start: OnceLock<Instant>,
    /// Invariants and trace.
    pub observer: Mutex<Observer>,
    /// The history being recorded.
    pub history: Mutex<Vec<Operation>>,
    /// Each server's disk, by raft id.
    pub disks: Mutex<BTreeMap<u64, Disk>>,
    /// Transport faults.
    pub net: Mutex<NetState>,
    /// Each server's clock.
    pub clocks: Mutex<BTreeMap<u64, Clock>>,
    /// Each live server's (term, role), as last reported.
    pub roles: Mutex<BTreeMap<u64, (u64, StateType)>>,
    /// madsim node ids of the servers, by raft id.
    pub servers: Mutex<BTreeMap<u64, NodeId>>,
    /// Each running server's input queue: raft messages arrive there
    /// (`transport::send_raft`), and so do admin commands from faults.
    pub inputs: Mutex<BTreeMap<u64, futures::channel::mpsc::UnboundedSender<crate::server::Input>>>,
    /// madsim node ids of the clients, by client index.
    pub client_nodes: Mutex<BTreeMap<u64, NodeId>>,
    /// Servers crashed and not restarted.
    pub down: Mutex<BTreeSet<u64>>,
    /// Servers paused.
    pub paused: Mutex<BTreeSet<u64>>,
    /// Faults applied, in order.
    pub faults: Mutex<Vec<FaultEvent>>,
    /// Counters.
    pub counters: Counters,
    /// Restarts per server (seeds a restarted node's election timer anew).
    pub restarts: Mutex<BTreeMap<u64, u64>>,
    /// Client slots: the scenario's count, or the `clients` knob.
    pub client_slots: u64,
    /// The load clients generate now.
    pub load: crate::clients::ClientLoad,
    /// How the client slots fared.
    pub clients: crate::clients::ClientBook,
    /// How the cluster recovered after the final heal.
    pub heal: Mutex<HealStats>,
    /// The configuration each server applied (membership changes).
    pub membership: Mutex<crate::membership::Membership>,
    phase: AtomicU8,
    stop: AtomicBool,
    next_process: AtomicU64,
    next_request: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock()
        .expect("the simulation is single-threaded; no lock is poisoned")
}

/// Derives an independent RNG stream from the run's seed and a stream name.
pub fn stream(seed: u64, name: &str) -> StdRng {
    StdRng::seed_from_u64(seed ^ linsim_checker::history::fnv1a(name.as_bytes()))
}

impl World {
    /// The world of a run of `scenario` with `seed`.
    pub fn new(scenario: Scenario, seed: u64) -> World {
        let clocks = (1..=scenario.nodes)
            .map(|id| {
                (
                    id,
                    Clock {
                        drift: 1.0,
                        jump: 0,
                    },
                )
            })
            .collect();
        let disks = (1..=scenario.nodes)
            .map(|id| (id, Disk::default()))
            .collect();
        let membership = crate::membership::Membership::new(1..=scenario.voters);
        let initial = linsim_raft::ConfState::from_voters(1..=scenario.voters);
        let mut knobs = scenario
            .knobs
            .resolve_for(seed, scenario.changes_membership());
        // A count the scenario fixes (`--clients`, or a shrunk run's) is the knob's
        // value: the report shows what ran.
        let clients = scenario.clients.unwrap_or(knobs.clients);
        knobs.clients = clients;
        let load = crate::clients::ClientLoad::new(&knobs);
        World {
            scenario,
            knobs,
            seed,
            start: OnceLock::new(),
            observer: Mutex::new(Observer::new(initial)),
            history: Mutex::new(Vec::new()),
            disks: Mutex::new(disks),
            net: Mutex::new(NetState {
                loss: 0.0,
                latency_ns: (0, 0),
                duplicate: 0.0,
                cut: LinkCuts::default(),
                client_cut: LinkCuts::default(),
                link_last: BTreeMap::new(),
                rng: stream(seed, "transport"),
                links: BTreeMap::new(),
            }),
            clocks: Mutex::new(clocks),
            roles: Mutex::new(BTreeMap::new()),
            servers: Mutex::new(BTreeMap::new()),
            client_nodes: Mutex::new(BTreeMap::new()),
            inputs: Mutex::new(BTreeMap::new()),
            down: Mutex::new(BTreeSet::new()),
            paused: Mutex::new(BTreeSet::new()),
            faults: Mutex::new(Vec::new()),
            counters: Counters::default(),
            restarts: Mutex::new(BTreeMap::new()),
            client_slots: clients,
            load,
            clients: crate::clients::ClientBook::default(),
            heal: Mutex::new(HealStats::default()),
            membership: Mutex::new(membership),
            phase: AtomicU8::new(Phase::Workload as u8),
            stop: AtomicBool::new(false),
            next_process: AtomicU64::new(clients),
            next_request: AtomicU64::new(1),
        }
    }

    /// The virtual time of one election timeout (before drift).
    pub fn election_timeout(&self) -> std::time::Duration {
        self.scenario.tick_interval * self.knobs.election_tick as u32
    }

    /// How long the cluster gets, after the faults heal, to elect a leader and to
    /// finish what it accepted: `liveness_elections` election timeouts.
    pub fn liveness_bound(&self) -> std::time::Duration {
        self.election_timeout() * self.scenario.liveness_elections
    }

    /// Marks virtual time zero (called once, inside the runtime).
    pub fn start_clock(&self) {
        let _ = self.start.set(Instant::now());
    }

    /// Virtual nanoseconds since the run started.
    pub fn now_ns(&self) -> u64 {
        let start = *self
            .start
            .get()
            .expect("the clock starts before any node runs");
        Instant::now().duration_since(start).as_nanos() as u64
    }

    /// The instant `ns` virtual nanoseconds after the run started.
    pub fn instant_at(&self, ns: u64) -> Instant {
        *self
            .start
            .get()
            .expect("the clock starts before any node runs")
            + std::time::Duration::from_nanos(ns)
    }

    /// Locks a part of the world.
    pub fn lock<'a, T>(&'a self, m: &'a Mutex<T>) -> MutexGuard<'a, T> {
        lock(m)
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        match self.phase.load(Ordering::SeqCst) {
            0 => Phase::Workload,
            1 => Phase::Heal,
            _ => Phase::Done,
        }
    }

    /// Moves to `p`.
    pub fn set_phase(&self, p: Phase) {
        self.phase.store(p as u8, Ordering::SeqCst);
        let line = format!("phase {p:?}");
        let now = self.now_ns();
        lock(&self.observer).trace(now, line);
    }

    /// Whether the run must stop early (an invariant broke).
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst) || lock(&self.observer).violation().is_some()
    }

    /// Stops the run early.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// A fresh process id for a client that retired its previous one.
    pub fn new_process(&self) -> u64 {
        self.next_process.fetch_add(1, Ordering::SeqCst)
    }

    /// A fresh request id.
    pub fn new_request(&self) -> u64 {
        self.next_request.fetch_add(1, Ordering::SeqCst)
    }

    /// The address of server `id`.
    pub fn server_addr(&self, id: u64) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, id as u8)), 7000)
    }

    /// The address of client `i`.
    pub fn client_addr(&self, i: u64) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 1, i as u8 + 1)), 9000)
    }

    /// The leader of the highest term among live members of the newest configuration,
    /// if any. (A server removed without learning it may campaign at terms nobody
    /// else joins; it does not hide the cluster's leader.)
    pub fn leader(&self) -> Option<u64> {
        let members = lock(&self.membership).members();
        let roles = lock(&self.roles);
        let members_roles = || roles.iter().filter(|(id, _)| members.contains(id));
        let top = members_roles().map(|(_, (t, _))| *t).max()?;
        members_roles()
            .find(|(_, (t, s))| *t == top && *s == StateType::StateLeader)
            .map(|(&id, _)| id)
    }

    /// Records an invocation; returns the op's index in the history.
    pub fn invoke(&self, process: u64, op: &crate::workload::ClientOp) -> usize {
        let now = self.now_ns();
        let mut h = lock(&self.history);
        h.push(Operation {
            process,
            f: op.f,
            key: op.key.clone(),
            input: op.input.clone(),
            output: Value::Nil,
            call: now,
            ret: None,
            outcome: Outcome::Info,
            node: None,
        });
        h.len() - 1
    }

    /// Records the completion of op `i`, answered by server `node` (if it was).
    pub fn complete(&self, i: usize, outcome: Outcome, output: Value, node: Option<u64>) {
        let now = self.now_ns();
        let mut h = lock(&self.history);
        let op = &mut h[i];
        op.outcome = outcome;
        op.output = output;
        op.node = node;
        op.ret = match outcome {
            Outcome::Info => None,
            _ => Some(now),
        };
    }
}
