//! `duplicate`: messages delivered twice.

use super::alternate;
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Sends 10-50% of raft messages twice (each copy with its own delay).
pub struct DuplicateMessages;

impl Nemesis for DuplicateMessages {
    fn name(&self) -> &str {
        "duplicate"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            faults.apply(Fault::Duplicate {
                probability: rng.random_range(0.1..0.5),
            });
            vec![Fault::Duplicate { probability: 0.0 }]
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "duplicate", description: "duplicate 10-50% of raft messages", make: || Arc::new(DuplicateMessages), in_all: true }
}
