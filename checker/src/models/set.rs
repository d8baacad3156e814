//! A set, as Knossos's `set`: add elements, read the whole set.

use crate::history::{Function, Operation, Outcome, Value};
use crate::model::{Model, ModelError, Prepared};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A set of values, initially empty. `add v` inserts v; `read` returns the whole set
/// (a list, in any order; nil reads as empty) and is possible only if it is exactly the
/// set. A read with an unknown result constrains nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct SetModel;

/// The set as bits over the partition's distinct elements (shared by every state of
/// the partition, so equality and hashing look at the bits only).
#[derive(Clone, Debug)]
pub struct SetState {
    bits: Vec<u64>,
    elements: Arc<Vec<Value>>,
}

impl PartialEq for SetState {
    fn eq(&self, other: &SetState) -> bool {
        self.bits == other.bits
    }
}

impl Eq for SetState {}

impl std::hash::Hash for SetState {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.bits.hash(h);
    }
}

/// A set operation, over element numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetOp {
    /// Add element number `.0`.
    Add(usize),
    /// A read that returned exactly these elements (as bits).
    Read(Vec<u64>),
}

fn read_elements(op: &Operation) -> Result<Vec<Value>, ModelError> {
    match &op.output {
        Value::Nil => Ok(vec![]),
        Value::List(vs) => Ok(vs.clone()),
        _ => Err(ModelError::new(
            "set",
            op,
            "a set read must return a list of elements",
        )),
    }
}

impl Model for SetModel {
    type State = SetState;
    type Op = SetOp;

    fn name(&self) -> &'static str {
        "set"
    }

    /// Several sets (`jepsen.independent` keys) are checked one key at a time.
    fn partition_key(&self, op: &Operation) -> Option<String> {
        (!op.key.is_empty()).then(|| op.key.clone())
    }

    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<SetState, SetOp>, ModelError> {
        // Number every element added or read, in value order.
        let mut index: BTreeMap<Value, usize> = BTreeMap::new();
        for op in ops {
            match (op.f, op.input.as_slice()) {
                (Function::Add, [v]) => {
                    index.insert(v.clone(), 0);
                }
                (Function::Read, []) if op.outcome == Outcome::Ok => {
                    for v in read_elements(op)? {
                        index.insert(v, 0);
                    }
                }
                (Function::Read, []) => {}
                (Function::Add, _) => {
                    return Err(ModelError::new("set", op, "an add takes one element"))
                }
                _ => {
                    return Err(ModelError::new(
                        "set",
                        op,
                        "the set model checks :add and :read only",
                    ))
                }
            }
        }
        for (i, slot) in index.values_mut().enumerate() {
            *slot = i;
        }
        let words = index.len().div_ceil(64);
        let mut out = Vec::with_capacity(ops.len());
        for op in ops {
            out.push(match (op.f, op.input.as_slice()) {
                (Function::Add, [v]) => Some(SetOp::Add(index[v])),
                (Function::Read, _) if op.outcome == Outcome::Ok => {
                    let mut bits = vec![0u64; words];
                    for v in read_elements(op)? {
                        let i = index[&v];
                        bits[i / 64] |= 1 << (i % 64);
                    }
                    Some(SetOp::Read(bits))
                }
                _ => None,
            });
        }
        Ok(Prepared {
            init: SetState {
                bits: vec![0; words],
                elements: Arc::new(index.into_keys().collect()),
            },
            ops: out,
        })
    }

    fn step(&self, state: &SetState, op: &SetOp) -> Option<SetState> {
        match op {
            SetOp::Add(i) => {
                let mut next = state.clone();
                next.bits[i / 64] |= 1 << (i % 64);
                Some(next)
            }
            SetOp::Read(bits) => (*bits == state.bits).then(|| state.clone()),
        }
    }

    fn is_read_only(&self, op: &SetOp) -> bool {
        matches!(op, SetOp::Read(_))
    }

    fn describe_state(&self, state: &SetState) -> String {
        let members: Vec<String> = state
            .elements
            .iter()
            .enumerate()
            .filter(|(i, _)| state.bits[i / 64] & (1 << (i % 64)) != 0)
            .map(|(_, v)| v.to_string())
            .collect();
        format!("#{{{}}}", members.join(" "))
    }

    fn heap_bytes(&self, state: &SetState) -> usize {
        state.bits.len() * 8
    }
}
