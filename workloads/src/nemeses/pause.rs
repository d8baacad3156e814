//! `pause`: freeze and resume servers (as SIGSTOP/SIGCONT).

use super::alternate;
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Freezes a server, then resumes it: half the time the leader (Jepsen's `:primaries`
/// target), the rest any server. A leader frozen long enough to be replaced wakes up
/// believing it still leads, with writes it took in before: the deposed leader every
/// term check exists for.
pub struct PauseResume;

impl Nemesis for PauseResume {
    fn name(&self) -> &str {
        "pause"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            let nodes = faults.nodes();
            let any = nodes[rng.random_range(0..nodes.len())];
            let node = match faults.leader() {
                Some(leader) if rng.random_bool(0.5) => leader,
                _ => any,
            };
            faults.apply(Fault::Pause { node });
            vec![Fault::Resume { node }]
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "pause", description: "freeze a server (half the time the leader), then resume it", make: || Arc::new(PauseResume), in_all: true }
}
