//! `queue`: enqueues of unique elements and dequeues, on independent keys, as Jepsen's
//! queue workloads run them. Checked per key with the fifo-queue model: every dequeue
//! takes the oldest element still queued, nothing is dequeued twice or out of nowhere.

use super::independent::independent_key;
use crate::registry::WorkloadEntry;
use linsim_checker::{Function, Outcome, Value};
use linsim_sim::{ClientOp, Generator, OpMix, Workload};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::Arc;

/// Enqueues and dequeues, half each. Each process enqueues elements of its own
/// (`process << 20 | n`), so every element is enqueued once in the run. The final
/// operation is a dequeue (it must be served, like every workload's final read).
pub struct QueueWorkload;

const PER_PROCESS: i64 = 1 << 20;

/// Queues a group works on at once: a queue's history is checked by a search that
/// branches at every operation of unknown outcome, so each queue gets a share of them.
const KEYS_PER_GROUP: u64 = 4;

/// One process: the next element it enqueues.
struct QueueProcess {
    process: u64,
    next: i64,
}

impl QueueProcess {
    fn op(&mut self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        let key = independent_key(rng, &mix, "q", KEYS_PER_GROUP);
        if rng.random_bool(0.5) {
            return ClientOp {
                f: Function::Dequeue,
                key,
                input: vec![],
            };
        }
        let element = self.process as i64 * PER_PROCESS + self.next % PER_PROCESS;
        self.next += 1;
        ClientOp {
            f: Function::Enqueue,
            key,
            input: vec![Value::Int(element)],
        }
    }
}

impl Generator for QueueProcess {
    fn next_op(&mut self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        self.op(rng, mix)
    }
    fn completed(&mut self, _op: &ClientOp, _outcome: Outcome, _output: &Value) {}
}

impl Workload for QueueWorkload {
    fn name(&self) -> &str {
        "queue"
    }
    fn model(&self) -> &'static str {
        "fifo-queue"
    }
    fn next_op(&self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        QueueProcess {
            process: 0,
            next: 0,
        }
        .op(rng, mix)
    }
    fn generator(&self, process: u64) -> Option<Box<dyn Generator>> {
        Some(Box::new(QueueProcess { process, next: 0 }))
    }
    fn final_op(&self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        ClientOp {
            f: Function::Dequeue,
            key: independent_key(rng, &mix, "q", KEYS_PER_GROUP),
            input: vec![],
        }
    }
}

inventory::submit! {
    WorkloadEntry {
        name: "queue",
        description: "enqueues of unique integers and dequeues, half each; one key per group of key_processes processes, fresh keys every key_lifetime_ms (fifo-queue model, checked per key)",
        make: || Arc::new(QueueWorkload),
    }
}
