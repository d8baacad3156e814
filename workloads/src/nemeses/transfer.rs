//! `transfer`: leadership transfers, to live and to unreachable servers.

use super::{alternate, burst};
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Asks the leader to hand leadership to a random other server, with a burst of reads
/// or writes across it. The target may be down or lagging, in which case the transfer times out after
/// an election timeout (proposals are refused meanwhile).
pub struct Transfer;

impl Nemesis for Transfer {
    fn name(&self) -> &str {
        "transfer"
    }
    fn transfers_leadership(&self) -> bool {
        true
    }
    fn targets_leader(&self) -> bool {
        true
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            let Some(from) = faults.leader() else {
                return vec![];
            };
            let others: Vec<u64> = faults.nodes().into_iter().filter(|&n| n != from).collect();
            if others.is_empty() {
                return vec![];
            }
            let to = others[rng.random_range(0..others.len())];
            faults.apply(Fault::TransferLeadership { from, to });
            // Load right across the leader change: the new leader's first moments
            // (before it commits in its term) are where ReadIndex must hold back.
            burst(faults, rng);
            vec![]
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "transfer", description: "ask the leader to transfer leadership to a random server (it may be down)", make: || Arc::new(Transfer), in_all: true }
}
