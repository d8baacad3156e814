//! `clog`: one-way link failures.

use super::alternate;
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Drops traffic on one to three random one-way links.
pub struct OneWayLinks;

impl Nemesis for OneWayLinks {
    fn name(&self) -> &str {
        "clog"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            let nodes = faults.nodes();
            let mut undo = Vec::new();
            for _ in 0..rng.random_range(1..=3) {
                let src = nodes[rng.random_range(0..nodes.len())];
                let dst = nodes[rng.random_range(0..nodes.len())];
                if src != dst && !undo.contains(&Fault::Unclog { src, dst }) {
                    faults.apply(Fault::Clog { src, dst });
                    undo.push(Fault::Unclog { src, dst });
                }
            }
            undo
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "clog", description: "one-way link failures (1-3 links)", make: || Arc::new(OneWayLinks), in_all: true }
}
