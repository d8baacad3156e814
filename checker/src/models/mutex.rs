//! A mutex, as Knossos's `mutex`: acquire when free, release when held.

use crate::history::{Function, Operation};
use crate::model::{Model, ModelError, Prepared};

/// A lock, initially free. `acquire` takes it and is impossible while it is held;
/// `release` frees it and is impossible while it is free. Operations with an unknown
/// outcome may or may not have happened.
#[derive(Clone, Copy, Debug, Default)]
pub struct MutexModel;

/// A mutex operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MutexOp {
    /// Take the lock.
    Acquire,
    /// Free the lock.
    Release,
}

impl Model for MutexModel {
    /// Whether the lock is held.
    type State = bool;
    type Op = MutexOp;

    fn name(&self) -> &'static str {
        "mutex"
    }

    /// Several mutexes (`jepsen.independent` keys) are checked one key at a time.
    fn partition_key(&self, op: &Operation) -> Option<String> {
        (!op.key.is_empty()).then(|| op.key.clone())
    }

    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<bool, MutexOp>, ModelError> {
        let ops = ops
            .iter()
            .map(|op| match op.f {
                Function::Acquire => Ok(Some(MutexOp::Acquire)),
                Function::Release => Ok(Some(MutexOp::Release)),
                _ => Err(ModelError::new(
                    "mutex",
                    op,
                    "the mutex model checks :acquire and :release only",
                )),
            })
            .collect::<Result<_, _>>()?;
        Ok(Prepared { init: false, ops })
    }

    fn step(&self, held: &bool, op: &MutexOp) -> Option<bool> {
        match op {
            MutexOp::Acquire => (!held).then_some(true),
            MutexOp::Release => held.then_some(false),
        }
    }

    fn describe_state(&self, held: &bool) -> String {
        if *held { "held" } else { "free" }.to_string()
    }
}
