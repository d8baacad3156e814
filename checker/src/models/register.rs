//! A single register: read and write, and optionally compare-and-set.

use super::register_unknowns::unknowns;
use crate::history::{Function, Operation, Outcome, Value};
use crate::model::{Model, ModelError, Prepared};
use std::fmt;
use std::sync::Arc;

/// A register, initially nil (or the value `with_init` gives). `register` allows read
/// and write; `cas-register` also cas `[expected new]`, which returns true and swaps iff
/// the value is `expected` (a cas that returned false happened and changed nothing, as
/// porcupine reads Jepsen's etcd logs). Writes of unknown outcome that nothing observed
/// are left out, and those whose value was observed are bounded by the observation
/// (`register_unknowns`).
#[derive(Clone, Debug)]
pub struct RegisterModel {
    cas: bool,
    init: Reg,
}

impl RegisterModel {
    /// The read/write register.
    pub fn register() -> RegisterModel {
        RegisterModel {
            cas: false,
            init: Reg::Nil,
        }
    }

    /// The read/write/cas register.
    pub fn cas_register() -> RegisterModel {
        RegisterModel {
            cas: true,
            init: Reg::Nil,
        }
    }

    /// The same register, initially `value` (Knossos's `(cas-register 0)`).
    pub fn with_init(self, value: &Value) -> RegisterModel {
        RegisterModel {
            init: Reg::new(value),
            ..self
        }
    }
}

/// A register's value as the search holds it: nil and integers inline, anything else
/// (a string, a keyword, a list) shared with the operation that wrote it. The search
/// clones, compares, hashes and drops a state at every step; `Value` is a recursive enum
/// whose clone and drop are calls that allocate and free, where a `Reg` of an integer is
/// copied and dropped for nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reg {
    /// Nil: never written.
    Nil,
    /// An integer.
    Int(i64),
    /// Any other value (never nil nor an integer, so equal values are equal `Reg`s).
    Other(Arc<Value>),
}

impl Reg {
    /// The register form of `v`.
    pub fn new(v: &Value) -> Reg {
        match v {
            Value::Nil => Reg::Nil,
            Value::Int(i) => Reg::Int(*i),
            other => Reg::Other(Arc::new(other.clone())),
        }
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reg::Nil => fmt::Display::fmt(&Value::Nil, f),
            Reg::Int(i) => fmt::Display::fmt(&Value::Int(*i), f),
            Reg::Other(v) => fmt::Display::fmt(&**v, f),
        }
    }
}

/// A register operation; `None` outputs are unknown (the operation timed out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegisterOp {
    /// A read that returned this value.
    Read(Reg),
    /// A write of this value.
    Write(Reg),
    /// A cas from `.0` to `.1` that returned `.2` (`None`: unknown).
    Cas(Reg, Reg, Option<bool>),
}

fn error(model: &'static str, op: &Operation, reason: &str) -> ModelError {
    ModelError {
        model,
        op: op.describe(),
        reason: reason.to_string(),
        index: None,
    }
}

impl Model for RegisterModel {
    type State = Reg;
    type Op = RegisterOp;

    fn name(&self) -> &'static str {
        if self.cas {
            "cas-register"
        } else {
            "register"
        }
    }

    /// A history of several registers (`jepsen.independent` keys) is checked one key at
    /// a time; a single register has the empty key and one partition.
    fn partition_key(&self, op: &Operation) -> Option<String> {
        (!op.key.is_empty()).then(|| op.key.clone())
    }

    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<Reg, RegisterOp>, ModelError> {
        let name = self.name();
        let unknowns = unknowns(ops, &self.init);
        let mut out = Vec::with_capacity(ops.len());
        for (op, &dropped) in ops.iter().zip(&unknowns.dropped) {
            let known = op.outcome == Outcome::Ok;
            let prepared = match (op.f, op.input.as_slice()) {
                (Function::Read, []) => known.then(|| RegisterOp::Read(Reg::new(&op.output))),
                (Function::Write, [_]) if dropped => None,
                (Function::Cas, [_, _]) if dropped && self.cas => None,
                (Function::Write, [v]) => Some(RegisterOp::Write(Reg::new(v))),
                (Function::Cas, [from, to]) if self.cas => {
                    let result = match (known, &op.output) {
                        (false, _) => None,
                        (true, Value::Bool(b)) => Some(*b),
                        (true, _) => {
                            return Err(error(name, op, "a cas must return true or false"))
                        }
                    };
                    Some(RegisterOp::Cas(Reg::new(from), Reg::new(to), result))
                }
                (Function::Cas, _) if !self.cas => {
                    return Err(error(name, op, "cas needs the cas-register model"))
                }
                (Function::Append, _) => return Err(error(name, op, "append needs the kv model")),
                _ => return Err(error(name, op, "wrong number of arguments")),
            };
            out.push(prepared);
        }
        Ok(Prepared {
            init: self.init.clone(),
            ops: out,
        })
    }

    fn deadlines(&self, ops: &[&Operation]) -> Vec<Option<u64>> {
        unknowns(ops, &self.init).deadlines
    }

    fn step(&self, state: &Reg, op: &RegisterOp) -> Option<Reg> {
        match op {
            RegisterOp::Read(v) => (v == state).then(|| state.clone()),
            RegisterOp::Write(v) => Some(v.clone()),
            RegisterOp::Cas(from, to, result) => {
                let swaps = from == state;
                match result {
                    Some(r) if *r != swaps => None,
                    _ if swaps => Some(to.clone()),
                    _ => Some(state.clone()),
                }
            }
        }
    }

    fn is_read_only(&self, op: &RegisterOp) -> bool {
        matches!(op, RegisterOp::Read(_) | RegisterOp::Cas(_, _, Some(false)))
    }

    fn describe_state(&self, state: &Reg) -> String {
        state.to_string()
    }

    // heap_bytes: 0, the default. A state owns no heap: a value that is not an integer
    // is shared with the operation that wrote it.
}
