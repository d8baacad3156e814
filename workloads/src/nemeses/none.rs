//! `none`: no faults.

use crate::registry::NemesisEntry;
use linsim_sim::{Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use std::sync::Arc;

/// Injects nothing.
pub struct NoFaults;

impl Nemesis for NoFaults {
    fn name(&self) -> &str {
        "none"
    }
    fn run<'a>(&'a self, _faults: &'a Faults, _rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(async {})
    }
}

inventory::submit! {
    NemesisEntry { name: "none", description: "no faults", make: || Arc::new(NoFaults), in_all: false }
}
