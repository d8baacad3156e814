//! `partition` (random halves) and `partition-leader` (isolate the current leader).

use super::{alternate, burst, isolate, shuffled};
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use std::sync::Arc;

/// Splits the servers into a random majority and minority.
pub struct RandomHalves;

impl Nemesis for RandomHalves {
    fn name(&self) -> &str {
        "partition"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            let nodes = shuffled(faults, rng);
            let (minority, majority) = nodes.split_at(nodes.len() / 2);
            let groups = vec![minority.to_vec(), majority.to_vec()];
            faults.apply(Fault::Partition {
                groups: groups.clone(),
            });
            vec![Fault::Unpartition { groups }]
        }))
    }
}

/// Cuts the current leader off from every other server, with a burst of reads or writes
/// through the cut and after it: a deposed leader still reachable by its clients is
/// where stale reads and lost writes come from.
pub struct IsolateLeader;

impl Nemesis for IsolateLeader {
    fn name(&self) -> &str {
        "partition-leader"
    }
    fn targets_leader(&self) -> bool {
        true
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            let Some(leader) = faults.leader() else {
                return vec![];
            };
            burst(faults, rng);
            vec![isolate(faults, leader)]
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "partition", description: "random majority/minority partitions", make: || Arc::new(RandomHalves), in_all: true }
}

inventory::submit! {
    NemesisEntry { name: "partition-leader", description: "isolate the current leader, with a burst of reads or writes through the cut", make: || Arc::new(IsolateLeader), in_all: true }
}
