//! `kv`: gets, puts and appends over independent keys, as Jepsen's `independent`
//! generator runs them: each group of a few processes works on keys of its own, and
//! moves on to fresh keys every few seconds. Checked per key with the kv model.

use super::independent::independent_key;
use crate::registry::WorkloadEntry;
use linsim_checker::{Function, Value};
use linsim_sim::{ClientOp, OpMix, Workload};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Keys a group works on at once.
pub const KEYS_PER_GROUP: u64 = 4;

/// Gets, puts and appends: gets as the mix says, the rest one put to five appends.
/// Written strings are random and rarely repeat, so reads pin down the order of
/// appends, and a write of unknown outcome that no read saw can be left out of the
/// search (see the kv model).
pub struct KvWorkload;

impl Workload for KvWorkload {
    fn name(&self) -> &str {
        "kv"
    }
    fn model(&self) -> &'static str {
        "kv"
    }
    fn next_op(&self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        let key = independent_key(rng, &mix, "k", KEYS_PER_GROUP);
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
        description: "gets, puts and appends of random strings over independent keys: groups of key_processes processes, 4 keys each, fresh keys every key_lifetime_ms (kv model, checked per key)",
        make: || Arc::new(KvWorkload),
    }
}
