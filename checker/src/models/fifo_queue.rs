//! A first-in first-out queue, as Knossos's `fifo-queue`: enqueue, dequeue.

use super::elements::Elements;
use crate::history::{Function, Operation, Outcome, Value};
use crate::model::{Model, ModelError, Prepared};
use std::collections::VecDeque;
use std::sync::Arc;

/// A queue, initially empty. `enqueue v` appends v; `dequeue` returns the oldest
/// element and removes it; a dequeue that returned nil found the queue empty (Jepsen
/// usually records that as `:fail`, which did not happen). A dequeue with an unknown
/// result removes the oldest element if there is one.
#[derive(Clone, Copy, Debug, Default)]
pub struct FifoQueueModel;

/// The queued elements (numbers), oldest first.
#[derive(Clone, Debug)]
pub struct QueueState {
    items: VecDeque<u32>,
    elements: Arc<Elements>,
}

impl PartialEq for QueueState {
    fn eq(&self, other: &QueueState) -> bool {
        self.items == other.items
    }
}

impl Eq for QueueState {}

impl std::hash::Hash for QueueState {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.items.hash(h);
    }
}

/// A queue operation, over element numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueueOp {
    /// Enqueue element `.0`.
    Enqueue(u32),
    /// A dequeue that returned element `.0`.
    Dequeue(u32),
    /// A dequeue that found the queue empty.
    DequeueEmpty,
    /// A dequeue whose result is unknown.
    DequeueUnknown,
}

/// The queue operations of a partition and its element numbering (shared by both
/// queue models).
pub fn prepare_queue(
    model: &'static str,
    ops: &[&Operation],
) -> Result<(Vec<QueueOp>, Elements), ModelError> {
    let mut values = Vec::new();
    for op in ops {
        match (op.f, op.input.as_slice(), op.outcome) {
            (Function::Enqueue, [v], _) => values.push(v),
            (Function::Enqueue, _, _) => {
                return Err(ModelError::new(model, op, "an enqueue takes one element"))
            }
            (Function::Dequeue, _, Outcome::Ok) if op.output != Value::Nil => {
                values.push(&op.output)
            }
            (Function::Dequeue, _, _) => {}
            _ => {
                return Err(ModelError::new(
                    model,
                    op,
                    format!("the {model} model checks :enqueue and :dequeue only"),
                ))
            }
        }
    }
    let elements = Elements::new(values);
    let out = ops
        .iter()
        .map(|op| match (op.f, op.input.as_slice(), op.outcome) {
            (Function::Enqueue, [v], _) => QueueOp::Enqueue(elements.number(v)),
            (_, _, Outcome::Ok) if op.output == Value::Nil => QueueOp::DequeueEmpty,
            (_, _, Outcome::Ok) => QueueOp::Dequeue(elements.number(&op.output)),
            _ => QueueOp::DequeueUnknown,
        })
        .collect();
    Ok((out, elements))
}

/// Elements listed by value, for reports.
pub fn describe_items(items: impl Iterator<Item = u32>, elements: &Elements) -> String {
    let parts: Vec<String> = items.map(|i| elements.value(i).to_string()).collect();
    format!("[{}]", parts.join(" "))
}

impl Model for FifoQueueModel {
    type State = QueueState;
    type Op = QueueOp;

    fn name(&self) -> &'static str {
        "fifo-queue"
    }

    /// Several queues (`jepsen.independent` keys) are checked one key at a time.
    fn partition_key(&self, op: &Operation) -> Option<String> {
        (!op.key.is_empty()).then(|| op.key.clone())
    }

    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<QueueState, QueueOp>, ModelError> {
        let (ops, elements) = prepare_queue("fifo-queue", ops)?;
        Ok(Prepared {
            init: QueueState {
                items: VecDeque::new(),
                elements: Arc::new(elements),
            },
            ops: ops.into_iter().map(Some).collect(),
        })
    }

    fn step(&self, state: &QueueState, op: &QueueOp) -> Option<QueueState> {
        let mut next = state.clone();
        match op {
            QueueOp::Enqueue(v) => next.items.push_back(*v),
            QueueOp::Dequeue(v) => {
                if next.items.pop_front() != Some(*v) {
                    return None;
                }
            }
            QueueOp::DequeueEmpty => {
                if !next.items.is_empty() {
                    return None;
                }
            }
            QueueOp::DequeueUnknown => {
                next.items.pop_front();
            }
        }
        Some(next)
    }

    fn is_read_only(&self, op: &QueueOp) -> bool {
        matches!(op, QueueOp::DequeueEmpty)
    }

    fn describe_state(&self, state: &QueueState) -> String {
        describe_items(state.items.iter().copied(), &state.elements)
    }

    fn heap_bytes(&self, state: &QueueState) -> usize {
        state.items.len() * std::mem::size_of::<u32>()
    }
}
