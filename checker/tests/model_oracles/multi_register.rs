//! multi-register against a map from keys to values.

use crate::brute_force::{agree, histories, MadeOp};
use linsim_checker::{Function, Operation, Outcome, Value};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// A transaction of one or two micro-operations over :x and :y; reads are filled in
/// (nil, 0, 1 or 2) in the output only, as Jepsen records them.
fn make(b: [u8; 4]) -> MadeOp {
    let count = 1 + (b[0] % 2) as usize;
    let (mut input, mut output) = (Vec::new(), Vec::new());
    for (i, &byte) in b[1..=count].iter().enumerate() {
        let key = Value::keyword(["x", "y"][(byte / 2 % 2) as usize]);
        if byte % 2 == 0 {
            let v = Value::Int((byte / 4 % 3) as i64);
            let m = Value::List(vec![Value::keyword("write"), key, v]);
            input.push(m.clone());
            output.push(m);
        } else {
            let read = match (b[3] >> (i * 2)) % 4 {
                0 => Value::Nil,
                n => Value::Int(n as i64 - 1),
            };
            input.push(Value::List(vec![
                Value::keyword("read"),
                key.clone(),
                Value::Nil,
            ]));
            output.push(Value::List(vec![Value::keyword("read"), key, read]));
        }
    }
    (
        Function::Txn,
        String::new(),
        vec![Value::List(input)],
        Value::List(output),
    )
}

type Regs = BTreeMap<Value, Value>;

/// Micro-operations in order; a read of nil, or any read of an unknown outcome, is
/// not checked (Knossos's rule).
fn spec(state: &Regs, op: &Operation) -> Vec<Regs> {
    let known = op.outcome == Outcome::Ok;
    let txn = if known { &op.output } else { &op.input[0] };
    let Value::List(micros) = txn else {
        return vec![];
    };
    let mut next = state.clone();
    for m in micros {
        let Value::List(parts) = m else {
            return vec![];
        };
        let [Value::Keyword(f), k, v] = parts.as_slice() else {
            return vec![];
        };
        if f == "write" {
            next.insert(k.clone(), v.clone());
        } else if known && *v != Value::Nil && next.get(k).unwrap_or(&Value::Nil) != v {
            return vec![];
        }
    }
    vec![next]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn multi_register_agrees_with_brute_force(h in histories(make)) {
        agree("multi-register", &h, Regs::new(), &spec)?;
    }
}
