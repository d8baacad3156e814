//! `set`: adds of unique elements and reads of the whole set, as Jepsen's set workload
//! runs them, on independent keys. Checked per key with the set model: every element
//! whose add succeeded must be in every read after it, and no read may hold an element
//! nobody added.

use super::independent::independent_key;
use crate::registry::WorkloadEntry;
use linsim_checker::{Function, Outcome, Value};
use linsim_sim::{ClientOp, Generator, OpMix, Workload};
use rand::rngs::StdRng;
use std::sync::Arc;

/// Adds and reads: reads as the mix says. Each process adds elements of its own
/// (`process << 20 | n`), so every element is added once in the run.
pub struct SetWorkload;

/// Elements a process numbers before its numbers would reach the next process's.
const PER_PROCESS: i64 = 1 << 20;

/// Sets a group works on at once: each set gets a share of the adds of unknown
/// outcome, at which the search branches.
const KEYS_PER_GROUP: u64 = 4;

/// One process: the next element it adds.
struct SetProcess {
    process: u64,
    next: i64,
}

impl SetProcess {
    fn op(&mut self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        let key = independent_key(rng, &mix, "s", KEYS_PER_GROUP);
        if mix.read(rng) {
            return ClientOp {
                f: Function::Read,
                key,
                input: vec![],
            };
        }
        let element = self.process as i64 * PER_PROCESS + self.next % PER_PROCESS;
        self.next += 1;
        ClientOp {
            f: Function::Add,
            key,
            input: vec![Value::Int(element)],
        }
    }
}

impl Generator for SetProcess {
    fn next_op(&mut self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        self.op(rng, mix)
    }
    fn completed(&mut self, _op: &ClientOp, _outcome: Outcome, _output: &Value) {}
}

impl Workload for SetWorkload {
    fn name(&self) -> &str {
        "set"
    }
    fn model(&self) -> &'static str {
        "set"
    }
    fn next_op(&self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        SetProcess {
            process: 0,
            next: 0,
        }
        .op(rng, mix)
    }
    fn generator(&self, process: u64) -> Option<Box<dyn Generator>> {
        Some(Box::new(SetProcess { process, next: 0 }))
    }
}

inventory::submit! {
    WorkloadEntry {
        name: "set",
        description: "adds of unique integers and reads of the whole set; one key per group of key_processes processes, fresh keys every key_lifetime_ms (set model, checked per key)",
        make: || Arc::new(SetWorkload),
    }
}
