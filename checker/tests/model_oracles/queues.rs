//! fifo-queue against a VecDeque, unordered-queue against a sorted Vec (a multiset).

use crate::brute_force::{agree, histories, MadeOp};
use linsim_checker::{Function, Operation, Outcome, Value};
use proptest::prelude::*;
use std::collections::VecDeque;

/// Enqueues of 0..3 (repeats included), dequeues returning nil (empty), 0, 1 or 2.
fn make(b: [u8; 4]) -> MadeOp {
    if b[0].is_multiple_of(2) {
        let v = Value::Int((b[1] % 3) as i64);
        (Function::Enqueue, String::new(), vec![v], Value::Nil)
    } else {
        let out = match b[2] % 4 {
            0 => Value::Nil,
            n => Value::Int(n as i64 - 1),
        };
        (Function::Dequeue, String::new(), vec![], out)
    }
}

fn fifo(state: &VecDeque<Value>, op: &Operation) -> Vec<VecDeque<Value>> {
    let mut next = state.clone();
    match (op.f, op.outcome) {
        (Function::Enqueue, _) => next.push_back(op.input[0].clone()),
        (_, Outcome::Ok) if op.output == Value::Nil => {
            if !state.is_empty() {
                return vec![];
            }
        }
        (_, Outcome::Ok) => {
            if next.pop_front().as_ref() != Some(&op.output) {
                return vec![];
            }
        }
        // Unknown result: took the head, if any.
        _ => {
            next.pop_front();
        }
    }
    vec![next]
}

// The oracle passes states by reference to their own type.
#[allow(clippy::ptr_arg)]
fn unordered(state: &Vec<Value>, op: &Operation) -> Vec<Vec<Value>> {
    match (op.f, op.outcome) {
        (Function::Enqueue, _) => {
            let mut next = state.clone();
            next.push(op.input[0].clone());
            next.sort();
            vec![next]
        }
        (_, Outcome::Ok) if op.output == Value::Nil => {
            if state.is_empty() {
                vec![state.clone()]
            } else {
                vec![]
            }
        }
        (_, Outcome::Ok) => match state.iter().position(|v| *v == op.output) {
            Some(i) => {
                let mut next = state.clone();
                next.remove(i);
                vec![next]
            }
            None => vec![],
        },
        // Unknown result: took any element, or found the queue empty.
        _ if state.is_empty() => vec![state.clone()],
        _ => (0..state.len())
            .map(|i| {
                let mut next = state.clone();
                next.remove(i);
                next
            })
            .collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn fifo_queue_agrees_with_brute_force(h in histories(make)) {
        agree("fifo-queue", &h, VecDeque::new(), &fifo)?;
    }

    #[test]
    fn unordered_queue_agrees_with_brute_force(h in histories(make)) {
        agree("unordered-queue", &h, Vec::new(), &unordered)?;
    }
}
