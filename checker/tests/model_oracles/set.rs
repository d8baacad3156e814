//! set against a BTreeSet.

use crate::brute_force::{agree, histories, MadeOp};
use linsim_checker::{Function, Operation, Outcome, Value};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// Adds of 0..3, and reads of any subset of {0, 1, 2} (in a shuffled order).
fn make(b: [u8; 4]) -> MadeOp {
    if b[0].is_multiple_of(2) {
        let v = Value::Int((b[1] % 3) as i64);
        (Function::Add, String::new(), vec![v], Value::Nil)
    } else {
        let mut members: Vec<Value> = (0..3)
            .filter(|i| b[2] & (1 << i) != 0)
            .map(Value::Int)
            .collect();
        if b[3].is_multiple_of(2) {
            members.reverse();
        }
        (Function::Read, String::new(), vec![], Value::List(members))
    }
}

fn spec(state: &BTreeSet<Value>, op: &Operation) -> Vec<BTreeSet<Value>> {
    match op.f {
        Function::Add => {
            let mut next = state.clone();
            next.insert(op.input[0].clone());
            vec![next]
        }
        _ if op.outcome != Outcome::Ok => vec![state.clone()],
        _ => {
            let Value::List(read) = &op.output else {
                return vec![];
            };
            let read: BTreeSet<Value> = read.iter().cloned().collect();
            if read == *state {
                vec![state.clone()]
            } else {
                vec![]
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn set_agrees_with_brute_force(h in histories(make)) {
        agree("set", &h, BTreeSet::new(), &spec)?;
    }
}
