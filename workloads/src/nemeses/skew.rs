//! `skew`: clock drift and jumps.

use super::alternate;
use crate::registry::NemesisEntry;
use linsim_sim::{Fault, Faults, Nemesis, NemesisFuture};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// How much faster or slower a clock runs at most (log-uniform in 1/MAX_DRIFT..MAX_DRIFT).
const MAX_DRIFT: f64 = 4.0;
/// The tick jumps drawn: negative stops a clock, positive hurries it.
const JUMP_TICKS: std::ops::RangeInclusive<i64> = -500..=10;
/// What `linsim list` says (checked against the constants by a test).
const DESCRIPTION: &str = "clock drift (0.25x-4x) and tick jumps (-500..+10 ticks)";

/// Makes one to all servers' clocks run at 0.25x-4x their rate, and jumps them by -500..+10
/// ticks (a negative jump stops the clock for that many ticks, as a paused VM's clock
/// does). Jepsen's clock nemesis bumps clocks by far more; these magnitudes already put
/// two leaders' leases side by side (which breaks lease-based reads), while a heal still
/// brings the cluster back within its liveness bound.
pub struct ClockSkew;

impl Nemesis for ClockSkew {
    fn name(&self) -> &str {
        "skew"
    }
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a> {
        Box::pin(alternate(faults, rng, |faults, rng| {
            let nodes = faults.nodes();
            let mut undo = Vec::new();
            for _ in 0..rng.random_range(1..=nodes.len()) {
                let node = nodes[rng.random_range(0..nodes.len())];
                // Log-uniform: as many clocks run fast as slow.
                let factor = MAX_DRIFT.powf(rng.random_range(-1.0..=1.0));
                faults.apply(Fault::Drift { node, factor });
                faults.apply(Fault::TickJump {
                    node,
                    ticks: rng.random_range(JUMP_TICKS),
                });
                undo.push(Fault::Drift { node, factor: 1.0 });
            }
            undo
        }))
    }
}

inventory::submit! {
    NemesisEntry { name: "skew", description: DESCRIPTION, make: || Arc::new(ClockSkew), in_all: true }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_says_what_is_drawn() {
        let drift = format!("({}x-{}x)", 1.0 / MAX_DRIFT, MAX_DRIFT);
        let jumps = format!("({}..+{} ticks)", JUMP_TICKS.start(), JUMP_TICKS.end());
        assert!(DESCRIPTION.contains(&drift), "{DESCRIPTION} vs {drift}");
        assert!(DESCRIPTION.contains(&jumps), "{DESCRIPTION} vs {jumps}");
    }
}
