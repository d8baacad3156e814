//! `loss`: packet loss and latency spikes.

use super::alternate;
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Drops 5-30% of raft messages and delays them by up to 0-150 ms extra.
pub struct LossyNetwork;

impl Nemesis for LossyNetwork {
    fn name(&self) -> &str {
        "loss"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            faults.apply(Fault::Network {
                loss: rng.random_range(0.05..0.3),
                min_latency_ms: 0,
                max_latency_ms: rng.random_range(0..150),
            });
            vec![Fault::Network {
                loss: 0.0,
                min_latency_ms: 0,
                max_latency_ms: 0,
            }]
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "loss", description: "packet loss (5-30%) and latency spikes (up to 150 ms)", make: || Arc::new(LossyNetwork), in_all: true }
}
