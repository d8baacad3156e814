//! The shipped nemeses, one file each, and what they share.

mod bridge;
mod clients;
mod clog;
mod crash;
mod duplicate;
mod kill_leader;
mod loss;
mod membership;
mod none;
mod partition;
mod pause;
mod power;
mod ring;
mod skew;
mod transfer;

use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

/// Quiet time between faults, milliseconds.
pub const QUIET_MS: Range<u64> = 300..1500;
/// How long a fault lasts, milliseconds.
pub const FAULT_MS: Range<u64> = 300..2000;
/// How long a load burst aimed at a leader change lasts, milliseconds.
pub const BURST_MS: Range<u64> = 500..2500;

/// Aims a burst of load at a leader change: read-heavy (90% reads: stale reads show) or
/// write-heavy (10%: writes pile up at a deposed leader), half each.
pub fn burst(faults: &Faults, rng: &mut StdRng) {
    let ms = rng.random_range(BURST_MS);
    let read_share = if rng.random_bool(0.5) { 90 } else { 10 };
    faults.apply(Fault::LoadBurst { ms, read_share });
}

/// The core loop of a nemesis: wait a random quiet time (times `Faults::quiet_scale`,
/// so combined nemeses do not keep the cluster down all the time), `inject` a fault (it applies
/// its faults and returns the faults that undo them), hold it a random time, undo it;
/// until the workload phase ends (then the run heals everything itself, and a nemesis
/// must not act, so that a replayed schedule matches).
pub async fn alternate(
    faults: &Faults,
    rng: &mut StdRng,
    mut inject: impl FnMut(&Faults, &mut StdRng) -> Vec<Fault>,
) {
    loop {
        let quiet = rng.random_range(QUIET_MS) * faults.quiet_scale();
        if !faults.sleep(Duration::from_millis(quiet)).await {
            return;
        }
        let undo = inject(faults, rng);
        if !faults
            .sleep(Duration::from_millis(rng.random_range(FAULT_MS)))
            .await
        {
            return;
        }
        for f in undo {
            faults.apply(f);
        }
    }
}

/// Cuts `leader` off from every other server; returns the fault that undoes it.
pub fn isolate(faults: &Faults, leader: u64) -> Fault {
    let rest = faults
        .nodes()
        .into_iter()
        .filter(|&n| n != leader)
        .collect();
    let groups = vec![vec![leader], rest];
    faults.apply(Fault::Partition {
        groups: groups.clone(),
    });
    Fault::Unpartition { groups }
}

/// The server ids in a random order.
pub fn shuffled(faults: &Faults, rng: &mut StdRng) -> Vec<u64> {
    let mut nodes = faults.nodes();
    nodes.shuffle(rng);
    nodes
}

/// Several nemeses at once, each with its own RNG stream drawn from the parent's.
pub struct Combined {
    name: String,
    parts: Vec<Arc<dyn Nemesis>>,
}

impl Combined {
    /// Runs `parts` concurrently under the name `name`.
    pub fn new(name: &str, parts: Vec<Arc<dyn Nemesis>>) -> Combined {
        Combined {
            name: name.to_string(),
            parts,
        }
    }
}

impl Nemesis for Combined {
    fn name(&self) -> &str {
        &self.name
    }

    fn changes_membership(&self) -> bool {
        self.parts.iter().any(|p| p.changes_membership())
    }

    fn transfers_leadership(&self) -> bool {
        self.parts.iter().any(|p| p.transfers_leadership())
    }

    fn targets_leader(&self) -> bool {
        self.parts.iter().any(|p| p.targets_leader())
    }

    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        let mut rngs: Vec<StdRng> = self
            .parts
            .iter()
            .map(|_| StdRng::seed_from_u64(rng.random()))
            .collect();
        Box::pin(async move {
            faults.set_quiet_scale((self.parts.len() as u64).div_ceil(2));
            let runs = self
                .parts
                .iter()
                .zip(rngs.iter_mut())
                .map(|(p, r)| p.run(faults, r));
            futures::future::join_all(runs).await;
        })
    }
}
