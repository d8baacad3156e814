//! The nemesis contract: what drives faults during a run.

use super::Faults;
use rand::rngs::StdRng;
use std::future::Future;
use std::pin::Pin;

/// A boxed future that a nemesis returns.
pub type NemesisFuture<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Drives faults during a run through `Faults`, drawing every choice from `rng` (its
/// own stream, derived from the seed), until `Faults::workload_over` says stop. Every
/// fault it applies is recorded as data, so the run can be replayed from the schedule.
pub trait Nemesis: Send + Sync {
    /// The nemesis' registry name.
    fn name(&self) -> &str;
    /// Runs the fault schedule.
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a>;
    /// Whether it changes the cluster's membership (removes servers): the knobs then
    /// keep pre-vote or check-quorum on (see `KnobChoice::resolve_for`), and it needs
    /// a system with the membership capability.
    fn changes_membership(&self) -> bool {
        false
    }
    /// Whether it moves leadership by asking for it: it needs a system with the
    /// leadership-transfer capability.
    fn transfers_leadership(&self) -> bool {
        false
    }
    /// Whether it aims at the leader: it needs a system that reports roles (the Raft
    /// observation capability), or it has nothing to aim at.
    fn targets_leader(&self) -> bool {
        false
    }
}

/// What a nemesis needs that `system` lacks, as a sentence; `None` if it can run.
pub fn unmet_needs(nemesis: &dyn Nemesis, system: &dyn crate::system::System) -> Option<String> {
    let mut missing = Vec::new();
    if nemesis.changes_membership() && system.membership().is_none() {
        missing.push("membership changes");
    }
    if nemesis.transfers_leadership() && system.transfer().is_none() {
        missing.push("leadership transfer");
    }
    if nemesis.targets_leader() && system.raft().is_none() {
        missing.push("the Raft observation API (to know its leader)");
    }
    (!missing.is_empty()).then(|| {
        format!(
            "nemesis {} needs {}, which system {} does not offer",
            nemesis.name(),
            missing.join(" and "),
            system.name()
        )
    })
}
