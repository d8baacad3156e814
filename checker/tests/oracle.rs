//! Property test: for random small histories (up to 8 operations over 3 processes,
//! including unknown outcomes), the checker agrees with a brute-force oracle that tries
//! every order consistent with real time, for every model.

use linsim_checker::{
    check, CheckOptions, Function, History, KvModel, Model, ModelError, Operation, Outcome,
    Prepared, RegisterModel, Value, Verdict,
};
use proptest::prelude::*;

/// Brute force: is there an order of a subset of ops that includes every Ok op, respects
/// real time (a before b if a returned before b was called), and that the model accepts?
/// Info ops may be left out (they never happened) or placed anywhere after their call.
fn oracle<M: Model>(model: &M, h: &History) -> bool {
    let ops: Vec<&Operation> = h
        .ops
        .iter()
        .filter(|o| o.outcome != Outcome::Fail)
        .collect();
    let prepared = model.prepare(&ops).expect("generated ops fit the model");
    let n = ops.len();
    let ret = |i: usize| match (ops[i].outcome, ops[i].ret) {
        (Outcome::Ok, Some(t)) => t,
        _ => u64::MAX,
    };
    fn go<M: Model>(
        model: &M,
        ops: &[&Operation],
        p: &[Option<M::Op>],
        ret: &dyn Fn(usize) -> u64,
        used: &mut Vec<bool>,
        state: M::State,
    ) -> bool {
        let n = ops.len();
        // Done when every Ok op is placed (unplaced info ops never happened).
        if (0..n).all(|i| used[i] || ops[i].outcome != Outcome::Ok) {
            return true;
        }
        for i in 0..n {
            if used[i] {
                continue;
            }
            // i can go next only if no unplaced op returned before i was called.
            if (0..n).any(|j| !used[j] && j != i && ret(j) < ops[i].call) {
                continue;
            }
            let next = match &p[i] {
                Some(op) => model.step(&state, op),
                None => Some(state.clone()), // dropped (unknown read): no effect
            };
            if let Some(s) = next {
                used[i] = true;
                if go(model, ops, p, ret, used, s) {
                    return true;
                }
                used[i] = false;
            }
        }
        false
    }
    let mut used = vec![false; n];
    go(model, &ops, &prepared.ops, &ret, &mut used, prepared.init)
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Register,
    CasRegister,
    /// A cas-register history as Jepsen records it: a cas that did not swap failed, so
    /// no completed cas returned false (the register model then leaves out or bounds
    /// unknown writes, `register_unknowns`).
    CasRegisterJepsen,
    Kv,
}

fn arb_history(kind: Kind) -> impl Strategy<Value = History> {
    let op = (0u8..4, 0i64..3, 0i64..3, 0u8..2, 0u8..10, 1u64..6, 0u64..5);
    prop::collection::vec(op, 1..=8).prop_map(move |raw| {
        let mut clock = [0u64; 3];
        let mut ops = Vec::new();
        for (i, (f, a, b, key, outcome, dur, gap)) in raw.into_iter().enumerate() {
            let process = (i % 3) as u64;
            let call = clock[process as usize] + gap;
            let ret = call + dur;
            clock[process as usize] = ret + 1;
            let (f, input, output) = match (kind, f % 4) {
                (Kind::Kv, 0) => (
                    Function::Read,
                    vec![],
                    Value::Str(["", "a", "ab"][a as usize].into()),
                ),
                (Kind::Kv, 1) => (
                    Function::Write,
                    vec![Value::Str(["a", "b", "ab"][a as usize].into())],
                    Value::Nil,
                ),
                (Kind::Kv, _) => (
                    Function::Append,
                    vec![Value::Str(["a", "b", ""][a as usize].into())],
                    Value::Nil,
                ),
                (_, 0) | (Kind::Register, 2) => (
                    Function::Read,
                    vec![],
                    if a == 0 { Value::Nil } else { Value::Int(a) },
                ),
                (_, 1) | (Kind::Register, 3) => (Function::Write, vec![Value::Int(a)], Value::Nil),
                (Kind::CasRegisterJepsen, _) => (
                    Function::Cas,
                    vec![Value::Int(a), Value::Int(b)],
                    Value::Bool(true),
                ),
                (_, _) => (
                    Function::Cas,
                    vec![Value::Int(a), Value::Int(b)],
                    Value::Bool(b % 2 == 0),
                ),
            };
            let (outcome, ret) = match outcome {
                0 | 1 => (Outcome::Info, None),
                2 => (Outcome::Fail, Some(ret)),
                _ => (Outcome::Ok, Some(ret)),
            };
            ops.push(Operation {
                process,
                f,
                key: if matches!(kind, Kind::Kv) {
                    ["x", "y"][key as usize].into()
                } else {
                    String::new()
                },
                input,
                output,
                call,
                ret,
                outcome,
                node: None,
            });
        }
        History::new(ops)
    })
}

/// The history with every write and cas writing a value of its own (10, 11, ...) and
/// reads and cas expecting 10 + what they did: the values Jepsen writes, where one
/// writer's value can bound it (`Model::deadlines`).
fn unique_writes(h: &History) -> History {
    let mut next = 10;
    let ops = h
        .ops
        .iter()
        .map(|o| {
            let mut o = o.clone();
            let shift = |v: &Value| match v {
                Value::Int(a) => Value::Int(10 + a),
                other => other.clone(),
            };
            match o.f {
                Function::Write => o.input = vec![Value::Int(next)],
                Function::Cas => o.input = vec![shift(&o.input[0]), Value::Int(next)],
                _ => o.output = shift(&o.output),
            }
            next += 1;
            o
        })
        .collect();
    History::new(ops)
}

/// The history with its cas ops left out (for the register model).
fn without_cas(h: &History) -> History {
    History::new(
        h.ops
            .iter()
            .filter(|o| o.f != Function::Cas)
            .cloned()
            .collect(),
    )
}

/// A register as plainly as it can be written, for the oracle: every op the history
/// has is a step (no op left out, none bounded), an unknown cas may swap or not.
struct PlainRegister {
    init: Value,
}

impl Model for PlainRegister {
    type State = Value;
    type Op = (Function, Vec<Value>, Option<Value>);

    fn name(&self) -> &'static str {
        "plain-register"
    }

    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<Value, Self::Op>, ModelError> {
        let ops = ops
            .iter()
            .map(|o| {
                let out = (o.outcome == Outcome::Ok).then(|| o.output.clone());
                Some((o.f, o.input.clone(), out))
            })
            .collect();
        Ok(Prepared {
            init: self.init.clone(),
            ops,
        })
    }

    fn step(&self, state: &Value, (f, input, out): &Self::Op) -> Option<Value> {
        match (f, input.as_slice()) {
            (Function::Read, []) => out
                .as_ref()
                .is_none_or(|v| v == state)
                .then(|| state.clone()),
            (Function::Write, [v]) => Some(v.clone()),
            (Function::Cas, [e, n]) => {
                let swaps = e == state;
                match out {
                    Some(Value::Bool(r)) if *r != swaps => None,
                    _ if swaps => Some(n.clone()),
                    _ => Some(state.clone()),
                }
            }
            _ => None,
        }
    }

    fn describe_state(&self, state: &Value) -> String {
        state.to_string()
    }
}

/// The checker with `model` agrees with the brute force over the plain register.
fn agree_plain(model: &RegisterModel, init: Value, h: &History) -> Result<(), TestCaseError> {
    let want = oracle(&PlainRegister { init }, h);
    let got = check(
        model,
        h,
        &CheckOptions {
            threads: 1,
            ..CheckOptions::default()
        },
    )
    .expect("generated ops fit the model");
    prop_assert_ne!(got.verdict, Verdict::Unknown);
    prop_assert_eq!(got.verdict == Verdict::Ok, want, "history: {:#?}", h.ops);
    Ok(())
}

fn agree<M: Model>(model: &M, h: &History) -> Result<(), TestCaseError> {
    let want = oracle(model, h);
    let got = check(
        model,
        h,
        &CheckOptions {
            threads: 1,
            ..CheckOptions::default()
        },
    )
    .expect("generated ops fit the model");
    prop_assert_ne!(got.verdict, Verdict::Unknown);
    prop_assert_eq!(got.verdict == Verdict::Ok, want, "history: {:#?}", h.ops);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn register_agrees_with_brute_force(h in arb_history(Kind::Register)) {
        agree_plain(&RegisterModel::register(), Value::Nil, &h)?;
    }

    #[test]
    fn cas_register_agrees_with_brute_force(h in arb_history(Kind::CasRegister)) {
        agree_plain(&RegisterModel::cas_register(), Value::Nil, &h)?;
    }

    #[test]
    fn jepsen_cas_register_agrees_with_brute_force(h in arb_history(Kind::CasRegisterJepsen)) {
        agree_plain(&RegisterModel::cas_register(), Value::Nil, &h)?;
        let zero = RegisterModel::cas_register().with_init(&Value::Int(0));
        agree_plain(&zero, Value::Int(0), &h)?;
        let one = RegisterModel::register().with_init(&Value::Int(1));
        agree_plain(&one, Value::Int(1), &without_cas(&h))?;
        let unique = unique_writes(&h);
        agree_plain(&RegisterModel::cas_register(), Value::Nil, &unique)?;
        agree_plain(&zero.clone().with_init(&Value::Int(11)), Value::Int(11), &unique)?;
        agree_plain(&RegisterModel::register(), Value::Nil, &without_cas(&unique))?;
    }

    #[test]
    fn kv_agrees_with_brute_force(h in arb_history(Kind::Kv)) {
        agree(&KvModel::new(), &h)?;
        agree(&KvModel::unpartitioned(), &h)?;
    }
}
