//! Writing any generated history as EDN, in every layout, and reading it back gives the
//! same operations and the same verdict, for every model's functions and values.

use crate::brute_force::{histories, MadeOp};
use linsim_checker::formats::{parse, write_edn_layout, EdnLayout, Format};
use linsim_checker::{check_named, CheckOptions, Function, History, Outcome, Value};
use proptest::prelude::*;

/// Any model's operations, with keys, keywords and nested lists among the values.
fn make(b: [u8; 4]) -> MadeOp {
    let v = match b[1] % 4 {
        0 => Value::Int(b[2] as i64 % 3),
        1 => Value::keyword(["x", "ns/y"][(b[2] % 2) as usize]),
        2 => Value::Str(["x", "a \"q\" b", ""][(b[2] % 3) as usize].into()),
        _ => Value::List(vec![Value::Int(1), Value::keyword("z"), Value::Nil]),
    };
    let key = ["", "k1", "k 2"][(b[3] % 3) as usize].to_string();
    let micro = Value::List(vec![Value::List(vec![
        Value::keyword("write"),
        Value::keyword("x"),
        v.clone(),
    ])]);
    let f = Function::ALL[(b[0] % 10) as usize];
    let (input, output) = match f {
        Function::Read | Function::Dequeue => (vec![], v),
        Function::Acquire | Function::Release => (vec![], Value::Nil),
        Function::Cas => (
            vec![v.clone(), Value::Int(1)],
            Value::Bool(b[2].is_multiple_of(2)),
        ),
        Function::Txn => (vec![micro.clone()], micro),
        _ => (vec![v], Value::Nil),
    };
    (f, key, input, output)
}

fn same(a: &History, b: &History) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.ops.len(), b.ops.len());
    for (x, y) in a.ops.iter().zip(&b.ops) {
        prop_assert_eq!(
            (x.process, x.f, &x.key, &x.input, x.outcome),
            (y.process, y.f, &y.key, &y.input, y.outcome)
        );
        if x.outcome == Outcome::Ok && x.f.has_output() {
            prop_assert_eq!(&x.output, &y.output);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn every_layout_reads_back_to_the_same_history_and_verdict(h in histories(make)) {
        // Ops sorted by call, as the reader returns them.
        let h = History::new(h.ops);
        for layout in [EdnLayout::Lines, EdnLayout::Pretty, EdnLayout::OneLine] {
            let text = write_edn_layout(&h, layout);
            let (back, _) = parse("rt.edn", &text, Some(Format::Edn))
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            same(&h, &back)?;
            for model in ["register", "cas-register", "kv", "set", "fifo-queue"] {
                let want = check_named(model, &h, &CheckOptions::default()).map(|r| r.verdict);
                let got = check_named(model, &back, &CheckOptions::default()).map(|r| r.verdict);
                prop_assert_eq!(want.ok(), got.ok(), "{}\n{}", model, text);
            }
        }
    }
}
