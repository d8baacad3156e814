//! What one seed runs: the system under test, cluster size, timing, knobs, workload,
//! nemesis, and bugs.

use crate::clients::workload::Workload;
use crate::faults::{FaultEvent, Nemesis};
use crate::knobs::KnobChoice;
use crate::system::{BugSet, System};
use std::sync::Arc;
use std::time::Duration;

/// Where the faults of a run come from.
#[derive(Clone)]
pub enum FaultSource {
    /// A nemesis decides as the run goes (from its own RNG stream).
    Nemesis(Arc<dyn Nemesis>),
    /// Replay a recorded schedule exactly.
    Schedule(Arc<Vec<FaultEvent>>),
}

/// The system a run tests unless told otherwise (`--system`): linsim's own Raft KV
/// service. Its runs keep their historical names (`kv-all`); other systems' runs are
/// named after the system too (`raft-rs-kv-all`).
pub const DEFAULT_SYSTEM: &str = "linsim-kv";

/// One run's configuration. `Scenario::new` gives the defaults.
#[derive(Clone)]
pub struct Scenario {
    /// The system under test.
    pub system: Arc<dyn System>,
    /// Raft servers (ids 1..=nodes).
    pub nodes: u64,
    /// The voters the cluster boots with (ids 1..=voters); the other servers run
    /// outside the configuration until a membership change adds them.
    pub voters: u64,
    /// Client slots (each runs one process at a time); `None` draws them per seed (the
    /// `clients` knob).
    pub clients: Option<u64>,
    /// Virtual time of the workload phase.
    pub duration: Duration,
    /// Virtual time per tick (before drift).
    pub tick_interval: Duration,
    /// The settings drawn from each seed (raft, server, client), and those fixed.
    pub knobs: KnobChoice,
    /// A client waits up to this long between operations.
    pub max_think_time: Duration,
    /// Operations each client issues at most in the workload phase (none: no limit).
    pub client_ops: Option<u64>,
    /// After healing, a leader must exist, clients be served and every server catch up
    /// within this many election timeouts.
    ///
    /// Why 20 and not fewer: an election after a heal succeeds only with some
    /// probability per round. After a power loss the voters' logs differ in their
    /// unsynced tail, and only those with the longest log can win; when two of four
    /// can, a round elects one about half the time (the first to time out must be one
    /// of them, alone), so the wait has a geometric tail. Over 3,000 seeds of
    /// `register --nemesis all` (`--storage sync` and `async`, 1,500 each) the leader
    /// came within 10 election timeouts in all but four async seeds (109, 1106, 1184,
    /// 1357; the two traced had seven and nine failed rounds, each a fair draw); 20 puts that tail near
    /// 1 in 10^5 per seed. A real livelock never elects anyone, so it still fails.
    pub liveness_elections: u32,
    /// The checker's budget in search steps per partition: deterministic, so the same
    /// history gets the same verdict on any machine under any load.
    pub check_max_steps: u64,
    /// The workload.
    pub workload: Arc<dyn Workload>,
    /// The faults.
    pub faults: FaultSource,
    /// The system's named bugs to inject (none by default): see `System::bugs`.
    pub bugs: BugSet,
}

impl Scenario {
    /// The defaults for `system`: 5 nodes, clients and knobs drawn from each seed, 10 s
    /// of workload, 10 ms ticks.
    pub fn new(
        system: Arc<dyn System>,
        workload: Arc<dyn Workload>,
        nemesis: Arc<dyn Nemesis>,
    ) -> Scenario {
        Scenario {
            system,
            nodes: 5,
            voters: 5,
            clients: None,
            duration: Duration::from_secs(10),
            tick_interval: Duration::from_millis(10),
            knobs: KnobChoice::default(),
            max_think_time: Duration::from_millis(20),
            client_ops: None,
            liveness_elections: 20,
            check_max_steps: linsim_checker::DEFAULT_MAX_STEPS,
            workload,
            faults: FaultSource::Nemesis(nemesis),
            bugs: BugSet::default(),
        }
    }

    /// Fixes a knob for every seed (see `knobs::KNOBS`); panics on an invalid one, so
    /// use it with literal names and values (the CLI validates user input instead).
    pub fn fix_knob(&mut self, name: &str, value: &str) -> &mut Scenario {
        if let Err(e) = self.knobs.fix(name, value) {
            panic!("invalid knob in scenario: {e}");
        }
        self
    }

    /// Turns on the system's named bug `name`; an error names the bugs it has.
    pub fn add_bug(&mut self, name: &str) -> Result<&mut Scenario, String> {
        let bugs = self.system.bugs();
        let Some(i) = bugs.iter().position(|b| b.name == name) else {
            let known: Vec<&str> = bugs.iter().map(|b| b.name).collect();
            return Err(if known.is_empty() {
                format!("system {} has no named bugs", self.system.name())
            } else {
                format!(
                    "unknown bug {name:?} for system {}; valid bugs: {}",
                    self.system.name(),
                    known.join(", ")
                )
            });
        };
        self.bugs.add(i, bugs[i].name);
        Ok(self)
    }

    /// Whether the run's faults change membership: its nemesis says so, or its
    /// schedule holds a conf change.
    pub fn changes_membership(&self) -> bool {
        match &self.faults {
            FaultSource::Nemesis(n) => n.changes_membership(),
            FaultSource::Schedule(events) => events
                .iter()
                .any(|e| matches!(e.fault, crate::faults::Fault::ConfChange { .. })),
        }
    }

    /// A short description, e.g. `kv-partition` (`raft-rs-kv-partition` for a system
    /// other than the default).
    pub fn name(&self) -> String {
        let faults = match &self.faults {
            FaultSource::Nemesis(n) => n.name().to_string(),
            FaultSource::Schedule(_) => "replay".to_string(),
        };
        let run = format!("{}-{}", self.workload.name(), faults);
        match self.system.name() {
            DEFAULT_SYSTEM => run,
            system => format!("{system}-{run}"),
        }
    }
}
