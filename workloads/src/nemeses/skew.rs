//! `skew`: clock drift and jumps.

use super::alternate;
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Makes one or two servers' clocks run 0.5x-2x as fast, and jumps them by -5..+10 ticks.
pub struct ClockSkew;

impl Nemesis for ClockSkew {
    fn name(&self) -> &str {
        "skew"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            let nodes = faults.nodes();
            let mut undo = Vec::new();
            for _ in 0..rng.random_range(1..=2) {
                let node = nodes[rng.random_range(0..nodes.len())];
                faults.apply(Fault::Drift {
                    node,
                    factor: rng.random_range(0.5..2.0),
                });
                faults.apply(Fault::TickJump {
                    node,
                    ticks: rng.random_range(-5..=10),
                });
                undo.push(Fault::Drift { node, factor: 1.0 });
            }
            undo
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "skew", description: "clock drift (0.5x-2x) and tick jumps", make: || Arc::new(ClockSkew), in_all: true }
}
