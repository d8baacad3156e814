//! `pause`: freeze and resume servers (as SIGSTOP/SIGCONT).

use super::alternate;
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Freezes a random server, then resumes it.
pub struct PauseResume;

impl Nemesis for PauseResume {
    fn name(&self) -> &str {
        "pause"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            let nodes = faults.nodes();
            let node = nodes[rng.random_range(0..nodes.len())];
            faults.apply(Fault::Pause { node });
            vec![Fault::Resume { node }]
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "pause", description: "freeze a server, then resume it", make: || Arc::new(PauseResume), in_all: true }
}
