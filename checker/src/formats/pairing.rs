//! Pairing invocations with completions, one open operation per process, as Jepsen
//! records them (shared by the event-log readers).

use super::{ParseError, Pos};
use crate::history::{Function, History, Operation, Outcome, Value};
use std::collections::BTreeMap;

/// Operations being assembled from invoke and completion events.
#[derive(Default)]
pub struct Pairing {
    ops: Vec<Operation>,
    open: BTreeMap<u64, usize>,
}

impl Pairing {
    /// `process` invokes `f` on `key` with `input` at `time`. Until completed, the op's
    /// outcome is unknown (a dangling invoke never completes).
    #[allow(clippy::too_many_arguments)]
    pub fn invoke(
        &mut self,
        file: &str,
        pos: Pos,
        process: u64,
        f: Function,
        key: String,
        input: Vec<Value>,
        time: u64,
    ) -> Result<(), ParseError> {
        if self.open.contains_key(&process) {
            return Err(ParseError::at_pos(
                file,
                pos,
                format!("process {process} invokes while its previous op is still open"),
            ));
        }
        self.open.insert(process, self.ops.len());
        self.ops.push(Operation {
            process,
            f,
            key,
            input,
            output: Value::Nil,
            call: time,
            ret: None,
            outcome: Outcome::Info,
            node: None,
        });
        Ok(())
    }

    /// The open op of `process`, which completes now with function `f`.
    pub fn complete(
        &mut self,
        file: &str,
        pos: Pos,
        process: u64,
        f: Function,
    ) -> Result<&mut Operation, ParseError> {
        let Some(i) = self.open.remove(&process) else {
            return Err(ParseError::at_pos(
                file,
                pos,
                format!("process {process} completes an op it never invoked"),
            ));
        };
        let op = &mut self.ops[i];
        if op.f != f {
            return Err(ParseError::at_pos(
                file,
                pos,
                format!("completion :{f} does not match the invoked :{}", op.f),
            ));
        }
        Ok(op)
    }

    /// The history of every op seen.
    pub fn finish(self) -> History {
        History::new(self.ops)
    }
}
