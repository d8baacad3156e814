//! What a server of a system under test gets when it starts on its simulated node:
//! its place in the cluster, its disk, the network, its clients' port, a clock, the
//! run's knobs and bugs, and the Raft observation API. It holds nothing else of the
//! run.

use super::{BugSet, RaftEvents};
use crate::disk::{DiskHandle, Disks, Durable};
use crate::knobs::Knobs;
use crate::net::{ClientPort, Inbox, Net};
use crate::stats::Counters;
use crate::time::{Clocks, RunClock};
use std::any::Any;
use std::future::Future;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// What `System::serve` returns: the server's main loop, run on its node until the
/// node is killed (a crash) or the run ends.
pub type ServerFuture = Pin<Box<dyn Future<Output = ()>>>;

/// One server, as it starts (or restarts) on its node.
pub struct ServerNode {
    pub(crate) id: u64,
    pub(crate) servers: u64,
    pub(crate) voters: u64,
    pub(crate) incarnation: u64,
    pub(crate) seed: u64,
    pub(crate) knobs: Knobs,
    pub(crate) bugs: BugSet,
    pub(crate) election_timeout: Duration,
    pub(crate) clients: ClientPort,
    pub(crate) net: Arc<Net>,
    pub(crate) disks: Arc<Disks>,
    pub(crate) clocks: Arc<Clocks>,
    pub(crate) clock: Arc<RunClock>,
    pub(crate) counters: Arc<Counters>,
    pub(crate) events: RaftEvents,
}

/// A server's way to send to its peers, for any of its tasks.
#[derive(Clone)]
pub struct PeerSender {
    id: u64,
    net: Arc<Net>,
}

impl PeerSender {
    /// Sends `bytes` to server `to` (see `ServerNode::send`).
    pub fn send(&self, to: u64, bytes: Vec<u8>, report: bool) {
        self.net.send(self.id, to, bytes, report);
    }
}

impl ServerNode {
    /// This server's id (1-based).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Every server of the cluster, members or not (ids `1..=N`).
    pub fn servers(&self) -> RangeInclusive<u64> {
        1..=self.servers
    }

    /// The voters the cluster boots with (ids `1..=V`; the other servers stay outside
    /// the configuration until a membership change adds them).
    pub fn initial_voters(&self) -> RangeInclusive<u64> {
        1..=self.voters
    }

    /// How many times this server restarted before this start (0: first start).
    pub fn incarnation(&self) -> u64 {
        self.incarnation
    }

    /// The run's seed: derive any randomness of the server from it (with the id and
    /// incarnation), never from the OS.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The run's knobs (the system's own and the framework's).
    pub fn knobs(&self) -> &Knobs {
        &self.knobs
    }

    /// The named bugs turned on (`System::bugs` indexes).
    pub fn bugs(&self) -> &BugSet {
        &self.bugs
    }

    /// One election timeout of virtual time (`election_tick` ticks, before drift): a
    /// scale for the server's own timeouts.
    pub fn election_timeout(&self) -> Duration {
        self.election_timeout
    }

    /// Virtual nanoseconds since the run started.
    pub fn now_ns(&self) -> u64 {
        self.clock.now_ns()
    }

    /// The run's clock (for tasks of the server that need the time).
    pub fn clock(&self) -> Arc<RunClock> {
        self.clock.clone()
    }

    /// This server's disk, typed with the system's records. The first open creates it
    /// empty; after a crash it holds what recovery kept. Every fsync takes the
    /// `fsync_latency_us` knob's virtual time.
    pub fn disk<S: Durable>(&self) -> DiskHandle<S> {
        DiskHandle::open(self.id, self.disks.clone(), self.knobs.fsync_latency())
    }

    /// The port this server's clients send to.
    pub fn clients(&self) -> &ClientPort {
        &self.clients
    }

    /// Where this incarnation's deliveries go: peer messages, reports, commands. Set it
    /// before sending anything (a report may come back at once).
    pub fn set_inbox(&self, inbox: Inbox) {
        self.net.set_inbox(self.id, inbox);
    }

    /// Sends `bytes` to server `to` over the simulated network (in order per link;
    /// delayed, lost, duplicated or cut by faults). With `report`, the inbox later
    /// hears whether it arrived (`Delivery::Reported`).
    pub fn send(&self, to: u64, bytes: Vec<u8>, report: bool) {
        self.net.send(self.id, to, bytes, report);
    }

    /// A sender for the server's other tasks.
    pub fn sender(&self) -> PeerSender {
        PeerSender {
            id: self.id,
            net: self.net.clone(),
        }
    }

    /// Hands server `to` a notice outside the network, at once (see `Net::notify`):
    /// only for what a real transport tells its peer by itself, such as refusing a
    /// removed member's connection. Returns false if `to` is not running.
    pub fn notify(&self, to: u64, notice: Box<dyn Any + Send>) -> bool {
        self.net.notify(to, notice)
    }

    /// Starts this server's clock on its node: `tick` runs once per tick (the run's
    /// tick interval, with the clock faults' drift and jumps) until it returns false.
    pub fn spawn_ticker(&self, tick: impl Fn() -> bool + 'static) {
        self.clocks.spawn_ticker(self.id, tick);
    }

    /// The Raft observation API (see `RaftEvents`).
    pub fn raft(&self) -> &RaftEvents {
        &self.events
    }

    /// The run's counters, for what the server reports doing (reads served,
    /// snapshots, compactions, conf changes proposed).
    pub fn stats(&self) -> &Arc<Counters> {
        &self.counters
    }
}
