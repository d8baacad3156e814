//! `kill-leader`: crash whoever leads, then bring it back.

use super::alternate;
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use std::sync::Arc;

/// Crashes the current leader (losing its unsynced writes) and restarts it later.
pub struct KillLeader;

impl Nemesis for KillLeader {
    fn name(&self) -> &str {
        "kill-leader"
    }
    fn targets_leader(&self) -> bool {
        true
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, _rng| {
            match faults.leader() {
                Some(node) => {
                    faults.apply(Fault::Crash { node, torn: false });
                    vec![Fault::Restart { node }]
                }
                None => vec![],
            }
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "kill-leader", description: "crash the current leader, restart it later", make: || Arc::new(KillLeader), in_all: true }
}
