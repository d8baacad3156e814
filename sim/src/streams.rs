//! The run's random streams: every random choice of a run draws from a stream derived
//! from the run's seed and the stream's name, so adding a draw to one stream leaves
//! every other stream (and what the seed means elsewhere) unchanged.

use rand::rngs::StdRng;
use rand::SeedableRng;

/// Derives an independent RNG stream from the run's seed and a stream name.
pub fn stream(seed: u64, name: &str) -> StdRng {
    StdRng::seed_from_u64(seed ^ linsim_checker::history::fnv1a(name.as_bytes()))
}
