//! Models: shipped models on hand-written histories, and the nondeterministic wrapper.

use linsim_checker::model::{NondeterministicModel, Prepared};
use linsim_checker::models::{Reg, RegisterModel, RegisterOp};
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
        node: None,
    }
}

/// A register whose writes may be silently lost: nondeterministic.
struct LossyRegister;

impl NondeterministicModel for LossyRegister {
    type State = Reg;
    type Op = RegisterOp;
    fn name(&self) -> &'static str {
        "lossy-register"
    }
    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<Vec<Reg>, RegisterOp>, ModelError> {
        let p = RegisterModel::register().prepare(ops)?;
        Ok(Prepared {
            init: vec![p.init],
            ops: p.ops,
        })
    }
    fn step(&self, state: &Reg, op: &RegisterOp) -> Vec<Reg> {
        match op {
            RegisterOp::Write(v) => vec![state.clone(), v.clone()],
            other => RegisterModel::register()
                .step(state, other)
                .into_iter()
                .collect(),
        }
    }
    fn describe_state(&self, s: &Reg) -> String {
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

#[test]
fn each_new_model_names_what_it_cannot_check() {
    let read = op(0, Function::Read, vec![], Value::Nil, 0, 1);
    for (model, reason) in [
        ("mutex", "the mutex model checks :acquire and :release only"),
        (
            "fifo-queue",
            "the fifo-queue model checks :enqueue and :dequeue only",
        ),
        (
            "unordered-queue",
            "the unordered-queue model checks :enqueue and :dequeue only",
        ),
        ("multi-register", "a txn takes one list of micro-operations"),
    ] {
        let e = linsim_checker::check_named(
            model,
            &History::new(vec![read.clone()]),
            &CheckOptions::default(),
        )
        .err()
        .unwrap();
        assert!(e.to_string().ends_with(reason), "{model}: {e}");
    }
    let txn = op(
        0,
        Function::Txn,
        vec![Value::List(vec![Value::List(vec![
            Value::keyword("append"),
            Value::keyword("x"),
            Value::Int(1),
        ])])],
        Value::Nil,
        0,
        1,
    );
    let e = linsim_checker::check_named(
        "multi-register",
        &History::new(vec![txn]),
        &CheckOptions::default(),
    )
    .err()
    .unwrap();
    assert!(
        e.to_string()
            .ends_with("a micro-operation must be [:read k v] or [:write k v]"),
        "{e}"
    );
}

#[test]
fn new_models_describe_the_state_where_the_search_got_stuck() {
    let enqueue = |v, call, ret| {
        op(
            0,
            Function::Enqueue,
            vec![Value::Int(v)],
            Value::Nil,
            call,
            ret,
        )
    };
    let h = History::new(vec![
        enqueue(1, 0, 1),
        enqueue(2, 2, 3),
        op(1, Function::Dequeue, vec![], Value::Int(2), 4, 5),
    ]);
    let fifo = linsim_checker::check_named("fifo-queue", &h, &CheckOptions::default()).unwrap();
    assert_eq!(fifo.verdict, Verdict::Illegal);
    let cx = fifo
        .first_illegal()
        .unwrap()
        .counterexample
        .clone()
        .unwrap();
    assert_eq!(
        (cx.state.as_str(), cx.blocked_op.as_str()),
        ("[1 2]", "dequeue -> 2")
    );
    let unordered =
        linsim_checker::check_named("unordered-queue", &h, &CheckOptions::default()).unwrap();
    assert_eq!(unordered.verdict, Verdict::Ok);
    let h = History::new(vec![
        op(
            0,
            Function::Add,
            vec![Value::keyword("a")],
            Value::Nil,
            0,
            1,
        ),
        op(1, Function::Read, vec![], Value::List(vec![]), 2, 3),
    ]);
    let set = linsim_checker::check_named("set", &h, &CheckOptions::default()).unwrap();
    let cx = set.first_illegal().unwrap().counterexample.clone().unwrap();
    assert_eq!(
        (cx.state.as_str(), cx.blocked_op.as_str()),
        ("#{:a}", "read -> []")
    );
}

#[test]
fn step_and_byte_budgets_give_up_with_their_reason() {
    let mut ops = Vec::new();
    for p in 0..12 {
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
    for (max_steps, max_bytes, why) in [
        (100, usize::MAX, linsim_checker::GaveUp::Steps),
        (u64::MAX, 10_000, linsim_checker::GaveUp::Memory),
    ] {
        let opts = CheckOptions {
            max_steps,
            max_bytes,
            ..CheckOptions::default()
        };
        let r = check(&RegisterModel::register(), &h, &opts).unwrap();
        assert_eq!(r.verdict, Verdict::Unknown);
        assert_eq!(r.partitions[0].gave_up, Some(why));
        if why == linsim_checker::GaveUp::Steps {
            assert_eq!(r.steps(), 100, "stops at exactly the budget");
        } else {
            assert!(r.partitions[0].stats.bytes > 10_000);
        }
    }
    let r = check(&RegisterModel::register(), &h, &CheckOptions::default()).unwrap();
    assert_eq!(r.verdict, Verdict::Illegal, "-1 was never written");
}
