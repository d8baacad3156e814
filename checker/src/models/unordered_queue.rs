//! A queue without order, as Knossos's `unordered-queue`: enqueue, dequeue any element.

use super::elements::Elements;
use super::fifo_queue::{describe_items, prepare_queue, QueueOp};
use crate::history::Operation;
use crate::model::{ModelError, NondeterministicModel, Prepared};
use std::sync::Arc;

/// A multiset, initially empty. `enqueue v` adds v; `dequeue` returns any element
/// present and removes it; a dequeue that returned nil found the queue empty. A dequeue
/// with an unknown result may have removed any element: the model is nondeterministic,
/// so it is checked through `PowerSet`. When no dequeue of a partition found the queue
/// empty, unknown dequeues are left out: an extra element can never make a later
/// operation impossible.
#[derive(Clone, Copy, Debug, Default)]
pub struct UnorderedQueueModel;

/// How many of each element (by number) are queued.
#[derive(Clone, Debug)]
pub struct Multiset {
    counts: Vec<u32>,
    elements: Arc<Elements>,
}

impl PartialEq for Multiset {
    fn eq(&self, other: &Multiset) -> bool {
        self.counts == other.counts
    }
}

impl Eq for Multiset {}

impl PartialOrd for Multiset {
    fn partial_cmp(&self, other: &Multiset) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Multiset {
    fn cmp(&self, other: &Multiset) -> std::cmp::Ordering {
        self.counts.cmp(&other.counts)
    }
}

impl std::hash::Hash for Multiset {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.counts.hash(h);
    }
}

impl NondeterministicModel for UnorderedQueueModel {
    type State = Multiset;
    type Op = QueueOp;

    fn name(&self) -> &'static str {
        "unordered-queue"
    }

    /// Several queues (`jepsen.independent` keys) are checked one key at a time.
    fn partition_key(&self, op: &Operation) -> Option<String> {
        (!op.key.is_empty()).then(|| op.key.clone())
    }

    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<Vec<Multiset>, QueueOp>, ModelError> {
        let (ops, elements) = prepare_queue("unordered-queue", ops)?;
        let empties = ops.contains(&QueueOp::DequeueEmpty);
        Ok(Prepared {
            init: vec![Multiset {
                counts: vec![0; elements.len()],
                elements: Arc::new(elements),
            }],
            ops: ops
                .into_iter()
                .map(|op| (empties || op != QueueOp::DequeueUnknown).then_some(op))
                .collect(),
        })
    }

    fn step(&self, state: &Multiset, op: &QueueOp) -> Vec<Multiset> {
        let with = |i: usize, delta: i64| {
            let mut next = state.clone();
            next.counts[i] = (next.counts[i] as i64 + delta) as u32;
            next
        };
        match op {
            QueueOp::Enqueue(v) => vec![with(*v as usize, 1)],
            QueueOp::Dequeue(v) if state.counts[*v as usize] > 0 => vec![with(*v as usize, -1)],
            QueueOp::Dequeue(_) => vec![],
            QueueOp::DequeueEmpty if state.counts.iter().all(|&c| c == 0) => vec![state.clone()],
            QueueOp::DequeueEmpty => vec![],
            QueueOp::DequeueUnknown => {
                let nexts: Vec<Multiset> = (0..state.counts.len())
                    .filter(|&i| state.counts[i] > 0)
                    .map(|i| with(i, -1))
                    .collect();
                if nexts.is_empty() {
                    vec![state.clone()]
                } else {
                    nexts
                }
            }
        }
    }

    fn describe_state(&self, state: &Multiset) -> String {
        let items = state
            .counts
            .iter()
            .enumerate()
            .flat_map(|(i, &c)| std::iter::repeat_n(i as u32, c as usize));
        describe_items(items, &state.elements)
    }

    fn heap_bytes(&self, state: &Multiset) -> usize {
        state.counts.len() * std::mem::size_of::<u32>()
    }
}
