//! Faults: the primitives, as data (`Fault`), the handle a nemesis injects them
//! through (`Faults`), and the nemesis contract (`Nemesis`). Every applied fault is
//! recorded with its virtual time, so a run's schedule can be saved and replayed
//! exactly.

mod handle;
mod nemesis;
mod schedule;

pub use handle::{Faults, GRID};
pub use nemesis::{unmet_needs, Nemesis, NemesisFuture};
pub use schedule::check_schedule;

use crate::system::ConfChange;
use serde::{Deserialize, Serialize};
use std::fmt;

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
        change: ConfChange,
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
