//! Pairing invocations with completions, one open operation per process, as Jepsen
//! records them and Knossos reads them (shared by the event-log readers).
//!
//! A process runs one operation at a time. An operation that ends `:info` may still be
//! running (its outcome is unknown), so its process never invokes again: Jepsen gives a
//! crashed client a new process, and Knossos refuses a history that reuses one. An
//! invocation still open at the end of the file never completed. Every refusal names
//! the place of the entry and of the operation it conflicts with.

use super::{ParseError, Pos};
use crate::history::{Function, History, Operation, Outcome, Value};
use std::collections::BTreeMap;

/// What a process is doing.
#[derive(Clone, Copy)]
enum Busy {
    /// Running op `.0`, invoked at `.1`.
    Open(usize, Pos),
    /// Its op invoked at `.0` ended `:info` at `.1`: it may still be running.
    Crashed(Pos, Pos),
}

/// Operations being assembled from invoke and completion events.
#[derive(Default)]
pub struct Pairing {
    ops: Vec<Operation>,
    /// Where each op was invoked.
    places: Vec<Pos>,
    busy: BTreeMap<u64, Busy>,
}

/// A completion found its op, or completes nothing (an `:info` of a process with no op
/// open, which Knossos ignores).
pub enum Completed<'a> {
    /// The op it completes.
    Op(&'a mut Operation),
    /// Nothing to complete.
    Stray,
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
        match self.busy.get(&process) {
            Some(Busy::Open(_, at)) => {
                return Err(ParseError::at_pos(
                    file,
                    pos,
                    format!(
                        "process {process} invokes while its op invoked at line {} is still open (a process runs one op at a time)",
                        at.line
                    ),
                ))
            }
            Some(Busy::Crashed(at, info)) => {
                return Err(ParseError::at_pos(
                    file,
                    pos,
                    format!(
                        "process {process} invokes again after its op invoked at line {} ended :info at line {}: that op may still be running, so the process cannot run another (Jepsen gives a crashed client a new process; Knossos refuses such a history)",
                        at.line, info.line
                    ),
                ))
            }
            None => {}
        }
        self.busy.insert(process, Busy::Open(self.ops.len(), pos));
        self.places.push(pos);
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

    /// The open op of `process`, which completes now with function `f` (`Err`: the
    /// entry's function is not one linsim knows, with the message to give) and `kind`.
    pub fn complete(
        &mut self,
        file: &str,
        pos: Pos,
        process: u64,
        f: Result<Function, String>,
        outcome: Outcome,
    ) -> Result<Completed<'_>, ParseError> {
        let kind = match outcome {
            Outcome::Ok => ":ok",
            Outcome::Fail => ":fail",
            Outcome::Info => ":info",
        };
        let i = match self.busy.get(&process) {
            Some(&Busy::Open(i, _)) => i,
            None | Some(Busy::Crashed(..)) if outcome == Outcome::Info => {
                return Ok(Completed::Stray)
            }
            Some(Busy::Crashed(at, info)) => {
                return Err(ParseError::at_pos(
                    file,
                    pos,
                    format!(
                        "process {process} completes ({kind}) an op after its op invoked at line {} ended :info at line {}",
                        at.line, info.line
                    ),
                ))
            }
            None => {
                return Err(ParseError::at_pos(
                    file,
                    pos,
                    format!("process {process} completes ({kind}) an op it never invoked"),
                ))
            }
        };
        let f = f.map_err(|msg| ParseError::at_pos(file, pos, msg))?;
        let invoked = self.places[i];
        let invoked_f = self.ops[i].f;
        if invoked_f != f {
            return Err(ParseError::at_pos(
                file,
                pos,
                format!(
                    "completion :{f} does not match the invoked :{invoked_f} (line {})",
                    invoked.line
                ),
            ));
        }
        if outcome == Outcome::Info {
            self.busy.insert(process, Busy::Crashed(invoked, pos));
        } else {
            self.busy.remove(&process);
        }
        Ok(Completed::Op(&mut self.ops[i]))
    }

    /// The history of every op seen (in call order), and the line of each op's
    /// invocation.
    pub fn finish(self) -> (History, Vec<usize>) {
        let mut order: Vec<usize> = (0..self.ops.len()).collect();
        order.sort_by_key(|&i| self.ops[i].call);
        let lines = order.iter().map(|&i| self.places[i].line).collect();
        let mut ops: Vec<Option<Operation>> = self.ops.into_iter().map(Some).collect();
        let ops = order
            .iter()
            .map(|&i| ops[i].take().expect("each op once"))
            .collect();
        (History::new(ops), lines)
    }
}
