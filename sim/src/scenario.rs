//! What one seed runs: cluster size, timing, workload, nemesis, and test-only bugs.

use crate::faults::FaultEvent;
use crate::workload::{Nemesis, Workload};
use std::sync::Arc;
use std::time::Duration;

/// Test-only hooks that break the system on purpose, to prove linsim notices.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bugs {
    /// This server corrupts the data of every entry it persists at this index.
    pub corrupt_log: Option<(u64, u64)>,
    /// A server that believes it leads answers reads at once from its local state,
    /// without the log or confirming its leadership (the classic Raft read bug): a
    /// deposed leader cut off in a minority serves stale values.
    pub stale_reads: bool,
    /// This server panics after this much virtual time.
    pub panic_at: Option<(u64, Duration)>,
}

/// Where the faults of a run come from.
#[derive(Clone)]
pub enum FaultSource {
    /// A nemesis decides as the run goes (from its own RNG stream).
    Nemesis(Arc<dyn Nemesis>),
    /// Replay a recorded schedule exactly.
    Schedule(Arc<Vec<FaultEvent>>),
}

/// One run's configuration. `Scenario::new` gives the defaults.
#[derive(Clone)]
pub struct Scenario {
    /// Raft servers (ids 1..=nodes).
    pub nodes: u64,
    /// Concurrent clients.
    pub clients: u64,
    /// Virtual time of the workload phase.
    pub duration: Duration,
    /// Raft election timeout, in ticks.
    pub election_tick: usize,
    /// Raft heartbeat interval, in ticks.
    pub heartbeat_tick: usize,
    /// Virtual time per tick (before drift).
    pub tick_interval: Duration,
    /// Raft pre-vote.
    pub pre_vote: bool,
    /// Raft check-quorum.
    pub check_quorum: bool,
    /// Each operation starts at the client's home server (client i: server 1 + i % nodes)
    /// and follows redirects, as Jepsen binds clients to nodes; otherwise it starts at
    /// the server the client believes leads.
    pub home_node_clients: bool,
    /// A client gives up on an operation after this long (outcome unknown).
    pub client_timeout: Duration,
    /// A client waits up to this long between operations.
    pub max_think_time: Duration,
    /// Virtual time an fsync takes (a crash during it loses the unsynced writes).
    pub fsync_latency: Duration,
    /// After healing, a leader must exist and clients be served within this many
    /// election timeouts.
    pub liveness_elections: u32,
    /// The checker's time budget.
    pub check_timeout: Duration,
    /// The workload.
    pub workload: Arc<dyn Workload>,
    /// The faults.
    pub faults: FaultSource,
    /// Deliberate bugs (tests only).
    pub bugs: Bugs,
}

impl Scenario {
    /// The defaults: 5 nodes, 5 clients, 10 s of workload, 10 ms ticks, election after
    /// 10 ticks, heartbeat every tick, pre-vote and check-quorum on.
    pub fn new(workload: Arc<dyn Workload>, nemesis: Arc<dyn Nemesis>) -> Scenario {
        Scenario {
            nodes: 5,
            clients: 5,
            duration: Duration::from_secs(10),
            election_tick: 10,
            heartbeat_tick: 1,
            tick_interval: Duration::from_millis(10),
            pre_vote: true,
            check_quorum: true,
            home_node_clients: false,
            client_timeout: Duration::from_millis(1000),
            max_think_time: Duration::from_millis(20),
            fsync_latency: Duration::from_micros(500),
            liveness_elections: 10,
            check_timeout: Duration::from_secs(60),
            workload,
            faults: FaultSource::Nemesis(nemesis),
            bugs: Bugs::default(),
        }
    }

    /// The virtual time of one election timeout.
    pub fn election_timeout(&self) -> Duration {
        self.tick_interval * self.election_tick as u32
    }

    /// A short description, e.g. `kv-partition`.
    pub fn name(&self) -> String {
        let faults = match &self.faults {
            FaultSource::Nemesis(n) => n.name().to_string(),
            FaultSource::Schedule(_) => "replay".to_string(),
        };
        format!("{}-{}", self.workload.name(), faults)
    }
}
