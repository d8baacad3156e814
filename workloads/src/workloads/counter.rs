//! `counter`: increments and reads of counters on independent keys, as Jepsen's
//! counter workload runs them (`:add` there). Checked per key with the counter model:
//! one order of the increments must explain every read.

use super::independent::independent_key;
use crate::registry::WorkloadEntry;
use linsim_checker::{Function, Value};
use linsim_sim::{ClientOp, OpMix, Workload};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Increments of 1 to 5 and reads: reads as the mix says. Increments of different
/// sizes make a read's value say which of them it saw.
pub struct CounterWorkload;

impl Workload for CounterWorkload {
    fn name(&self) -> &str {
        "counter"
    }
    fn model(&self) -> &'static str {
        "counter"
    }
    fn next_op(&self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        let key = independent_key(rng, &mix, "c", 1);
        if mix.read(rng) {
            return ClientOp {
                f: Function::Read,
                key,
                input: vec![],
            };
        }
        ClientOp {
            f: Function::Increment,
            key,
            input: vec![Value::Int(rng.random_range(1..=5))],
        }
    }
}

inventory::submit! {
    WorkloadEntry {
        name: "counter",
        description: "increments of 1-5 and reads of counters; one key per group of key_processes processes, fresh keys every key_lifetime_ms (counter model, checked per key)",
        make: || Arc::new(CounterWorkload),
    }
}
