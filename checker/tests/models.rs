//! Models: shipped models on hand-written histories, and the nondeterministic wrapper.

use linsim_checker::model::{NondeterministicModel, Prepared};
use linsim_checker::models::{RegisterModel, RegisterOp};
use linsim_checker::{
    check, CheckOptions, Function, History, Model, ModelError, Operation, Outcome, PowerSet, Value,
    Verdict,
};

fn op(
    process: u64,
    f: Function,
    input: Vec<Value>,
    output: Value,
    call: u64,
    ret: u64,
) -> Operation {
    Operation {
        process,
        f,
        key: String::new(),
        input,
        output,
        call,
        ret: Some(ret),
        outcome: Outcome::Ok,
    }
}

/// A register whose writes may be silently lost: nondeterministic.
struct LossyRegister;

impl NondeterministicModel for LossyRegister {
    type State = Value;
    type Op = RegisterOp;
    fn name(&self) -> &'static str {
        "lossy-register"
    }
    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<Vec<Value>, RegisterOp>, ModelError> {
        let p = RegisterModel::register().prepare(ops)?;
        Ok(Prepared {
            init: vec![p.init],
            ops: p.ops,
        })
    }
    fn step(&self, state: &Value, op: &RegisterOp) -> Vec<Value> {
        match op {
            RegisterOp::Write(v) => vec![state.clone(), v.clone()],
            other => RegisterModel::register()
                .step(state, other)
                .into_iter()
                .collect(),
        }
    }
    fn describe_state(&self, s: &Value) -> String {
        s.to_string()
    }
}

#[test]
fn stale_read_after_acknowledged_write_is_illegal_and_explained() {
    let h = History::new(vec![
        op(0, Function::Write, vec![Value::Int(1)], Value::Nil, 0, 10),
        op(1, Function::Read, vec![], Value::Nil, 20, 30),
    ]);
    let r = check(&RegisterModel::register(), &h, &CheckOptions::default()).unwrap();
    assert_eq!(r.verdict, Verdict::Illegal);
    let cx = r.first_illegal().unwrap().counterexample.clone().unwrap();
    assert_eq!(cx.prefix, vec![0], "the write linearizes");
    assert_eq!(cx.state, "1");
    assert_eq!(cx.blocked, 1);
    assert_eq!(cx.blocked_op, "read -> nil");
}

#[test]
fn power_set_wrapper_checks_nondeterministic_models() {
    let h = History::new(vec![
        op(0, Function::Write, vec![Value::Int(1)], Value::Nil, 0, 10),
        op(1, Function::Read, vec![], Value::Nil, 20, 30),
    ]);
    let r = check(&PowerSet(LossyRegister), &h, &CheckOptions::default()).unwrap();
    assert_eq!(r.verdict, Verdict::Ok, "the write may have been lost");
    let h = History::new(vec![op(1, Function::Read, vec![], Value::Int(7), 0, 1)]);
    let r = check(&PowerSet(LossyRegister), &h, &CheckOptions::default()).unwrap();
    assert_eq!(r.verdict, Verdict::Illegal);
    assert_eq!(
        r.first_illegal()
            .unwrap()
            .counterexample
            .as_ref()
            .unwrap()
            .state,
        "{nil}"
    );
}

#[test]
fn register_model_rejects_cas_with_a_clear_error() {
    let h = History::new(vec![op(
        0,
        Function::Cas,
        vec![Value::Int(1), Value::Int(2)],
        Value::Bool(true),
        0,
        1,
    )]);
    let e = check(&RegisterModel::register(), &h, &CheckOptions::default())
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "model register cannot check operation cas [1 2] -> true: cas needs the cas-register model"
    );
}

#[test]
fn a_zero_timeout_gives_unknown_not_a_hang() {
    // A hard history: many concurrent writes and reads of a never-written value.
    let mut ops = Vec::new();
    for p in 0..40 {
        ops.push(op(
            p,
            Function::Write,
            vec![Value::Int(p as i64)],
            Value::Nil,
            0,
            1000,
        ));
    }
    ops.push(op(99, Function::Read, vec![], Value::Int(-1), 0, 1000));
    let h = History::new(ops);
    let opts = CheckOptions {
        timeout: Some(std::time::Duration::ZERO),
        ..CheckOptions::default()
    };
    let r = check(&RegisterModel::register(), &h, &opts).unwrap();
    assert_eq!(r.verdict, Verdict::Unknown);
}
