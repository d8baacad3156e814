//! Registers read and written by transactions, as Knossos's `multi-register`.

use crate::history::{Function, Operation, Outcome, Value};
use crate::model::{Model, ModelError, Prepared};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Several registers, each initially nil (or the value `with_init` gives it), read and
/// written only by transactions: a `txn` is a list of micro-operations `[:read k v]`
/// and `[:write k v]` (`:r`, `:w` too) applied in order, atomically. A read of nil
/// constrains nothing, as in Knossos (Jepsen fills in read values on completion, so nil
/// means "not known"); a transaction with an unknown outcome has unknown reads too.
#[derive(Clone, Debug, Default)]
pub struct MultiRegisterModel {
    /// Initial values of registers (others start nil).
    init: Vec<(Value, Value)>,
}

impl MultiRegisterModel {
    /// The registers, `init` giving some their initial value (Knossos's
    /// `(multi-register {:x 0 :y 0})`); the others start nil.
    pub fn with_init(init: Vec<(Value, Value)>) -> MultiRegisterModel {
        MultiRegisterModel { init }
    }
}

/// One micro-operation, over register numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Micro {
    /// Register `.0` held `.1`.
    Read(usize, Value),
    /// Register `.0` is set to `.1`.
    Write(usize, Value),
}

/// A transaction's micro-operations.
pub type Txn = Vec<Micro>;

/// Every register's value, by register number; the names are shared.
#[derive(Clone, Debug)]
pub struct Registers {
    values: Vec<Value>,
    names: Arc<Vec<Value>>,
}

impl PartialEq for Registers {
    fn eq(&self, other: &Registers) -> bool {
        self.values == other.values
    }
}

impl Eq for Registers {}

impl std::hash::Hash for Registers {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.values.hash(h);
    }
}

/// A micro-operation as written: whether it writes, its key, its value.
type RawMicro<'a> = (bool, &'a Value, &'a Value);

/// The micro-operations `[f k v]` of a transaction value.
fn micro_ops<'a>(op: &Operation, v: &'a Value) -> Result<Vec<RawMicro<'a>>, ModelError> {
    let bad = |why: &str| ModelError::new("multi-register", op, why);
    let Value::List(items) = v else {
        return Err(bad(
            "a txn's value must be a list of [:read k v] / [:write k v]",
        ));
    };
    items
        .iter()
        .map(|m| match m {
            Value::List(parts) => match parts.as_slice() {
                [Value::Keyword(f), k, v] if f == "read" || f == "r" => Ok((false, k, v)),
                [Value::Keyword(f), k, v] if f == "write" || f == "w" => Ok((true, k, v)),
                _ => Err(bad("a micro-operation must be [:read k v] or [:write k v]")),
            },
            _ => Err(bad("a micro-operation must be [:read k v] or [:write k v]")),
        })
        .collect()
}

/// The micro-operations that decide what a transaction did: the completion's when it
/// is known, else the invocation's (with reads unknown).
fn decisive(op: &Operation) -> Result<(Vec<RawMicro<'_>>, bool), ModelError> {
    let input = match op.input.as_slice() {
        [v] => v,
        _ => {
            return Err(ModelError::new(
                "multi-register",
                op,
                "a txn takes one list of micro-operations",
            ))
        }
    };
    if op.f != Function::Txn {
        return Err(ModelError::new(
            "multi-register",
            op,
            "the multi-register model checks :txn only",
        ));
    }
    let known = op.outcome == Outcome::Ok && op.output != Value::Nil;
    let value = if known { &op.output } else { input };
    Ok((micro_ops(op, value)?, known))
}

impl Model for MultiRegisterModel {
    type State = Registers;
    type Op = Txn;

    fn name(&self) -> &'static str {
        "multi-register"
    }

    /// Several independent groups of registers (`jepsen.independent` keys) are checked
    /// one key at a time.
    fn partition_key(&self, op: &Operation) -> Option<String> {
        (!op.key.is_empty()).then(|| op.key.clone())
    }

    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<Registers, Txn>, ModelError> {
        let mut names: BTreeMap<Value, usize> = BTreeMap::new();
        for (k, _) in &self.init {
            names.insert(k.clone(), 0);
        }
        let mut decided = Vec::with_capacity(ops.len());
        for op in ops {
            let (micros, known) = decisive(op)?;
            for (_, k, _) in &micros {
                names.insert((*k).clone(), 0);
            }
            decided.push((micros, known));
        }
        for (i, slot) in names.values_mut().enumerate() {
            *slot = i;
        }
        let txns = decided
            .into_iter()
            .map(|(micros, known)| {
                let txn: Txn = micros
                    .into_iter()
                    .filter_map(|(write, k, v)| {
                        let k = names[k];
                        match (write, v) {
                            (true, v) => Some(Micro::Write(k, v.clone())),
                            // Nil and unknown reads constrain nothing.
                            (false, Value::Nil) => None,
                            (false, _) if !known => None,
                            (false, v) => Some(Micro::Read(k, v.clone())),
                        }
                    })
                    .collect();
                (!txn.is_empty()).then_some(txn)
            })
            .collect();
        Ok(Prepared {
            init: Registers {
                values: names
                    .keys()
                    .map(|k| {
                        self.init
                            .iter()
                            .find(|(name, _)| name == k)
                            .map_or(Value::Nil, |(_, v)| v.clone())
                    })
                    .collect(),
                names: Arc::new(names.into_keys().collect()),
            },
            ops: txns,
        })
    }

    fn step(&self, state: &Registers, txn: &Txn) -> Option<Registers> {
        let mut next = state.clone();
        for m in txn {
            match m {
                Micro::Read(k, v) => {
                    if next.values[*k] != *v {
                        return None;
                    }
                }
                Micro::Write(k, v) => next.values[*k] = v.clone(),
            }
        }
        Some(next)
    }

    /// The registers a transaction reads (with a known value) or writes: transactions
    /// over disjoint registers are independent.
    fn parts(&self, txn: &Txn) -> Vec<usize> {
        txn.iter()
            .map(|m| match m {
                Micro::Read(k, _) | Micro::Write(k, _) => *k,
            })
            .collect()
    }

    fn is_read_only(&self, txn: &Txn) -> bool {
        txn.iter().all(|m| matches!(m, Micro::Read(..)))
    }

    fn describe_state(&self, state: &Registers) -> String {
        let parts: Vec<String> = state
            .names
            .iter()
            .zip(&state.values)
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        format!("{{{}}}", parts.join(", "))
    }

    fn heap_bytes(&self, state: &Registers) -> usize {
        state.values.len() * std::mem::size_of::<Value>()
            + state.values.iter().map(Value::heap_bytes).sum::<usize>()
    }
}
