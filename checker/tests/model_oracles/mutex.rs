//! mutex against a boolean.

use crate::brute_force::{agree, agree_by_key, histories, MadeOp};
use linsim_checker::{Function, Operation, Value};
use proptest::prelude::*;

fn make(b: [u8; 4]) -> MadeOp {
    let f = if b[0].is_multiple_of(2) {
        Function::Acquire
    } else {
        Function::Release
    };
    (f, String::new(), vec![], Value::Nil)
}

/// Two independent mutexes, keys "a" and "b".
fn make_keyed(b: [u8; 4]) -> MadeOp {
    let (f, _, input, output) = make(b);
    (
        f,
        ["a", "b"][(b[1] % 2) as usize].to_string(),
        input,
        output,
    )
}

fn spec(held: &bool, op: &Operation) -> Vec<bool> {
    match op.f {
        Function::Acquire if !held => vec![true],
        Function::Release if *held => vec![false],
        _ => vec![],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn mutex_agrees_with_brute_force(h in histories(make)) {
        agree("mutex", &h, false, &spec)?;
    }

    #[test]
    fn keyed_mutexes_are_checked_one_key_at_a_time(h in histories(make_keyed)) {
        agree_by_key("mutex", &h, false, &spec)?;
    }
}
