//! `partition-ring`: Jepsen's majorities ring.

use super::{alternate, shuffled};
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use std::sync::Arc;

/// Arranges the servers in a random ring; each hears only itself and its nearest
/// neighbours, a majority, so every server sees a majority and no two see the same one.
pub struct MajoritiesRing;

impl Nemesis for MajoritiesRing {
    fn name(&self) -> &str {
        "partition-ring"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            let ring = shuffled(faults, rng);
            let n = ring.len();
            // Each server hears itself and `side` neighbours each way: a majority.
            let side = (n / 2).div_ceil(2);
            let mut undo = Vec::new();
            for (i, &dst) in ring.iter().enumerate() {
                for (j, &src) in ring.iter().enumerate() {
                    let d = (i + n - j) % n;
                    if d.min(n - d) > side {
                        faults.apply(Fault::Clog { src, dst });
                        undo.push(Fault::Unclog { src, dst });
                    }
                }
            }
            undo
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "partition-ring", description: "majorities ring: each server sees a different majority", make: || Arc::new(MajoritiesRing), in_all: true }
}
