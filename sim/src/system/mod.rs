//! The boundary between linsim and a system under test: what linsim needs from a
//! system, and nothing more.
//!
//! A system is a replicated service: servers that run on simulated nodes, and a client
//! that performs one operation against one server. It implements [`System`]:
//!
//! - [`System::serve`] runs one server on its node, from start (or restart after a
//!   crash) until the node is killed. The server gets a [`ServerNode`]: its id and
//!   peers, its disk (with fsync, crash, torn-write and power-loss semantics), the
//!   network (peer messages arrive in an inbox the server registers), a port for its
//!   clients, a clock that ticks (with the clock faults applied), the knobs and bugs
//!   of the run, and the Raft observation API.
//! - [`System::client`] gives a client slot its [`Client`], which sends one attempt
//!   of an operation to a server and waits for the answer. Everything else about
//!   clients stays in linsim: processes, timeouts, retries, routing, the history.
//!
//! Optional capabilities, each its own trait, turn on more of linsim:
//!
//! - [`RaftObserved`]: the system is a Raft and reports what it does through
//!   [`RaftEvents`] (roles, commits, durable writes, applies, configurations, reads,
//!   the promises its messages carry) and keeps its durable state as a Raft log and
//!   hard state ([`RaftDurable`]). The Raft invariants then run on it: election
//!   safety, log matching, leader completeness, state machine safety,
//!   durable-before-send, durable-before-apply, leader-commits-own-term, commit
//!   quorums, the membership and read checks, and liveness (a leader after healing).
//! - [`MembershipChanges`]: the membership nemesis may change its configuration.
//! - [`LeadershipTransfer`]: the transfer nemesis may move its leadership.
//! - code probes ([`System::probes`]) and named bugs ([`System::bugs`]).
//!
//! Nothing in the framework names a system's types: a system converts at this
//! boundary. See docs/your-system.md for a walk through.

mod bugs;
mod client;
mod events;
mod node;
pub mod raft;
pub mod value_wire;

pub use bugs::{BugSet, BugSpec};
pub use client::{Answer, Client, ClientFuture, Reply};
pub use events::RaftEvents;
pub use node::{PeerSender, ServerFuture, ServerNode};
pub use raft::{
    ConfChange, ConfChangeSingle, ConfChangeTransition, ConfChangeType, Config, HardState,
    LogEntry, Promise, Role, Sent,
};

use crate::net::Net;
use linsim_probes::ProbeSet;
use std::sync::Arc;

/// A system under test. One value serves every run (it holds no per-run state; a run's
/// state lives in its servers and clients).
pub trait System: Send + Sync {
    /// Its registry name (`--system NAME`).
    fn name(&self) -> &'static str;
    /// What it is, in one line, for `linsim list`.
    fn about(&self) -> &'static str;
    /// The knobs (see `linsim list`) its servers read besides the framework's own
    /// (`knobs::FRAMEWORK_KNOBS`: clients, timeouts, fsync latency, the
    /// election timeout), which apply to every system. Others are not shown in its
    /// reports, and fixing one is an error. Every knob is drawn for every seed all
    /// the same, so what a seed means does not depend on the system.
    fn knobs(&self) -> &'static [&'static str];
    /// Runs server `node.id()` on its simulated node until the node is killed. Called
    /// again at every restart, with a node whose disk holds what survived the crash.
    fn serve(&self, node: ServerNode) -> ServerFuture;
    /// The client of client slot `slot` (one per slot, for the whole run).
    fn client(&self, slot: u64) -> Box<dyn Client>;
    /// The Raft observation capability.
    fn raft(&self) -> Option<&dyn RaftObserved> {
        None
    }
    /// The membership capability.
    fn membership(&self) -> Option<&dyn MembershipChanges> {
        None
    }
    /// The leadership-transfer capability.
    fn transfer(&self) -> Option<&dyn LeadershipTransfer> {
        None
    }
    /// Its code probes, counted on the run's thread (see `linsim_probes`).
    fn probes(&self) -> Vec<ProbeSet> {
        Vec::new()
    }
    /// Its named bugs, which `--bug NAME` turns on; the servers read them from
    /// `ServerNode::bugs` (by index in this list).
    fn bugs(&self) -> Vec<BugSpec> {
        Vec::new()
    }
}

/// A running server, as a capability reaches it: commands go to its inbox as
/// `Delivery::Control`.
pub struct NodeRef<'a> {
    id: u64,
    net: &'a Net,
}

impl<'a> NodeRef<'a> {
    pub(crate) fn new(id: u64, net: &'a Net) -> NodeRef<'a> {
        NodeRef { id, net }
    }

    /// The server's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Hands the server a command of the system's own type (it downcasts it);
    /// returns false if the server is not running.
    pub fn command(&self, command: Box<dyn std::any::Any + Send>) -> bool {
        self.net.notify(self.id, command)
    }
}

/// The Raft observation capability: the system reports through `RaftEvents` and keeps
/// its durable state as a Raft log (`Durable::raft`). Its presence turns on the Raft
/// invariants and the liveness check that a leader appears after healing.
pub trait RaftObserved: Send + Sync {
    /// The Raft library underneath, for reports (`linsim-raft`, `raft-rs 0.7`).
    fn library(&self) -> &'static str;
}

/// The membership capability: the membership nemesis proposes changes through it.
pub trait MembershipChanges: Send + Sync {
    /// Asks server `via` (the leader when the fault was chosen) to propose `change`.
    fn propose(&self, via: NodeRef<'_>, change: &ConfChange);
}

/// The leadership-transfer capability.
pub trait LeadershipTransfer: Send + Sync {
    /// Asks server `from` (the leader when the fault was chosen) to hand leadership to
    /// server `to`.
    fn transfer(&self, from: NodeRef<'_>, to: u64);
}

/// A Raft server's durable state, as the checks read it: the hard state and log as
/// persisted (what a crash keeps).
pub trait RaftDurable {
    /// The durable hard state.
    fn hard_state(&self) -> HardState;
    /// The durable log's term at `index` (the compaction point counts; indexes before
    /// it, or past the end, are `None`).
    fn term(&self, index: u64) -> Option<u64>;
    /// The durable log's last index (the compaction point if it holds no entry after).
    fn last_index(&self) -> u64;
    /// The index of the last entry compacted into the durable snapshot (0: none).
    fn compacted_to(&self) -> u64;
}

/// Every system of a registry, for `--system` and `linsim list`.
pub type Systems = Vec<Arc<dyn System>>;
