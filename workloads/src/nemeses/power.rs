//! `power`: power loss of a majority or of every server at one instant.

use super::{alternate, shuffled};
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Cuts the power of a random majority (two times in three) or of every live server at
/// the same instant: each loses every write not yet fsynced, half the time keeping a
/// torn byte prefix of them. Restarts them all when the fault ends.
pub struct PowerLoss;

impl Nemesis for PowerLoss {
    fn name(&self) -> &str {
        "power"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            let down = faults.down();
            let all = shuffled(faults, rng);
            let count = if rng.random_bool(2.0 / 3.0) {
                all.len() / 2 + 1
            } else {
                all.len()
            };
            let nodes: Vec<u64> = all
                .into_iter()
                .take(count)
                .filter(|n| !down.contains(n))
                .collect();
            if nodes.is_empty() {
                return vec![];
            }
            faults.apply(Fault::PowerLoss {
                nodes: nodes.clone(),
                torn: rng.random_bool(0.5),
            });
            nodes
                .into_iter()
                .map(|node| Fault::Restart { node })
                .collect()
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "power", description: "power loss: a majority or all servers crash at one instant, losing unsynced writes (sometimes torn)", make: || Arc::new(PowerLoss), in_all: true }
}
