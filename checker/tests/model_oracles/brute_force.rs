//! The oracle and the random history generator the model tests share.

use linsim_checker::{
    check_named, CheckOptions, Function, History, Operation, Outcome, Value, Verdict,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// A sequential specification on history operations: every state `op` may lead to
/// from `state` (empty: impossible). For an `Info` op the output is unknown.
pub type Spec<S> = dyn Fn(&S, &Operation) -> Vec<S>;

/// Brute force: is there an order of a subset of the ops that includes every Ok op,
/// respects real time (a before b if a returned before b was called), and that the
/// specification accepts? Info ops may be left out or placed anywhere after their call.
pub fn linearizable<S: Clone>(h: &History, init: S, spec: &Spec<S>) -> bool {
    let ops: Vec<&Operation> = h
        .ops
        .iter()
        .filter(|o| o.outcome != Outcome::Fail)
        .collect();
    let ret = |o: &Operation| match (o.outcome, o.ret) {
        (Outcome::Ok, Some(t)) => t,
        _ => u64::MAX,
    };
    fn go<S: Clone>(
        ops: &[&Operation],
        ret: &dyn Fn(&Operation) -> u64,
        used: &mut Vec<bool>,
        state: S,
        spec: &Spec<S>,
    ) -> bool {
        let n = ops.len();
        if (0..n).all(|i| used[i] || ops[i].outcome != Outcome::Ok) {
            return true;
        }
        for i in 0..n {
            if used[i] || (0..n).any(|j| !used[j] && j != i && ret(ops[j]) < ops[i].call) {
                continue;
            }
            for next in spec(&state, ops[i]) {
                used[i] = true;
                if go(ops, ret, used, next, spec) {
                    return true;
                }
                used[i] = false;
            }
        }
        false
    }
    let mut used = vec![false; ops.len()];
    go(&ops, &ret, &mut used, init, spec)
}

/// One generated operation: function, key, input, output (if it completes ok).
pub type MadeOp = (Function, String, Vec<Value>, Value);

/// Random histories of 1 to 8 ops over 3 client slots; `make` turns four random bytes
/// into an operation. A third of the ops fail or have unknown outcome; after an op of
/// unknown outcome its slot takes a new process (as Jepsen does: the old one may still
/// be running it).
pub fn histories(make: fn([u8; 4]) -> MadeOp) -> impl Strategy<Value = History> {
    let op = (any::<[u8; 4]>(), 0u8..10, 1u64..6, 0u64..5);
    prop::collection::vec(op, 1..=8).prop_map(move |raw| {
        let mut clock = [0u64; 3];
        let mut processes = [0u64, 1, 2];
        let mut ops = Vec::new();
        for (i, (bytes, outcome, dur, gap)) in raw.into_iter().enumerate() {
            let slot = i % 3;
            let process = processes[slot];
            let call = clock[slot] + gap;
            let ret = call + dur;
            clock[slot] = ret + 1;
            if outcome < 2 {
                processes[slot] += 3;
            }
            let (f, key, input, output) = make(bytes);
            let (outcome, ret) = match outcome {
                0 | 1 => (Outcome::Info, None),
                2 => (Outcome::Fail, Some(ret)),
                _ => (Outcome::Ok, Some(ret)),
            };
            ops.push(Operation {
                process,
                f,
                key,
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

/// The checker (model `name`) and the oracle agree on `h`.
pub fn agree<S: Clone>(
    name: &str,
    h: &History,
    init: S,
    spec: &Spec<S>,
) -> Result<(), TestCaseError> {
    let want = linearizable(h, init, spec);
    let got = check_named(
        name,
        h,
        &CheckOptions {
            threads: 1,
            ..CheckOptions::default()
        },
    )
    .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_ne!(got.verdict, Verdict::Unknown);
    prop_assert_eq!(got.verdict == Verdict::Ok, want, "history: {:#?}", h.ops);
    Ok(())
}

/// Histories split by key: the checker on the whole, the oracle on each key alone.
pub fn agree_by_key<S: Clone>(
    name: &str,
    h: &History,
    init: S,
    spec: &Spec<S>,
) -> Result<(), TestCaseError> {
    let mut keys: Vec<&str> = h.ops.iter().map(|o| o.key.as_str()).collect();
    keys.sort();
    keys.dedup();
    let want = keys.iter().all(|k| {
        let part = History::new(h.ops.iter().filter(|o| o.key == *k).cloned().collect());
        linearizable(&part, init.clone(), spec)
    });
    let got = check_named(name, h, &CheckOptions::default())
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_ne!(got.verdict, Verdict::Unknown);
    prop_assert_eq!(got.verdict == Verdict::Ok, want, "history: {:#?}", h.ops);
    Ok(())
}
