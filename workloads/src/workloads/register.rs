//! `register`: read, write and cas over small integers, on independent keys (one per
//! group of processes at a time, see `independent`). Checked as a cas-register, key by
//! key.

use super::independent::independent_key;
use crate::registry::WorkloadEntry;
use linsim_checker::{Function, Value};
use linsim_sim::{ClientOp, OpMix, Workload};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Reads, writes and compare-and-sets on one register holding 0..5: reads as the mix
/// says, the rest half writes, half cas.
pub struct RegisterWorkload;

impl Workload for RegisterWorkload {
    fn name(&self) -> &str {
        "register"
    }
    fn model(&self) -> &'static str {
        "cas-register"
    }
    fn next_op(&self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        let key = independent_key(rng, &mix, "r", 1);
        let v = |rng: &mut StdRng| Value::Int(rng.random_range(0..5));
        if mix.read(rng) {
            return ClientOp {
                f: Function::Read,
                key,
                input: vec![],
            };
        }
        match rng.random_range(0..2) {
            0 => ClientOp {
                f: Function::Write,
                key,
                input: vec![v(rng)],
            },
            _ => {
                let (a, b) = (v(rng), v(rng));
                ClientOp {
                    f: Function::Cas,
                    key,
                    input: vec![a, b],
                }
            }
        }
    }
}

inventory::submit! {
    WorkloadEntry {
        name: "register",
        description: "read, write, cas of small integers; one key per group of key_processes processes, fresh keys every key_lifetime_ms (cas-register model, checked per key)",
        make: || Arc::new(RegisterWorkload),
    }
}
