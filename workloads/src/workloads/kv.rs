//! `kv`: gets, puts and appends over independent keys, as Jepsen's `independent`
//! generator runs them: each group of a few processes works on keys of its own, and
//! moves on to fresh keys every few seconds. Checked per key with the kv model.

use crate::registry::WorkloadEntry;
use linsim_checker::{Function, Value};
use linsim_sim::{ClientOp, OpMix, Workload};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Client slots that share a group's keys: what bounds each key's concurrency, and
/// with it the cost of checking each key's history (the linearizability search is
/// exponential in the operations that overlap on one key).
pub const PROCESSES_PER_KEY: u64 = 4;
/// Keys a group works on at once.
pub const KEYS_PER_GROUP: u64 = 2;
/// Virtual time a group stays on its keys before it moves on to fresh ones: what
/// bounds each key's history (and its values, which appends lengthen).
pub const KEY_LIFETIME_NS: u64 = 2_500_000_000;

/// Gets, puts and appends: gets as the mix says, the rest one put to five appends.
/// Written strings are random and rarely repeat, so reads pin down the order of
/// appends, and a write of unknown outcome that no read saw can be left out of the
/// search (see the kv model).
pub struct KvWorkload;

/// The key slot `mix.slot` uses next: `k<group>.<generation>.<i>`, where the group is
/// the slot's (`PROCESSES_PER_KEY` consecutive slots) and the generation counts
/// `KEY_LIFETIME_NS` periods.
pub fn independent_key(rng: &mut StdRng, mix: &OpMix) -> String {
    let groups = mix.slots.div_ceil(PROCESSES_PER_KEY).max(1);
    // Slots are dealt to groups in turn, so every group gets its share of processes.
    let group = mix.slot % groups;
    let generation = mix.now_ns / KEY_LIFETIME_NS;
    format!(
        "k{group}.{generation}.{}",
        rng.random_range(0..KEYS_PER_GROUP)
    )
}

impl Workload for KvWorkload {
    fn name(&self) -> &str {
        "kv"
    }
    fn model(&self) -> &'static str {
        "kv"
    }
    fn next_op(&self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        let key = independent_key(rng, &mix);
        if mix.read(rng) {
            return ClientOp {
                f: Function::Read,
                key,
                input: vec![],
            };
        }
        match rng.random_range(0..6) {
            0 => ClientOp {
                f: Function::Write,
                key,
                input: vec![Value::Str(format!("p{:x} ", rng.random::<u32>()))],
            },
            _ => ClientOp {
                f: Function::Append,
                key,
                input: vec![Value::Str(format!("{:x} ", rng.random::<u32>()))],
            },
        }
    }
}

inventory::submit! {
    WorkloadEntry {
        name: "kv",
        description: "gets, puts and appends of random strings over independent keys: groups of 4 processes, 2 keys each, fresh keys every 2.5 s (kv model, checked per key)",
        make: || Arc::new(KvWorkload),
    }
}
