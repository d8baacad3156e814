//! The handle through which a nemesis injects faults.

use super::{Fault, FaultEvent};
use crate::engine::world::{Phase, World};
use crate::net::Host;
use crate::probes::probe;
use crate::system::{Config, NodeRef};
use madsim::net::NetSim;
use madsim::runtime::Handle;
use madsim::time::Duration;
use rand::SeedableRng;
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The nemesis grid: nemeses act only at multiples of this virtual interval.
pub const GRID: Duration = Duration::from_millis(10);

/// The handle through which a nemesis injects faults.
///
/// Nemeses run on a fixed grid of virtual time (`GRID`): a driver task wakes at every
/// grid point and polls the nemesis, whose `sleep` counts grid points instead of
/// arming timers. madsim picks runnable tasks with its seeded RNG, so the number of
/// times the fault task wakes shapes every later random choice; on the grid, a run and
/// the replay of its recorded schedule wake identically, and so stay identical.
pub struct Faults {
    world: Arc<World>,
    grid_ns: std::sync::atomic::AtomicU64,
    quiet_scale: std::sync::atomic::AtomicU64,
}

impl Faults {
    /// A handle on `world`.
    pub fn new(world: Arc<World>) -> Faults {
        Faults {
            world,
            grid_ns: std::sync::atomic::AtomicU64::new(0),
            quiet_scale: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// How much longer than usual nemeses stay quiet between faults: a combination of
    /// N nemeses sets N/2, so that together they leave the cluster whole some of the time.
    pub fn quiet_scale(&self) -> u64 {
        self.quiet_scale.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Sets the quiet-time multiplier (at least 1).
    pub fn set_quiet_scale(&self, scale: u64) {
        self.quiet_scale
            .store(scale.max(1), std::sync::atomic::Ordering::SeqCst);
    }

    /// Sets the current grid time (the driver does, before each poll).
    pub fn set_grid_ns(&self, ns: u64) {
        self.grid_ns.store(ns, std::sync::atomic::Ordering::SeqCst);
    }

    fn grid_now(&self) -> u64 {
        self.grid_ns.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The server ids, 1..=N.
    pub fn nodes(&self) -> Vec<u64> {
        (1..=self.world.scenario.nodes).collect()
    }

    /// The client indexes, 0..clients.
    pub fn clients(&self) -> Vec<u64> {
        (0..self.world.client_slots).collect()
    }

    /// The newest membership configuration any server applied.
    pub fn config(&self) -> Config {
        self.world
            .lock(&self.world.checks.membership)
            .latest()
            .clone()
    }

    /// The current leader, if one is known.
    pub fn leader(&self) -> Option<u64> {
        self.world.leader()
    }

    /// Servers currently crashed.
    pub fn down(&self) -> BTreeSet<u64> {
        self.world.lock(&self.world.nodes.down).clone()
    }

    /// Servers currently paused.
    pub fn paused(&self) -> BTreeSet<u64> {
        self.world.lock(&self.world.nodes.paused).clone()
    }

    /// Whether the workload phase is over: a nemesis returns when this is true.
    pub fn workload_over(&self) -> bool {
        self.world.phase() != Phase::Workload || self.world.stopped()
    }

    /// Waits `d` of virtual time (rounded up to the grid), returning early with false
    /// if the workload phase ends. Only for nemeses polled by the grid driver.
    pub fn sleep(&self, d: Duration) -> impl std::future::Future<Output = bool> + '_ {
        let until = self.grid_now() + d.as_nanos() as u64;
        std::future::poll_fn(move |_| {
            if self.workload_over() {
                std::task::Poll::Ready(false)
            } else if self.grid_now() >= until {
                std::task::Poll::Ready(true)
            } else {
                std::task::Poll::Pending
            }
        })
    }

    fn madsim_id(&self, node: u64) -> madsim::task::NodeId {
        self.world
            .net
            .host(Host::Server(node))
            .expect("faults name existing servers")
    }

    /// Cuts (`cut`) or restores one direction of a server link. Server traffic
    /// travels on the network's own links, which drop what a cut link carries
    /// (`Net::send`), so only the cut counts change here.
    fn cut_link(&self, src: u64, dst: u64, cut: bool) {
        let mut net = self.world.net.lock();
        if cut {
            net.cut.cut((src, dst));
        } else {
            net.cut.restore(&(src, dst));
        }
    }

    fn clog(&self, a: madsim::task::NodeId, b: madsim::task::NodeId, cut: bool) {
        let net = NetSim::current();
        if cut {
            net.clog_link(a, b);
        } else {
            net.unclog_link(a, b);
        }
    }

    fn client_node(&self, c: u64) -> madsim::task::NodeId {
        self.world
            .net
            .host(Host::Client(c))
            .expect("faults name existing clients")
    }

    /// Cuts or restores both directions between client `c` and server `s`.
    fn cut_client_link(&self, c: u64, s: u64, cut: bool) {
        let changed = {
            let mut net = self.world.net.lock();
            if cut {
                net.client_cut.cut((c, s))
            } else {
                net.client_cut.restore(&(c, s))
            }
        };
        if changed {
            let (client, server) = (self.client_node(c), self.madsim_id(s));
            self.clog(client, server, cut);
            self.clog(server, client, cut);
        }
    }

    fn partition_links(&self, groups: &[Vec<u64>], cut: bool) {
        let group_of = |n: u64| groups.iter().position(|g| g.contains(&n));
        for a in self.nodes() {
            for b in self.nodes() {
                if a != b && group_of(a) != group_of(b) {
                    self.cut_link(a, b, cut);
                }
            }
        }
    }

    fn crash(&self, at_ns: u64, node: u64, torn: bool) {
        let w = &self.world;
        if !w.lock(&w.nodes.down).insert(node) {
            return;
        }
        Handle::current().kill(self.madsim_id(node));
        w.lock(&w.nodes.paused).remove(&node);
        w.lock(&w.checks.roles).remove(&node);
        let mut rng = rand::rngs::StdRng::seed_from_u64(w.seed ^ at_ns ^ node);
        let loss = w.disks.crash(node, torn.then_some(&mut rng));
        let c = &w.counters;
        c.crashes.fetch_add(1, Ordering::Relaxed);
        c.unsynced_writes_lost
            .fetch_add(loss.writes_lost, Ordering::Relaxed);
        c.entries_lost
            .fetch_add(loss.entries_lost, Ordering::Relaxed);
        c.torn_records_truncated
            .fetch_add(loss.torn_record_truncated as u64, Ordering::Relaxed);
        if loss.entries_lost > 0 {
            probe!(EntriesLostInCrash);
        }
        if loss.writes_lost > 0 || loss.torn_record_truncated {
            w.checks.observer().trace(
                at_ns,
                format!(
                    "{node} lost {} unsynced writes ({} entries){}",
                    loss.writes_lost,
                    loss.entries_lost,
                    if loss.torn_record_truncated {
                        ", torn record truncated"
                    } else {
                        ""
                    }
                ),
            );
        }
    }

    /// Applies a fault now and records it.
    pub fn apply(&self, fault: Fault) {
        let at_ns = self.world.now_ns();
        self.apply_at(at_ns, fault);
    }

    fn apply_at(&self, at_ns: u64, fault: Fault) {
        self.world
            .checks
            .observer()
            .trace(at_ns, format!("fault {fault}"));
        let w = &self.world;
        match &fault {
            Fault::Partition { groups } => self.partition_links(groups, true),
            Fault::Unpartition { groups } => self.partition_links(groups, false),
            Fault::Heal => {
                let client_cut = {
                    let mut net = w.net.lock();
                    net.cut.restore_all();
                    net.client_cut.restore_all()
                };
                for (c, s) in client_cut {
                    let (client, server) = (self.client_node(c), self.madsim_id(s));
                    self.clog(client, server, false);
                    self.clog(server, client, false);
                }
            }
            Fault::CutClients { clients, servers } => {
                probe!(ClientsCutOff);
                for &c in clients {
                    for &s in servers {
                        self.cut_client_link(c, s, true);
                    }
                }
            }
            Fault::UncutClients { clients, servers } => {
                for &c in clients {
                    for &s in servers {
                        self.cut_client_link(c, s, false);
                    }
                }
            }
            Fault::Clog { src, dst } => self.cut_link(*src, *dst, true),
            Fault::Unclog { src, dst } => self.cut_link(*src, *dst, false),
            Fault::Network {
                loss,
                min_latency_ms,
                max_latency_ms,
            } => {
                let mut net = w.net.lock();
                net.loss = loss.clamp(0.0, 1.0);
                net.latency_ns = (
                    min_latency_ms * 1_000_000,
                    max_latency_ms.max(min_latency_ms) * 1_000_000,
                );
            }
            Fault::Duplicate { probability } => {
                w.net.lock().duplicate = probability.clamp(0.0, 1.0);
            }
            Fault::Crash { node, torn } => self.crash(at_ns, *node, *torn),
            Fault::TransferLeadership { from, to } => {
                if let Some(transfer) = w.scenario.system.transfer() {
                    transfer.transfer(NodeRef::new(*from, &w.net), *to);
                }
            }
            Fault::ConfChange { via, change } => {
                if let Some(membership) = w.scenario.system.membership() {
                    membership.propose(NodeRef::new(*via, &w.net), change);
                }
            }
            Fault::PowerLoss { nodes, torn } => {
                if nodes.len() as u64 > w.scenario.nodes / 2 {
                    probe!(PowerLossMajority);
                }
                for &node in nodes {
                    self.crash(at_ns, node, *torn);
                }
            }
            Fault::Restart { node } => {
                if w.lock(&w.nodes.down).remove(node) {
                    *w.lock(&w.nodes.restarts).entry(*node).or_default() += 1;
                    Handle::current().restart(self.madsim_id(*node));
                }
            }
            Fault::Pause { node } => {
                if !w.lock(&w.nodes.down).contains(node) && w.lock(&w.nodes.paused).insert(*node) {
                    Handle::current().pause(self.madsim_id(*node));
                }
            }
            Fault::Resume { node } => {
                if w.lock(&w.nodes.paused).remove(node) {
                    Handle::current().resume(self.madsim_id(*node));
                }
            }
            Fault::Drift { node, factor } => {
                if let Some(c) = w.clocks.lock().get_mut(node) {
                    c.drift = factor.clamp(0.1, 10.0);
                }
            }
            Fault::TickJump { node, ticks } => {
                if let Some(c) = w.clocks.lock().get_mut(node) {
                    c.jump += ticks;
                }
            }
            Fault::LoadBurst { ms, read_share } => {
                probe!(LoadBurst);
                w.load.burst(at_ns + ms * 1_000_000, *read_share);
            }
        }
        w.lock(&w.nodes.faults).push(FaultEvent { at_ns, fault });
    }

    /// Heals everything: links, loss, duplication, drift; restarts crashed servers and
    /// resumes paused ones.
    pub fn heal_all(&self) {
        let w = &self.world;
        let any_cut = {
            let net = w.net.lock();
            !net.cut.is_empty() || !net.client_cut.is_empty()
        };
        if any_cut {
            self.apply(Fault::Heal);
        }
        let (loss, lat, dup) = {
            let n = w.net.lock();
            (n.loss, n.latency_ns, n.duplicate)
        };
        if loss > 0.0 || lat != (0, 0) {
            self.apply(Fault::Network {
                loss: 0.0,
                min_latency_ms: 0,
                max_latency_ms: 0,
            });
        }
        if dup > 0.0 {
            self.apply(Fault::Duplicate { probability: 0.0 });
        }
        for node in self.paused() {
            self.apply(Fault::Resume { node });
        }
        for node in self.down() {
            self.apply(Fault::Restart { node });
        }
        let drifted: Vec<u64> = w
            .clocks
            .lock()
            .iter()
            .filter(|(_, c)| c.drift != 1.0 || c.jump != 0)
            .map(|(&id, _)| id)
            .collect();
        for node in drifted {
            self.apply(Fault::Drift { node, factor: 1.0 });
            w.clocks.lock().get_mut(&node).expect("exists").jump = 0;
        }
    }
}
