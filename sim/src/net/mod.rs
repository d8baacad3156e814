//! The simulated network: servers' messages to each other and clients' requests,
//! with the network faults (cuts, loss, latency, duplication) applied as they travel.
//!
//! A system's messages are bytes: the framework carries them and the system encodes
//! and decodes them. Server-to-server messages travel on the network's own links (one
//! queue and one delivery task per link, `links`): in order per link, as over the TCP
//! connections real servers keep, unless the latency fault reorders them; dropped if
//! the link is cut or the receiver is down when they arrive. They land in the
//! receiver's inbox (`Inbox`), which a server registers when it starts. Client traffic
//! goes over madsim's endpoints (`ClientConn`, `ClientPort`), delayed like a healthy
//! link; a client cut clogs madsim's link.

mod clients;
mod cuts;
mod links;

pub use clients::{ClientAddr, ClientConn, ClientPort, MADSIM_LATENCY};
pub use cuts::LinkCuts;

use crate::probes::probe;
use crate::time::RunClock;
use links::{LinkQueue, Queued};
use madsim::task::NodeId;
use rand::rngs::StdRng;
use rand::Rng;
use std::any::Any;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// What arrives in a server's inbox.
pub enum Delivery {
    /// A message from peer `from`.
    Peer {
        /// The sender.
        from: u64,
        /// The message, as the sender encoded it.
        bytes: Vec<u8>,
    },
    /// The fate of a message this server sent with `report` (see `Net::send`):
    /// delivered, or lost on the way (cut, loss, receiver down).
    Reported {
        /// Whom it was sent to.
        to: u64,
        /// Whether it arrived.
        delivered: bool,
    },
    /// A command from outside the network: the framework's (through a capability,
    /// such as a membership change) or a peer's transport-level notice
    /// (`Net::notify`). The system downcasts it to its own command type.
    Control(Box<dyn Any + Send>),
    /// The framework asks the server to write its status into the trace (for the
    /// report of a run that failed liveness).
    TraceStatus,
}

/// Where a server's deliveries go: returns false once the server is gone (its loop
/// ended), and the delivery is then lost.
pub type Inbox = Arc<dyn Fn(Delivery) -> bool + Send + Sync>;

/// A simulated host: a server by id, or a client slot by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Host {
    /// Server `id`.
    Server(u64),
    /// Client slot `index`.
    Client(u64),
}

/// The network fault settings and the links' state.
#[derive(Debug)]
pub struct NetState {
    /// Extra probability of dropping a server message.
    pub loss: f64,
    /// Extra latency range added to server messages, nanoseconds.
    pub latency_ns: (u64, u64),
    /// Probability of sending a server message twice.
    pub duplicate: f64,
    /// Cut server links (src, dst), with how many faults currently cut each.
    pub cut: LinkCuts<(u64, u64)>,
    /// Cut client-server links (client index, server id), both directions.
    pub client_cut: LinkCuts<(u64, u64)>,
    /// The last delivery time scheduled on each link (from, to), virtual ns: messages
    /// on a link are delivered in order.
    link_last: BTreeMap<(SocketAddr, SocketAddr), u64>,
    /// The network's own RNG stream.
    rng: StdRng,
    /// Server messages in flight, per link (from, to).
    links: BTreeMap<(u64, u64), links::SharedQueue>,
}

/// What the network did, counted over a run.
#[derive(Debug, Default)]
pub struct NetStats {
    /// Server messages delivered.
    pub messages: AtomicU64,
    /// Server messages dropped by the loss fault.
    pub dropped: AtomicU64,
    /// Server messages duplicated.
    pub duplicated: AtomicU64,
}

/// The network of one run.
pub struct Net {
    clock: Arc<RunClock>,
    state: Mutex<NetState>,
    inboxes: Mutex<BTreeMap<u64, Inbox>>,
    hosts: Mutex<BTreeMap<Host, NodeId>>,
    /// What it did.
    pub stats: NetStats,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock()
        .expect("the simulation is single-threaded; no lock is poisoned")
}

/// Random part of a message's latency on a healthy link: 0 to 9 ms, on top of
/// `MIN_LATENCY_NS`.
const LINK_JITTER_NS: u64 = 9_000_000;

/// The least latency the network gives a message. madsim sleeps at least 1 ms
/// whatever it is asked, so shorter delays would all end at the same instant and be
/// delivered in random order.
const MIN_LATENCY_NS: u64 = 1_000_000;

/// The delivery times (virtual ns) of the copies of one message: none if lost, two
/// if duplicated.
struct Copies {
    at: [u64; 2],
    n: usize,
}

impl Net {
    /// The network of a run, drawing from `rng` (the run's `transport` stream).
    pub fn new(clock: Arc<RunClock>, rng: StdRng) -> Net {
        Net {
            clock,
            state: Mutex::new(NetState {
                loss: 0.0,
                latency_ns: (0, 0),
                duplicate: 0.0,
                cut: LinkCuts::default(),
                client_cut: LinkCuts::default(),
                link_last: BTreeMap::new(),
                rng,
                links: BTreeMap::new(),
            }),
            inboxes: Mutex::new(BTreeMap::new()),
            hosts: Mutex::new(BTreeMap::new()),
            stats: NetStats::default(),
        }
    }

    /// Locks the fault settings and the links' state.
    pub fn lock(&self) -> MutexGuard<'_, NetState> {
        lock(&self.state)
    }

    /// The run's clock.
    pub fn clock(&self) -> &RunClock {
        &self.clock
    }

    /// The address of server `id`.
    pub fn server_addr(id: u64) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, id as u8)), 7000)
    }

    /// The address of client slot `i`.
    pub fn client_addr(i: u64) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 1, i as u8 + 1)), 9000)
    }

    /// The IP of a host (servers 10.0.0.id, clients 10.0.1.i+1, the nemesis 10.0.2.1).
    pub fn ip(a: u8, b: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, a, b))
    }

    /// Registers the madsim node a host runs on.
    pub fn add_host(&self, host: Host, node: NodeId) {
        lock(&self.hosts).insert(host, node);
    }

    /// The madsim node a host runs on.
    pub fn host(&self, host: Host) -> Option<NodeId> {
        lock(&self.hosts).get(&host).copied()
    }

    /// Server `id`'s inbox from now on (it registers one each time it starts).
    pub fn set_inbox(&self, id: u64, inbox: Inbox) {
        lock(&self.inboxes).insert(id, inbox);
    }

    fn inbox(&self, id: u64) -> Option<Inbox> {
        lock(&self.inboxes).get(&id).cloned()
    }

    /// Hands `payload` to server `to` at once, outside the network: a command, or a
    /// transport-level notice between servers (etcd's transport answers a removed
    /// member's connection at once). Returns false if `to` is not running.
    pub fn notify(&self, to: u64, payload: Box<dyn Any + Send>) -> bool {
        self.inbox(to)
            .is_some_and(|inbox| inbox(Delivery::Control(payload)))
    }

    /// Asks every server that ever started to write its status into the trace.
    pub fn trace_status_all(&self) {
        let inboxes: Vec<Inbox> = lock(&self.inboxes).values().cloned().collect();
        for inbox in inboxes {
            inbox(Delivery::TraceStatus);
        }
    }

    /// Draws the delivery times of one message on link `link` (one per copy: the
    /// duplicate fault sends two), or none if the loss fault drops it. Delivery on a
    /// link is in order, as over the TCP connections real servers use (etcd's rafthttp
    /// streams): each message's latency is drawn at random but never lets it overtake
    /// an earlier one on the same link (it is then due 1 ns after that one: madsim
    /// delivers the two at the same step, in random order; see `links`). Reordering
    /// is otherwise a fault: the extra latency of the network fault (`faulty` traffic
    /// only) is drawn per message and may reorder.
    fn schedule(&self, now: u64, link: (SocketAddr, SocketAddr), faulty: bool) -> Copies {
        let mut net = self.lock();
        let (loss, (lo, hi), dup) = if faulty {
            (net.loss, net.latency_ns, net.duplicate)
        } else {
            (0.0, (0, 0), 0.0)
        };
        let mut copies = Copies { at: [0; 2], n: 0 };
        if loss > 0.0 && net.rng.random_bool(loss) {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
            return copies;
        }
        copies.n = if dup > 0.0 && net.rng.random_bool(dup) {
            self.stats.duplicated.fetch_add(1, Ordering::Relaxed);
            probe!(MessageDuplicated);
            2
        } else {
            1
        };
        for at in &mut copies.at[..copies.n] {
            let jitter = net.rng.random_range(0..=LINK_JITTER_NS);
            let last = net.link_last.get(&link).copied().unwrap_or(0);
            let base = (now + MIN_LATENCY_NS + jitter).max(last + 1);
            net.link_last.insert(link, base);
            let extra = if hi > 0 {
                net.rng.random_range(lo..=hi)
            } else {
                0
            };
            *at = base + extra;
        }
        copies
    }

    /// Sends `bytes` from server `from` to server `to`: in order on the link, delayed,
    /// possibly lost or duplicated by faults, dropped if the link is cut or `to` is
    /// down when it arrives. Call it from `from`'s node: the link's task runs there,
    /// so a crash of `from` loses what it still holds.
    ///
    /// With `report`, the sender's inbox hears whether it arrived
    /// (`Delivery::Reported`), as etcd's transport calls `ReportSnapshot`: a Raft
    /// leader whose snapshot was lost would otherwise wait for it forever.
    pub fn send(self: &Arc<Self>, from: u64, to: u64, mut bytes: Vec<u8>, report: bool) {
        let link = (Net::server_addr(from), Net::server_addr(to));
        let copies = self.schedule(self.clock.now_ns(), link, true);
        if report && copies.n == 0 {
            self.report(from, to, false);
        }
        for copy in 0..copies.n {
            // The last copy takes the buffer; a duplicate's first copy clones it.
            let bytes = if copy + 1 == copies.n {
                std::mem::take(&mut bytes)
            } else {
                bytes.clone()
            };
            let msg = Queued {
                bytes,
                report: report && copy == 0,
            };
            links::enqueue(self, from, to, copies.at[copy], msg);
        }
    }

    /// Delivers a message its link's task took off the queue at its time, and reports
    /// its fate to its sender if asked.
    fn deliver_queued(&self, from: u64, to: u64, msg: Queued) {
        let report = msg.report;
        let delivered = self.deliver(from, to, msg.bytes);
        if report {
            self.report(from, to, delivered);
        }
    }

    /// Hands a message to server `to` unless the link is cut or `to` is down.
    fn deliver(&self, from: u64, to: u64, bytes: Vec<u8>) -> bool {
        if self.lock().cut.is_cut(&(from, to)) {
            return false;
        }
        let Some(inbox) = self.inbox(to) else {
            return false;
        };
        let delivered = inbox(Delivery::Peer { from, bytes });
        if delivered {
            self.stats.messages.fetch_add(1, Ordering::Relaxed);
        }
        delivered
    }

    fn report(&self, from: u64, to: u64, delivered: bool) {
        if let Some(inbox) = self.inbox(from) {
            inbox(Delivery::Reported { to, delivered });
        }
    }

    fn link_queue(&self, from: u64, to: u64) -> links::SharedQueue {
        let mut net = self.lock();
        let queue = net.links.entry((from, to)).or_default();
        if LinkQueue::is_closed(queue) {
            *queue = links::SharedQueue::default();
        }
        queue.clone()
    }
}
