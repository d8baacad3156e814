//! `crash`: kill and restart servers, losing unsynced writes.

use super::alternate;
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Kills a random live server (half the time keeping a torn prefix of its unsynced
/// writes) and restarts it from its disk when the fault ends.
pub struct CrashRestart;

impl Nemesis for CrashRestart {
    fn name(&self) -> &str {
        "crash"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            let down = faults.down();
            let live: Vec<u64> = faults
                .nodes()
                .into_iter()
                .filter(|n| !down.contains(n))
                .collect();
            if live.is_empty() {
                return vec![];
            }
            let node = live[rng.random_range(0..live.len())];
            faults.apply(Fault::Crash {
                node,
                torn: rng.random_bool(0.5),
            });
            vec![Fault::Restart { node }]
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "crash", description: "kill and restart a server, losing unsynced writes (sometimes torn)", make: || Arc::new(CrashRestart), in_all: true }
}
