//! Independent keys, as Jepsen's `jepsen.independent` runs a register or kv test: the
//! client slots are dealt into groups of a few processes, each group works on keys of
//! its own, and every few seconds it moves on to fresh keys. Each key's history then
//! has a bounded number of processes and a bounded length, so checking it stays cheap
//! (the linearizability search is exponential in the operations that overlap on one
//! key) however many clients a run draws, and keys are checked apart and in parallel.

use linsim_sim::OpMix;
use rand::rngs::StdRng;
use rand::Rng;

/// Client slots that share a group's keys: what bounds each key's concurrency.
pub const PROCESSES_PER_KEY: u64 = 4;
/// Virtual time a group stays on its keys before it moves on to fresh ones: what
/// bounds each key's history (and a kv key's value, which appends lengthen).
pub const KEY_LIFETIME_NS: u64 = 2_500_000_000;

/// The key client `mix.slot` uses next: `<prefix><group>.<generation>.<i>`, with `i`
/// drawn from `0..keys_per_group`. The group is the slot's (slots are dealt to groups
/// in turn, so every group gets its share of processes); the generation counts
/// `KEY_LIFETIME_NS` periods.
pub fn independent_key(rng: &mut StdRng, mix: &OpMix, prefix: &str, keys_per_group: u64) -> String {
    let groups = mix.slots.div_ceil(PROCESSES_PER_KEY).max(1);
    let group = mix.slot % groups;
    let generation = mix.now_ns / KEY_LIFETIME_NS;
    let i = rng.random_range(0..keys_per_group.max(1));
    format!("{prefix}{group}.{generation}.{i}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn mix(slot: u64, slots: u64, now_ns: u64) -> OpMix {
        OpMix {
            read_share: 0.5,
            slot,
            slots,
            now_ns,
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
                per_group.values().all(|&n| n <= PROCESSES_PER_KEY),
                "{slots}: {per_group:?}"
            );
        }
        let now = independent_key(&mut rng, &mix(0, 5, 0), "r", 1);
        let later = independent_key(&mut rng, &mix(0, 5, KEY_LIFETIME_NS), "r", 1);
        assert_eq!((now.as_str(), later.as_str()), ("r0.0.0", "r0.1.0"));
    }
}
