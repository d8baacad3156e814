//! A counter, as Jepsen's counter workload uses one: add to it, read it.

use crate::history::{Function, Operation, Outcome, Value};
use crate::model::{Model, ModelError, Prepared};

/// An integer, initially 0. `increment n` (Jepsen's `:add n`) adds n; `read` returns
/// the value (nil reads as 0: a counter never added to). Jepsen checks counters by
/// bounds (a read lies between the adds that surely happened and those that might
/// have); this model asks more, that one order of all the operations explains every
/// read, which a counter served through one Raft log must satisfy.
#[derive(Clone, Copy, Debug, Default)]
pub struct CounterModel;

/// A counter operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CounterOp {
    /// Add this much.
    Add(i64),
    /// A read that returned this value.
    Read(i64),
}

impl Model for CounterModel {
    /// The counter's value.
    type State = i64;
    type Op = CounterOp;

    fn name(&self) -> &'static str {
        "counter"
    }

    /// Several counters (`jepsen.independent` keys) are checked one key at a time.
    fn partition_key(&self, op: &Operation) -> Option<String> {
        (!op.key.is_empty()).then(|| op.key.clone())
    }

    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<i64, CounterOp>, ModelError> {
        let int = |op: &Operation, v: &Value, what: &str| match v {
            Value::Int(n) => Ok(*n),
            Value::Nil if what == "read" => Ok(0),
            _ => Err(ModelError::new(
                "counter",
                op,
                format!("a counter's {what} must be an integer"),
            )),
        };
        let ops = ops
            .iter()
            .map(|op| match (op.f, op.input.as_slice()) {
                (Function::Increment | Function::Add, [n]) => {
                    Ok(Some(CounterOp::Add(int(op, n, "increment")?)))
                }
                // A read whose result is unknown constrains nothing.
                (Function::Read, _) if op.outcome != Outcome::Ok => Ok(None),
                (Function::Read, _) => Ok(Some(CounterOp::Read(int(op, &op.output, "read")?))),
                _ => Err(ModelError::new(
                    "counter",
                    op,
                    "the counter model checks :add n (or :increment n) and :read only",
                )),
            })
            .collect::<Result<_, _>>()?;
        Ok(Prepared { init: 0, ops })
    }

    fn step(&self, value: &i64, op: &CounterOp) -> Option<i64> {
        match op {
            CounterOp::Add(n) => Some(value.wrapping_add(*n)),
            CounterOp::Read(v) => (v == value).then_some(*value),
        }
    }

    fn is_read_only(&self, op: &CounterOp) -> bool {
        matches!(op, CounterOp::Read(_))
    }

    fn describe_state(&self, value: &i64) -> String {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use crate::history::{Function, History, Operation, Outcome, Value};
    use crate::{check, CheckOptions, CounterModel, Verdict};

    fn op(
        process: u64,
        f: Function,
        input: Option<i64>,
        out: Value,
        call: u64,
        ret: u64,
    ) -> Operation {
        Operation {
            process,
            f,
            key: String::new(),
            input: input.map(Value::Int).into_iter().collect(),
            output: out,
            call,
            ret: Some(ret),
            outcome: Outcome::Ok,
            node: None,
        }
    }

    fn verdict(ops: Vec<Operation>) -> Verdict {
        let history = History { model: None, ops };
        check(&CounterModel, &history, &CheckOptions::default())
            .expect("a counter history")
            .verdict
    }

    #[test]
    fn reads_see_the_adds_before_them_and_may_see_concurrent_ones() {
        use Function::{Increment, Read};
        // add 1 [0,10]; add 2 [5,20] concurrent with a read of 1 [8,12]; read 3 after.
        let ok = vec![
            op(0, Increment, Some(1), Value::Nil, 0, 10),
            op(1, Increment, Some(2), Value::Nil, 5, 20),
            op(2, Read, None, Value::Int(1), 11, 12),
            op(2, Read, None, Value::Int(3), 21, 22),
        ];
        assert_eq!(verdict(ok), Verdict::Ok);
        // A read of 2 after both adds returned is impossible.
        let lost = vec![
            op(0, Increment, Some(1), Value::Nil, 0, 10),
            op(1, Increment, Some(2), Value::Nil, 5, 20),
            op(2, Read, None, Value::Int(2), 21, 22),
        ];
        assert_eq!(verdict(lost), Verdict::Illegal);
        // Nil is a counter never added to; Jepsen's :add is an increment.
        let jepsen = vec![
            op(0, Read, None, Value::Nil, 0, 1),
            op(0, Function::Add, Some(4), Value::Nil, 2, 3),
            op(0, Read, None, Value::Int(4), 4, 5),
        ];
        assert_eq!(verdict(jepsen), Verdict::Ok);
    }
}
