//! The state of one run, split by concern: the network, the disks, the clocks and
//! the checks each live in their own module and are shared as handles (`Arc`), so a
//! task holds only what it needs (a system's server holds a `ServerNode`, a link's
//! delivery task the network). `World` gathers the handles for the framework's own
//! tasks (clients, the nemesis, the supervisor) with what only they use: the
//! scenario, the phase, the history and which servers are down. It lives outside the
//! nodes' tasks, so disks, the observer and the history survive crashes (and panics).

use super::scenario::Scenario;
use crate::checks::Checks;
use crate::disk::Disks;
use crate::faults::FaultEvent;
use crate::knobs::Knobs;
use crate::net::Net;
use crate::stats::Counters;
use crate::streams::stream;
use crate::time::{Clocks, RunClock};
use linsim_checker::{Operation, Outcome, Value};
use madsim::time::Instant;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

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

/// Which servers are down or paused, and what the faults did: the faults' side of
/// the cluster.
#[derive(Debug, Default)]
pub struct NodeStates {
    /// Servers crashed and not restarted.
    pub down: Mutex<BTreeSet<u64>>,
    /// Servers paused.
    pub paused: Mutex<BTreeSet<u64>>,
    /// Restarts per server (each restart is a new incarnation).
    pub restarts: Mutex<BTreeMap<u64, u64>>,
    /// Faults applied, in order.
    pub faults: Mutex<Vec<FaultEvent>>,
}

/// The shared state of one run.
pub struct World {
    /// The scenario.
    pub scenario: Scenario,
    /// The knobs of this run (drawn from the seed, or fixed by the scenario).
    pub knobs: Knobs,
    /// The run's seed.
    pub seed: u64,
    /// Virtual time since the run started.
    pub clock: Arc<RunClock>,
    /// The network.
    pub net: Arc<Net>,
    /// Every server's disk.
    pub disks: Arc<Disks>,
    /// Every server's clock.
    pub clocks: Arc<Clocks>,
    /// The invariants, the trace, roles and membership as reported.
    pub checks: Arc<Checks>,
    /// Counters.
    pub counters: Arc<Counters>,
    /// Which servers are down or paused, and the faults applied.
    pub nodes: NodeStates,
    /// The history being recorded.
    pub history: Mutex<Vec<Operation>>,
    /// Client slots: the scenario's count, or the `clients` knob.
    pub client_slots: u64,
    /// The load clients generate now.
    pub load: crate::clients::load::ClientLoad,
    /// How the client slots fared.
    pub clients: crate::clients::load::ClientBook,
    /// How the cluster recovered after the final heal.
    pub heal: Mutex<HealStats>,
    phase: AtomicU8,
    stop: AtomicBool,
    next_process: AtomicU64,
    next_request: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock()
        .expect("the simulation is single-threaded; no lock is poisoned")
}

impl World {
    /// The world of a run of `scenario` with `seed`.
    pub fn new(scenario: Scenario, seed: u64) -> World {
        let mut knobs = scenario
            .knobs
            .resolve_for(seed, scenario.changes_membership());
        // A count the scenario fixes (`--clients`, or a shrunk run's) is the knob's
        // value: the report shows what ran.
        let clients = scenario.clients.unwrap_or(knobs.clients);
        knobs.clients = clients;
        let load = crate::clients::load::ClientLoad::new(&knobs);
        let clock = Arc::new(RunClock::default());
        World {
            knobs,
            seed,
            net: Arc::new(Net::new(clock.clone(), stream(seed, "transport"))),
            clock,
            disks: Arc::new(Disks::default()),
            clocks: Arc::new(Clocks::new(1..=scenario.nodes, scenario.tick_interval)),
            checks: Arc::new(Checks::new(scenario.voters)),
            counters: Arc::new(Counters::default()),
            nodes: NodeStates::default(),
            history: Mutex::new(Vec::new()),
            client_slots: clients,
            load,
            clients: crate::clients::load::ClientBook::default(),
            heal: Mutex::new(HealStats::default()),
            phase: AtomicU8::new(Phase::Workload as u8),
            stop: AtomicBool::new(false),
            next_process: AtomicU64::new(clients),
            next_request: AtomicU64::new(1),
            scenario,
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
        self.clock.start();
    }

    /// Virtual nanoseconds since the run started.
    pub fn now_ns(&self) -> u64 {
        self.clock.now_ns()
    }

    /// The instant `ns` virtual nanoseconds after the run started.
    pub fn instant_at(&self, ns: u64) -> Instant {
        self.clock.instant_at(ns)
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
        self.checks.observer().trace(now, line);
    }

    /// Whether the run must stop early (an invariant broke).
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst) || self.checks.observer().violation().is_some()
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

    /// The leader of the highest term among live members of the newest configuration,
    /// if any (see `Checks::leader`).
    pub fn leader(&self) -> Option<u64> {
        self.checks.leader()
    }

    /// Records an invocation; returns the op's index in the history.
    pub fn invoke(&self, process: u64, op: &crate::clients::workload::ClientOp) -> usize {
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
