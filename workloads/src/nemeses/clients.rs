//! `partition-clients`: cut clients off from servers.

use super::alternate;
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::Rng;
use std::sync::Arc;

/// Cuts a random set of clients off from a random set of servers (sometimes the
/// leader alone, sometimes every server): their requests time out, are recorded as
/// unknown (`info`), and they retry elsewhere with a new process.
pub struct ClientPartition;

impl Nemesis for ClientPartition {
    fn name(&self) -> &str {
        "partition-clients"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            let all_clients = faults.clients();
            let n = rng.random_range(1..=all_clients.len());
            let clients: Vec<u64> = all_clients.choose_multiple(rng, n).copied().collect();
            let nodes = faults.nodes();
            let servers: Vec<u64> = match (rng.random_range(0..3), faults.leader()) {
                (0, Some(leader)) => vec![leader],
                (1, _) => nodes,
                _ => {
                    let k = rng.random_range(1..=nodes.len());
                    nodes.choose_multiple(rng, k).copied().collect()
                }
            };
            faults.apply(Fault::CutClients {
                clients: clients.clone(),
                servers: servers.clone(),
            });
            vec![Fault::UncutClients { clients, servers }]
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "partition-clients", description: "cut clients off from some or all servers (their ops time out: info)", make: || Arc::new(ClientPartition), in_all: true }
}
