//! `membership`: membership changes through the log while other faults go on: learners
//! added and promoted, voters (the leader too) removed or demoted, and two servers
//! swapped at once through a joint configuration (left automatically, or explicitly by
//! a later step of this nemesis). As an operator would, it sometimes retries a change
//! it sent (which raft must refuse or apply harmlessly), and it strikes right at joint
//! transitions: the moment a joint configuration is in force it may crash or cut off
//! the leader, or move leadership, where joint consensus has the least room.

use super::{isolate, QUIET_MS};
use crate::registry::NemesisEntry;
use linsim_sim::faults::GRID;
use linsim_sim::membership::{is_quorum, members};
use linsim_sim::system::{
    ConfChange, ConfChangeSingle, ConfChangeTransition, ConfChangeType, Config,
};
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// The fewest voters a change may leave: three tolerate one crash.
const MIN_VOTERS: usize = 3;

/// Proposes a membership change through the leader every 0.3 to 1.5 s. A change is
/// chosen only if the live servers still hold a quorum of the configuration it leads
/// to (and, through a joint configuration, of both halves): the nemesis changes who
/// decides, it does not take the cluster down by itself, so unlike the nemeses that
/// do, it keeps its pace when combined with others. Changes are not undone.
pub struct MembershipChanges;

fn change(transition: ConfChangeTransition, changes: &[(ConfChangeType, u64)]) -> ConfChange {
    ConfChange::new(
        transition,
        changes
            .iter()
            .map(|&(t, id)| ConfChangeSingle::new(t, id))
            .collect(),
    )
}

/// The configuration `cs` leads to after `changes` (voters and learners only; what a
/// joint configuration needs is checked on both halves by the caller).
fn after(cs: &Config, changes: &[(ConfChangeType, u64)]) -> Config {
    let mut voters: BTreeSet<u64> = cs.voters.iter().copied().collect();
    let mut learners: BTreeSet<u64> = cs.learners.iter().copied().collect();
    for &(t, id) in changes {
        voters.remove(&id);
        learners.remove(&id);
        match t {
            ConfChangeType::AddNode => {
                voters.insert(id);
            }
            ConfChangeType::AddLearnerNode => {
                learners.insert(id);
            }
            ConfChangeType::RemoveNode | ConfChangeType::UpdateNode => {}
        }
    }
    Config {
        voters: voters.into_iter().collect(),
        learners: learners.into_iter().collect(),
        ..Config::default()
    }
}

fn pick(rng: &mut StdRng, from: &[u64]) -> Option<u64> {
    (!from.is_empty()).then(|| from[rng.random_range(0..from.len())])
}

/// The chance that the operator sends a change again (as after a timeout).
const RETRY_CHANCE: f64 = 0.25;
/// The chance of a strike once a joint configuration this nemesis entered is in force.
const STRIKE_CHANCE: f64 = 0.5;
/// The chance that the operator's change is a mistake raft must refuse when it applies
/// it: removing every voter at once (it passes the leader's checks, which look only at
/// the pending and joint state, and every server refuses it alike).
const MISTAKE_CHANCE: f64 = 0.05;

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

impl Nemesis for MembershipChanges {
    fn name(&self) -> &str {
        "membership"
    }
    fn changes_membership(&self) -> bool {
        true
    }
    fn targets_leader(&self) -> bool {
        true
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(async move {
            loop {
                let quiet = rng.random_range(QUIET_MS);
                if !faults.sleep(ms(quiet)).await {
                    return;
                }
                let Some(change) = propose_one(faults, rng) else {
                    continue;
                };
                if rng.random_bool(RETRY_CHANCE) {
                    if !faults.sleep(ms(rng.random_range(0..300))).await {
                        return;
                    }
                    if let Some(via) = faults.leader() {
                        let change = change.clone();
                        faults.apply(Fault::ConfChange { via, change });
                    }
                }
                if change.enter_joint().is_some()
                    && rng.random_bool(STRIKE_CHANCE)
                    && !strike_at_joint(faults, rng).await
                {
                    return;
                }
            }
        })
    }
}

/// Waits (up to a second) for a joint configuration to be in force, then strikes the
/// leader: a crash, a cut, or a transfer. Returns false when the workload ends.
async fn strike_at_joint(faults: &Faults, rng: &mut StdRng) -> bool {
    let mut waited = 0;
    while faults.config().voters_outgoing.is_empty() {
        if waited >= 1000 || !faults.sleep(GRID).await {
            return !faults.workload_over();
        }
        waited += GRID.as_millis() as u64;
    }
    let Some(leader) = faults.leader() else {
        return true;
    };
    match rng.random_range(0..3) {
        0 => {
            faults.apply(Fault::Crash {
                node: leader,
                torn: false,
            });
            // After the workload ends the run heals everything itself; a nemesis that
            // acted then would not replay from its schedule.
            if !faults.sleep(ms(rng.random_range(200..1000))).await {
                return false;
            }
            faults.apply(Fault::Restart { node: leader });
            true
        }
        1 => {
            let undo = isolate(faults, leader);
            if !faults.sleep(ms(rng.random_range(300..1500))).await {
                return false;
            }
            faults.apply(undo);
            true
        }
        _ => {
            let cs = faults.config();
            let voters: Vec<u64> = members(&cs).into_iter().filter(|&n| n != leader).collect();
            if let Some(to) = pick(rng, &voters) {
                faults.apply(Fault::TransferLeadership { from: leader, to });
            }
            true
        }
    }
}

/// Proposes one change that keeps a live quorum, if there is one to make; returns it.
fn propose_one(faults: &Faults, rng: &mut StdRng) -> Option<ConfChange> {
    let via = faults.leader()?;
    let cs = faults.config();
    if !cs.voters_outgoing.is_empty() {
        // A joint configuration: an explicit one waits for this nemesis to
        // leave it; an automatic one is left by raft.
        if cs.auto_leave {
            return None;
        }
        let change = ConfChange::leave();
        faults.apply(Fault::ConfChange {
            via,
            change: change.clone(),
        });
        return Some(change);
    }
    if rng.random_bool(MISTAKE_CHANCE) {
        let everyone: Vec<(ConfChangeType, u64)> = cs
            .voters
            .iter()
            .map(|&v| (ConfChangeType::RemoveNode, v))
            .collect();
        let change = change(ConfChangeTransition::Auto, &everyone);
        faults.apply(Fault::ConfChange {
            via,
            change: change.clone(),
        });
        return Some(change);
    }
    let down = faults.down();
    let live: BTreeSet<u64> = faults
        .nodes()
        .into_iter()
        .filter(|n| !down.contains(n))
        .collect();
    let is_live = |n: &u64| live.contains(n);
    let voters = cs.voters.clone();
    let learners = cs.learners.clone();
    let spares: Vec<u64> = faults
        .nodes()
        .into_iter()
        .filter(|n| !voters.contains(n) && !learners.contains(n))
        .collect();
    let live_spares: Vec<u64> = spares.iter().copied().filter(is_live).collect();
    let live_learners: Vec<u64> = learners.iter().copied().filter(is_live).collect();
    use ConfChangeType::{AddLearnerNode, AddNode, RemoveNode};
    let mut candidates: Vec<(ConfChangeTransition, Vec<(ConfChangeType, u64)>)> = Vec::new();
    if let Some(s) = pick(rng, &live_spares) {
        candidates.push((ConfChangeTransition::Auto, vec![(AddLearnerNode, s)]));
    }
    if let Some(l) = pick(rng, &live_learners) {
        candidates.push((ConfChangeTransition::Auto, vec![(AddNode, l)]));
    }
    if let Some(l) = pick(rng, &learners) {
        candidates.push((ConfChangeTransition::Auto, vec![(RemoveNode, l)]));
    }
    if voters.len() > MIN_VOTERS {
        if let Some(v) = pick(rng, &voters) {
            candidates.push((ConfChangeTransition::Auto, vec![(RemoveNode, v)]));
            candidates.push((ConfChangeTransition::Auto, vec![(AddLearnerNode, v)]));
        }
    }
    let incoming: Vec<u64> = live_spares.iter().chain(&live_learners).copied().collect();
    if let (Some(i), Some(o)) = (pick(rng, &incoming), pick(rng, &voters)) {
        // Two voters change at once: raft goes through a joint configuration.
        let transition = [
            ConfChangeTransition::Auto,
            ConfChangeTransition::Implicit,
            ConfChangeTransition::Explicit,
        ][rng.random_range(0..3)];
        candidates.push((transition, vec![(AddNode, i), (RemoveNode, o)]));
    }
    // Keep a live quorum of the old and the new configuration (both halves of
    // a joint one).
    if !is_quorum(&cs, &live) {
        return None;
    }
    candidates.retain(|(_, changes)| is_quorum(&after(&cs, changes), &live));
    if candidates.is_empty() {
        return None;
    }
    let (transition, changes) = &candidates[rng.random_range(0..candidates.len())];
    let change = change(*transition, changes);
    faults.apply(Fault::ConfChange {
        via,
        change: change.clone(),
    });
    Some(change)
}

inventory::submit! {
    NemesisEntry { name: "membership", description: "membership changes through the log: add and promote learners, remove or demote voters (the leader too), swap two voters through a joint configuration; retries as an operator would, and strikes the leader right at joint transitions", make: || Arc::new(MembershipChanges), in_all: true }
}
