//! Independent keys, as Jepsen's `jepsen.independent` runs a register or kv test: the
//! client slots are dealt into groups of a few processes, each group works on keys of
//! its own, and every few seconds it moves on to fresh keys. Each key's history then
//! has a bounded number of processes and a bounded length, so checking it stays cheap
//! (the linearizability search is exponential in the operations that overlap on one
//! key) however many clients a run draws, and keys are checked apart and in parallel.

use linsim_sim::OpMix;
use rand::rngs::StdRng;
use rand::Rng;

/// The key client `mix.slot` uses next: `<prefix><group>.<generation>.<i>`, with `i`
/// drawn from `0..keys_per_group`. The group is the slot's: slots are dealt in turn to
/// groups of `mix.key_processes` (the knob bounding each key's concurrency), so every
/// group gets its share; the generation counts `mix.key_lifetime_ns` periods (the knob
/// bounding each key's history, and a kv key's value, which appends lengthen).
pub fn independent_key(rng: &mut StdRng, mix: &OpMix, prefix: &str, keys_per_group: u64) -> String {
    let groups = mix.slots.div_ceil(mix.key_processes.max(1)).max(1);
    let group = mix.slot % groups;
    let generation = mix.now_ns / mix.key_lifetime_ns.max(1);
    let i = rng.random_range(0..keys_per_group.max(1));
    format!("{prefix}{group}.{generation}.{i}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const LIFETIME: u64 = 2_500_000_000;

    fn mix(slot: u64, slots: u64, now_ns: u64) -> OpMix {
        OpMix {
            read_share: 0.5,
            slot,
            slots,
            now_ns,
            key_processes: 4,
            key_lifetime_ns: LIFETIME,
        }
    }

    #[test]
    fn groups_hold_at_most_the_processes_per_key_and_move_on_in_time() {
        let mut rng = StdRng::seed_from_u64(1);
        for slots in 1..=40u64 {
            let mut per_group = std::collections::BTreeMap::<String, u64>::new();
            for slot in 0..slots {
                let key = independent_key(&mut rng, &mix(slot, slots, 0), "k", 1);
                *per_group.entry(key).or_default() += 1;
            }
            assert!(
                per_group.values().all(|&n| n <= 4),
                "{slots}: {per_group:?}"
            );
        }
        let now = independent_key(&mut rng, &mix(0, 5, 0), "r", 1);
        let later = independent_key(&mut rng, &mix(0, 5, LIFETIME), "r", 1);
        assert_eq!((now.as_str(), later.as_str()), ("r0.0.0", "r0.1.0"));
    }
}
