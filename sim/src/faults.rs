//! Fault primitives behind one handle, each applied fault recorded as data with its
//! virtual time, so a run's schedule can be saved and replayed exactly.

use crate::probes::probe;
use crate::world::{Phase, World};
use madsim::net::NetSim;
use madsim::runtime::Handle;
use madsim::time::Duration;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// One fault, as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "kebab-case")]
pub enum Fault {
    /// Cut every server link between different groups (both directions).
    Partition {
        /// The groups of server ids.
        groups: Vec<Vec<u64>>,
    },
    /// Undo one `Partition` with the same groups: restore the links it cut, unless
    /// another fault still cuts them.
    Unpartition {
        /// The groups of server ids, as given to `Partition`.
        groups: Vec<Vec<u64>>,
    },
    /// Restore every link, server-server and client-server, whatever cut it.
    Heal,
    /// Cut every link between these clients and these servers (both directions):
    /// their requests time out and their outcome is unknown.
    CutClients {
        /// Client indexes.
        clients: Vec<u64>,
        /// Server ids.
        servers: Vec<u64>,
    },
    /// Undo one `CutClients` with the same lists.
    UncutClients {
        /// Client indexes.
        clients: Vec<u64>,
        /// Server ids.
        servers: Vec<u64>,
    },
    /// Drop messages on one direction of a link.
    Clog {
        /// Sender.
        src: u64,
        /// Receiver.
        dst: u64,
    },
    /// Restore one direction of a link.
    Unclog {
        /// Sender.
        src: u64,
        /// Receiver.
        dst: u64,
    },
    /// Extra loss probability and latency range for raft messages (the extra latency
    /// is drawn per message, so it reorders them).
    Network {
        /// Loss probability in [0, 1].
        loss: f64,
        /// Minimum extra latency, milliseconds.
        min_latency_ms: u64,
        /// Maximum extra latency, milliseconds.
        max_latency_ms: u64,
    },
    /// Send each raft message twice with this probability.
    Duplicate {
        /// Probability in [0, 1].
        probability: f64,
    },
    /// Kill a server: unsynced writes are lost (a random prefix kept if `torn`).
    Crash {
        /// The server.
        node: u64,
        /// Keep a random prefix of unsynced writes.
        torn: bool,
    },
    /// Ask server `from` (the leader, when the fault was chosen) to hand leadership to
    /// `to`; raft gives up if `to` does not catch up within an election timeout.
    TransferLeadership {
        /// The server asked.
        from: u64,
        /// The server that should lead.
        to: u64,
    },
    /// Ask server `via` (the leader, when the fault was chosen) to propose a membership
    /// change. Raft accepts one change at a time: a change proposed while another is
    /// pending commits as an empty entry and changes nothing.
    ConfChange {
        /// The server asked.
        via: u64,
        /// The change (an empty one leaves an explicit joint configuration).
        change: linsim_raft::ConfChangeV2,
    },
    /// Power loss: these servers crash at the same instant, each losing every write
    /// not yet synced (a random byte prefix of them kept if `torn`).
    PowerLoss {
        /// The servers.
        nodes: Vec<u64>,
        /// Keep a random byte prefix of each server's unsynced writes.
        torn: bool,
    },
    /// Restart a crashed server from its durable state.
    Restart {
        /// The server.
        node: u64,
    },
    /// Freeze a server (its tasks stop running; its state stays).
    Pause {
        /// The server.
        node: u64,
    },
    /// Unfreeze a server.
    Resume {
        /// The server.
        node: u64,
    },
    /// Set a server's tick interval multiplier (clock drift).
    Drift {
        /// The server.
        node: u64,
        /// Multiplier of the tick interval (1.0: none).
        factor: f64,
    },
    /// Add (positive) or withhold (negative) ticks at a server's next tick.
    TickJump {
        /// The server.
        node: u64,
        /// Ticks.
        ticks: i64,
    },
    /// Clients draw `read_share` percent reads for a while: a fault of the load, aimed
    /// at a moment when it bites. Read-heavy across a leader change, stale reads show
    /// (a deposed leader still reachable by its clients, a new leader before it commits
    /// in its term); write-heavy, writes pile up at a deposed leader, where lost or
    /// stale acknowledgements show.
    LoadBurst {
        /// How long, milliseconds.
        ms: u64,
        /// Percent of reads meanwhile.
        read_share: u64,
    },
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}",
            serde_json::to_string(self).expect("faults serialize")
        )
    }
}

/// A fault applied at a virtual time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultEvent {
    /// Virtual nanoseconds since the start of the run.
    pub at_ns: u64,
    /// The fault.
    #[serde(flatten)]
    pub fault: Fault,
}

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
    pub fn config(&self) -> linsim_raft::ConfState {
        self.world.lock(&self.world.membership).latest().clone()
    }

    /// The current leader, if one is known.
    pub fn leader(&self) -> Option<u64> {
        self.world.leader()
    }

    /// Servers currently crashed.
    pub fn down(&self) -> BTreeSet<u64> {
        self.world.lock(&self.world.down).clone()
    }

    /// Servers currently paused.
    pub fn paused(&self) -> BTreeSet<u64> {
        self.world.lock(&self.world.paused).clone()
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
        *self
            .world
            .lock(&self.world.servers)
            .get(&node)
            .expect("faults name existing servers")
    }

    /// Cuts (`cut`) or restores one direction of a server link. Raft traffic travels
    /// on the transport's own links, which drop what a cut link carries
    /// (`transport::send_raft`), so only the cut counts change here.
    fn cut_link(&self, src: u64, dst: u64, cut: bool) {
        let mut net = self.world.lock(&self.world.net);
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
        let w = &self.world;
        *w.lock(&w.client_nodes)
            .get(&c)
            .expect("faults name existing clients")
    }

    /// Cuts or restores both directions between client `c` and server `s`.
    fn cut_client_link(&self, c: u64, s: u64, cut: bool) {
        let changed = {
            let mut net = self.world.lock(&self.world.net);
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
        if !w.lock(&w.down).insert(node) {
            return;
        }
        Handle::current().kill(self.madsim_id(node));
        w.lock(&w.paused).remove(&node);
        w.lock(&w.roles).remove(&node);
        let mut rng = rand::rngs::StdRng::seed_from_u64(w.seed ^ at_ns ^ node);
        let loss = {
            let mut disks = w.lock(&w.disks);
            let disk = disks.get_mut(&node).expect("every server has a disk");
            disk.crash(torn.then_some(&mut rng))
        };
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
            w.lock(&w.observer).trace(
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
            .lock(&self.world.observer)
            .trace(at_ns, format!("fault {fault}"));
        let w = &self.world;
        match &fault {
            Fault::Partition { groups } => self.partition_links(groups, true),
            Fault::Unpartition { groups } => self.partition_links(groups, false),
            Fault::Heal => {
                let client_cut = {
                    let mut net = w.lock(&w.net);
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
                let mut net = w.lock(&w.net);
                net.loss = loss.clamp(0.0, 1.0);
                net.latency_ns = (
                    min_latency_ms * 1_000_000,
                    max_latency_ms.max(min_latency_ms) * 1_000_000,
                );
            }
            Fault::Duplicate { probability } => {
                w.lock(&w.net).duplicate = probability.clamp(0.0, 1.0);
            }
            Fault::Crash { node, torn } => self.crash(at_ns, *node, *torn),
            Fault::TransferLeadership { from, to } => {
                if let Some(tx) = w.lock(&w.inputs).get(from) {
                    let cmd = crate::server::AdminCommand::TransferLeader(*to);
                    let _ = tx.unbounded_send(crate::server::Input::Admin(cmd));
                }
            }
            Fault::ConfChange { via, change } => {
                if let Some(tx) = w.lock(&w.inputs).get(via) {
                    let cmd = crate::server::AdminCommand::ProposeConfChange(change.clone());
                    let _ = tx.unbounded_send(crate::server::Input::Admin(cmd));
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
                if w.lock(&w.down).remove(node) {
                    *w.lock(&w.restarts).entry(*node).or_default() += 1;
                    Handle::current().restart(self.madsim_id(*node));
                }
            }
            Fault::Pause { node } => {
                if !w.lock(&w.down).contains(node) && w.lock(&w.paused).insert(*node) {
                    Handle::current().pause(self.madsim_id(*node));
                }
            }
            Fault::Resume { node } => {
                if w.lock(&w.paused).remove(node) {
                    Handle::current().resume(self.madsim_id(*node));
                }
            }
            Fault::Drift { node, factor } => {
                if let Some(c) = w.lock(&w.clocks).get_mut(node) {
                    c.drift = factor.clamp(0.1, 10.0);
                }
            }
            Fault::TickJump { node, ticks } => {
                if let Some(c) = w.lock(&w.clocks).get_mut(node) {
                    c.jump += ticks;
                }
            }
            Fault::LoadBurst { ms, read_share } => {
                probe!(LoadBurst);
                w.load.burst(at_ns + ms * 1_000_000, *read_share);
            }
        }
        w.lock(&w.faults).push(FaultEvent { at_ns, fault });
    }

    /// Heals everything: links, loss, duplication, drift; restarts crashed servers and
    /// resumes paused ones.
    pub fn heal_all(&self) {
        let w = &self.world;
        let any_cut = {
            let net = w.lock(&w.net);
            !net.cut.is_empty() || !net.client_cut.is_empty()
        };
        if any_cut {
            self.apply(Fault::Heal);
        }
        let (loss, lat, dup) = {
            let n = w.lock(&w.net);
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
            .lock(&w.clocks)
            .iter()
            .filter(|(_, c)| c.drift != 1.0 || c.jump != 0)
            .map(|(&id, _)| id)
            .collect();
        for node in drifted {
            self.apply(Fault::Drift { node, factor: 1.0 });
            w.lock(&w.clocks).get_mut(&node).expect("exists").jump = 0;
        }
    }
}
