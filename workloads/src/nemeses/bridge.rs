//! `bridge`: two halves joined by one server.

use super::{alternate, shuffled};
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use std::sync::Arc;

/// Splits the servers into two halves that cannot talk, except through one bridge
/// server that sees both.
pub struct Bridge;

impl Nemesis for Bridge {
    fn name(&self) -> &str {
        "bridge"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            let nodes = shuffled(faults, rng);
            // nodes[0] is the bridge: it keeps every link.
            let rest = &nodes[1..];
            let (a, b) = rest.split_at(rest.len() / 2);
            let mut undo = Vec::new();
            for &x in a {
                for &y in b {
                    for (src, dst) in [(x, y), (y, x)] {
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
    NemesisEntry { name: "bridge", description: "two halves joined by one bridge server", make: || Arc::new(Bridge), in_all: true }
}
