//! `membership`: membership changes through the log while other faults go on: learners
//! added and promoted, voters (the leader too) removed or demoted, and two servers
//! swapped at once through a joint configuration (left automatically, or explicitly by
//! a later step of this nemesis).

use super::QUIET_MS;
use crate::registry::NemesisEntry;
use linsim_raft::{
    ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2, ConfState,
};
use linsim_sim::membership::is_quorum;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The fewest voters a change may leave: three tolerate one crash.
const MIN_VOTERS: usize = 3;

/// Proposes a membership change through the leader every 0.3 to 1.5 s. A change is
/// chosen only if the live servers still hold a quorum of the configuration it leads
/// to (and, through a joint configuration, of both halves): the nemesis changes who
/// decides, it does not take the cluster down by itself, so unlike the nemeses that
/// do, it keeps its pace when combined with others. Changes are not undone.
pub struct MembershipChanges;

fn change(transition: ConfChangeTransition, changes: &[(ConfChangeType, u64)]) -> ConfChangeV2 {
    ConfChangeV2::new(
        transition,
        changes
            .iter()
            .map(|&(t, id)| ConfChangeSingle::new(t, id))
            .collect(),
    )
}

/// The configuration `cs` leads to after `changes` (voters and learners only; what a
/// joint configuration needs is checked on both halves by the caller).
fn after(cs: &ConfState, changes: &[(ConfChangeType, u64)]) -> ConfState {
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
    ConfState {
        voters: voters.into_iter().collect(),
        learners: learners.into_iter().collect(),
        ..ConfState::default()
    }
}

fn pick(rng: &mut StdRng, from: &[u64]) -> Option<u64> {
    (!from.is_empty()).then(|| from[rng.random_range(0..from.len())])
}

impl Nemesis for MembershipChanges {
    fn name(&self) -> &str {
        "membership"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(async move {
            loop {
                let quiet = rng.random_range(QUIET_MS);
                if !faults.sleep(std::time::Duration::from_millis(quiet)).await {
                    return;
                }
                propose_one(faults, rng);
            }
        })
    }
}

/// Proposes one change that keeps a live quorum, if there is one to make.
fn propose_one(faults: &Faults, rng: &mut StdRng) {
    let Some(via) = faults.leader() else {
        return;
    };
    let cs = faults.config();
    if !cs.voters_outgoing.is_empty() {
        // A joint configuration: an explicit one waits for this nemesis to
        // leave it; an automatic one is left by raft.
        if !cs.auto_leave {
            let change = ConfChangeV2::leave();
            faults.apply(Fault::ConfChange { via, change });
        }
        return;
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
        return;
    }
    candidates.retain(|(_, changes)| is_quorum(&after(&cs, changes), &live));
    if let Some(i) = (!candidates.is_empty()).then(|| rng.random_range(0..candidates.len())) {
        let (transition, changes) = &candidates[i];
        let change = change(*transition, changes);
        faults.apply(Fault::ConfChange { via, change });
    }
}

inventory::submit! {
    NemesisEntry { name: "membership", description: "membership changes through the log: add and promote learners, remove or demote voters (the leader too), swap two voters through a joint configuration", make: || Arc::new(MembershipChanges), in_all: true }
}
