//! `lock`: processes take a lock and release it, as Jepsen's lock workloads do: a
//! process that holds the lock releases it next, one that does not tries to take it.
//! A lock records its holder (the process's token), so only the holder frees it.
//! Checked per key with the mutex model: no two processes hold the lock at once.

use super::independent::independent_key;
use crate::registry::WorkloadEntry;
use linsim_checker::{Function, Outcome, Value};
use linsim_sim::{ClientOp, Generator, OpMix, Workload};
use rand::rngs::StdRng;
use std::sync::Arc;

/// Acquire, then release once acquired. A process's token is its process number.
pub struct LockWorkload;

/// One process: the lock it holds, if any.
struct LockProcess {
    token: i64,
    held: Option<String>,
}

impl LockProcess {
    fn op(&mut self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        let (f, key) = match &self.held {
            Some(key) => (Function::Release, key.clone()),
            None => (Function::Acquire, independent_key(rng, &mix, "l", 1)),
        };
        ClientOp {
            f,
            key,
            input: vec![Value::Int(self.token)],
        }
    }
}

impl Generator for LockProcess {
    fn next_op(&mut self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        self.op(rng, mix)
    }

    fn completed(&mut self, op: &ClientOp, outcome: Outcome, _output: &Value) {
        match (op.f, outcome) {
            (Function::Acquire, Outcome::Ok) => self.held = Some(op.key.clone()),
            // Released, or refused: this process does not hold it (a refused release
            // means the lock was not ours to free).
            (Function::Release, Outcome::Ok | Outcome::Fail) => self.held = None,
            // A failed acquire: try again (maybe another key later). Unknown: the
            // process retires with its generator.
            _ => {}
        }
    }
}

impl Workload for LockWorkload {
    fn name(&self) -> &str {
        "lock"
    }
    fn model(&self) -> &'static str {
        "mutex"
    }
    fn next_op(&self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        LockProcess {
            token: 0,
            held: None,
        }
        .op(rng, mix)
    }
    fn generator(&self, process: u64) -> Option<Box<dyn Generator>> {
        Some(Box::new(LockProcess {
            token: process as i64,
            held: None,
        }))
    }
    fn final_op(&self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        // The final operation must be served; an acquire may be refused, which is
        // an answer too.
        self.next_op(rng, mix)
    }
}

inventory::submit! {
    WorkloadEntry {
        name: "lock",
        description: "processes acquire a lock (their token) and release it once held; one lock per group of key_processes processes, fresh locks every key_lifetime_ms (mutex model, checked per key)",
        make: || Arc::new(LockWorkload),
    }
}
