//! kv against a String, on histories made to exercise the kv model's pruning: unknown
//! puts and appends of a few pieces, reads of a few concatenations of them (so some
//! read values contain a piece and some do not), and sometimes a cas (a key with a cas
//! keeps all its writes). The oracle knows nothing of pruning: it tries every order of
//! every op, leaving unknown ones in or out.

use crate::brute_force::{agree, histories, MadeOp};
use linsim_checker::{Function, Operation, Outcome, Value};
use proptest::prelude::*;

const PIECES: [&str; 4] = ["x ", "y ", "z ", "w "];

fn piece(b: u8) -> String {
    PIECES[(b % 4) as usize].to_string()
}

/// As `make`, with values that rarely repeat (64 pieces), as Jepsen's unique writes
/// and linsim's kv workload have them: most unknown writes are then unseen.
fn make_unique(b: [u8; 4]) -> MadeOp {
    let unique = |x: u8| format!("v{:02} ", x % 64);
    let (f, key, input, output) = make(b);
    let input = input
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Str(_) => Value::Str(unique(b[1].wrapping_add(i as u8 * 17))),
            other => other,
        })
        .collect();
    let output = match (f, output) {
        (Function::Read, Value::Str(s)) if !s.is_empty() => Value::Str(unique(b[3])),
        (_, other) => other,
    };
    (f, key, input, output)
}

/// Gets of "", one piece or two; puts and appends of one piece; now and then a cas.
fn make(b: [u8; 4]) -> MadeOp {
    let key = String::new();
    match b[0] % 8 {
        0..=2 => {
            let read = match b[2] % 4 {
                0 => String::new(),
                1 => piece(b[3]),
                _ => piece(b[3]) + &piece(b[3] / 4),
            };
            (Function::Read, key, vec![], Value::Str(read))
        }
        3 => (
            Function::Write,
            key,
            vec![Value::Str(piece(b[1]))],
            Value::Nil,
        ),
        7 => {
            let swapped = Value::Bool(b[2].is_multiple_of(2));
            let (from, to) = (Value::Str(piece(b[1])), Value::Str(piece(b[3])));
            (Function::Cas, key, vec![from, to], swapped)
        }
        _ => (
            Function::Append,
            key,
            vec![Value::Str(piece(b[1]))],
            Value::Nil,
        ),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        Value::Str(s) => s.clone(),
        other => other.to_string(),
    }
}

fn spec(state: &String, op: &Operation) -> Vec<String> {
    let known = op.outcome == Outcome::Ok;
    match op.f {
        Function::Read if !known => vec![state.clone()],
        Function::Read => {
            if text(&op.output) == *state {
                vec![state.clone()]
            } else {
                vec![]
            }
        }
        Function::Write => vec![text(&op.input[0])],
        Function::Append => vec![format!("{state}{}", text(&op.input[0]))],
        Function::Cas => {
            let swaps = text(&op.input[0]) == *state;
            match (known, &op.output) {
                (true, Value::Bool(r)) if *r != swaps => vec![],
                _ if swaps => vec![text(&op.input[1])],
                _ => vec![state.clone()],
            }
        }
        _ => vec![],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn kv_with_unseen_writes_left_out_agrees_with_brute_force(h in histories(make)) {
        agree("kv", &h, String::new(), &spec)?;
    }

    #[test]
    fn kv_with_unique_values_agrees_with_brute_force(h in histories(make_unique)) {
        agree("kv", &h, String::new(), &spec)?;
    }
}
