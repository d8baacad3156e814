//! The model states along a linearization: what porcupine's visualizer shows next to
//! each step. A check reports the order (`PartitionResult::linearization`, or a
//! counterexample's prefix); `replay` walks the model along it and describes the state
//! after every step.

use crate::history::{History, Outcome};
use crate::model::Model;
use std::collections::BTreeMap;
use thiserror::Error;

/// The states along one partition's linearization (or longest linearizable prefix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    /// The partition's initial state, described.
    pub init: String,
    /// The state after each step of the order, described (index-aligned with it).
    pub states: Vec<String>,
}

/// Why an order could not be replayed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ReplayError {
    /// The model cannot interpret an operation of the partition.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    /// The order names an op that is not in the partition (another key, a failed op,
    /// a read the model drops, or an index past the history).
    #[error("step {step}: op {op} is not an op of partition {key:?} that the model checks")]
    NotInPartition {
        /// The step (0-based).
        step: usize,
        /// The history index named.
        op: usize,
        /// The partition.
        key: Option<String>,
    },
    /// The model refuses the op in the state the previous steps lead to.
    #[error("step {step}: the model cannot take op {op} ({desc}) in state {state}")]
    Refused {
        /// The step (0-based).
        step: usize,
        /// The history index.
        op: usize,
        /// The op, described.
        desc: String,
        /// The state before it, described.
        state: String,
    },
}

/// Walks `model` along `order` (history op indexes of the partition `key`, as a check
/// reported them) from the partition's initial state, describing the state after each
/// step. The partition is prepared exactly as the check prepares it (its ops that did
/// not fail, in history order), so the states are the check's. A state equal to the
/// one before reuses its description, so reads cost no description.
pub fn replay<M: Model>(
    model: &M,
    history: &History,
    key: Option<&str>,
    order: &[usize],
) -> Result<Replay, ReplayError> {
    let mut all = replay_all(model, history, &[(key, order)]);
    all.pop().expect("one replay per order")
}

/// `replay` of several partitions' orders, grouping the history by partition once.
pub fn replay_all<M: Model>(
    model: &M,
    history: &History,
    orders: &[(Option<&str>, &[usize])],
) -> Vec<Result<Replay, ReplayError>> {
    let mut groups: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
    for (i, op) in history.ops.iter().enumerate() {
        if op.outcome != Outcome::Fail {
            groups.entry(model.partition_key(op)).or_default().push(i);
        }
    }
    orders
        .iter()
        .map(|&(key, order)| {
            let members = groups
                .get(&key.map(String::from))
                .map_or(&[][..], Vec::as_slice);
            replay_partition(model, history, key, members, order)
        })
        .collect()
}

/// `replay` of one partition whose (not failed) ops are `members`.
fn replay_partition<M: Model>(
    model: &M,
    history: &History,
    key: Option<&str>,
    members: &[usize],
    order: &[usize],
) -> Result<Replay, ReplayError> {
    let refs: Vec<&_> = members.iter().map(|&i| &history.ops[i]).collect();
    let prepared = model.prepare(&refs)?;
    let mut model_ops: Vec<Option<M::Op>> = (0..history.ops.len()).map(|_| None).collect();
    for (op, &i) in prepared.ops.into_iter().zip(members) {
        model_ops[i] = op;
    }
    let mut state = prepared.init;
    let init = model.describe_state(&state);
    let mut states: Vec<String> = Vec::with_capacity(order.len());
    for (step, &i) in order.iter().enumerate() {
        let op = model_ops.get(i).and_then(Option::as_ref).ok_or_else(|| {
            ReplayError::NotInPartition {
                step,
                op: i,
                key: key.map(String::from),
            }
        })?;
        let next = model.step(&state, op).ok_or_else(|| ReplayError::Refused {
            step,
            op: i,
            desc: model.describe_operation(&history.ops[i]),
            state: model.describe_state(&state),
        })?;
        let desc = if next == state {
            states.last().cloned().unwrap_or_else(|| init.clone())
        } else {
            model.describe_state(&next)
        };
        states.push(desc);
        state = next;
    }
    Ok(Replay { init, states })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Function, Operation, Value};
    use crate::models::{KvModel, RegisterModel};
    use crate::{check, CheckOptions, Verdict};

    fn op(
        process: u64,
        f: Function,
        key: &str,
        io: (Option<i64>, i64),
        t: (u64, u64),
    ) -> Operation {
        let (input, output) = io;
        Operation {
            process,
            f,
            key: key.to_string(),
            input: input.map(Value::Int).into_iter().collect(),
            output: if f == Function::Read {
                Value::Int(output)
            } else {
                Value::Nil
            },
            call: t.0,
            ret: Some(t.1),
            outcome: Outcome::Ok,
            node: None,
        }
    }

    fn write(p: u64, v: i64, t: (u64, u64)) -> Operation {
        op(p, Function::Write, "", (Some(v), 0), t)
    }

    fn read(p: u64, v: i64, t: (u64, u64)) -> Operation {
        op(p, Function::Read, "", (None, v), t)
    }

    #[test]
    fn a_linearizable_history_replays_its_linearization_state_by_state() {
        // write 1 and write 2 overlap; the read of 1 at the end forces write 2 first.
        let h = History::new(vec![
            write(0, 1, (0, 10)),
            write(1, 2, (1, 11)),
            read(2, 1, (12, 13)),
        ]);
        let model = RegisterModel::register();
        let r = check(&model, &h, &CheckOptions::default()).unwrap();
        assert_eq!(r.verdict, Verdict::Ok);
        let order = r.partitions[0]
            .linearization
            .clone()
            .expect("ok has an order");
        assert_eq!(order, vec![1, 0, 2], "write 2, then write 1, then the read");
        let replay = replay(&model, &h, None, &order).unwrap();
        assert_eq!(replay.init, "nil");
        assert_eq!(replay.states, vec!["2", "1", "1"]);
    }

    #[test]
    fn an_illegal_history_replays_its_prefix_to_the_counterexample_state() {
        let h = History::new(vec![
            write(0, 1, (0, 1)),
            read(1, 1, (2, 3)),
            read(1, 2, (4, 5)),
        ]);
        let model = RegisterModel::register();
        let r = check(&model, &h, &CheckOptions::default()).unwrap();
        let cx = r.first_illegal().unwrap().counterexample.clone().unwrap();
        assert_eq!(r.partitions[0].linearization, None);
        let replay = replay(&model, &h, None, &cx.prefix).unwrap();
        assert_eq!(replay.states.last(), Some(&cx.state));
        assert_eq!(replay.states, vec!["1", "1"]);
    }

    #[test]
    fn each_key_of_a_kv_history_replays_on_its_own() {
        let mut a = op(0, Function::Append, "x", (None, 0), (0, 1));
        a.input = vec![Value::Str("ab".into())];
        let mut b = op(1, Function::Append, "y", (None, 0), (0, 1));
        b.input = vec![Value::Str("c".into())];
        let h = History::new(vec![a, b]);
        let model = KvModel::new();
        let r = check(&model, &h, &CheckOptions::default()).unwrap();
        let y = r
            .partitions
            .iter()
            .find(|p| p.key.as_deref() == Some("y"))
            .unwrap();
        let order = y.linearization.clone().unwrap();
        assert_eq!(order, vec![1]);
        let replay = replay(&model, &h, Some("y"), &order).unwrap();
        assert_eq!(replay.states, vec![r#"{"y": "c"}"#]);
        let wrong = super::replay(&model, &h, Some("x"), &order).unwrap_err();
        assert_eq!(
            wrong.to_string(),
            r#"step 0: op 1 is not an op of partition Some("x") that the model checks"#
        );
    }

    #[test]
    fn an_order_the_model_refuses_is_an_error_naming_the_step() {
        let h = History::new(vec![write(0, 1, (0, 1)), read(1, 2, (2, 3))]);
        let err = replay(&RegisterModel::register(), &h, None, &[0, 1]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "step 1: the model cannot take op 1 (read -> 2) in state 1"
        );
    }
}
