//! `kv`: ten keys; get, put, append. Checked per key with the kv model.

use crate::registry::WorkloadEntry;
use linsim_checker::{Function, Value};
use linsim_sim::{ClientOp, Workload};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Gets, puts and appends over ten keys; appended strings are random and rarely repeat,
/// so reads pin down the order of appends.
pub struct KvWorkload;

impl Workload for KvWorkload {
    fn name(&self) -> &str {
        "kv"
    }
    fn model(&self) -> &'static str {
        "kv"
    }
    fn next_op(&self, rng: &mut StdRng) -> ClientOp {
        let key = format!("k{}", rng.random_range(0..10));
        match rng.random_range(0..10) {
            0..=3 => ClientOp {
                f: Function::Read,
                key,
                input: vec![],
            },
            4 => ClientOp {
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
        description: "ten keys; get, put, append of random strings (kv model, checked per key)",
        make: || Arc::new(KvWorkload),
    }
}
