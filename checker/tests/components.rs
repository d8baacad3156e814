//! Independent components inside the search (`Model::parts`): a model checked as one
//! state is split into the components its ops touch, and the verdicts are those of the
//! whole-state search, of partitioned checking, and of a brute-force oracle.

use linsim_checker::formats::read_file;
use linsim_checker::reference::checker_corpus_dir;
use linsim_checker::{
    check, CheckOptions, CheckResult, Function, GaveUp, History, KvModel, Model, ModelError,
    MultiRegisterModel, Operation, Outcome, Prepared, Value, Verdict,
};
use proptest::prelude::*;

/// `M` without its parts: every op may touch everything, so the search sees one
/// component, the whole state (the search as it was before components).
struct Whole<M>(M);

impl<M: Model> Model for Whole<M> {
    type State = M::State;
    type Op = M::Op;
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn partition_key(&self, op: &Operation) -> Option<String> {
        self.0.partition_key(op)
    }
    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<M::State, M::Op>, ModelError> {
        self.0.prepare(ops)
    }
    fn step(&self, state: &M::State, op: &M::Op) -> Option<M::State> {
        self.0.step(state, op)
    }
    fn describe_state(&self, state: &M::State) -> String {
        self.0.describe_state(state)
    }
    fn is_read_only(&self, op: &M::Op) -> bool {
        self.0.is_read_only(op)
    }
    fn heap_bytes(&self, state: &M::State) -> usize {
        self.0.heap_bytes(state)
    }
}

fn run<M: Model>(model: &M, h: &History, threads: usize) -> CheckResult {
    let opts = CheckOptions {
        threads,
        ..CheckOptions::default()
    };
    check(model, h, &opts).expect("the ops fit the model")
}

/// An op of `process` on `key`, called at `call`, returning at `ret` (`None`: never).
fn op(
    process: u64,
    f: Function,
    key: &str,
    arg: &str,
    out: &str,
    call: u64,
    ret: Option<u64>,
) -> Operation {
    let (input, output) = match f {
        Function::Read => (vec![], Value::Str(out.into())),
        _ => (vec![Value::Str(arg.into())], Value::Nil),
    };
    Operation {
        process,
        f,
        key: key.into(),
        input,
        output,
        call,
        ret,
        outcome: if ret.is_some() {
            Outcome::Ok
        } else {
            Outcome::Info
        },
        node: None,
    }
}

#[test]
fn an_illegal_key_of_one_state_is_reported_with_its_own_ops() {
    // x is fine; y reads "b" after "a" was written and nothing else was.
    let h = History::new(vec![
        op(0, Function::Write, "x", "1", "", 0, Some(10)),
        op(1, Function::Write, "y", "a", "", 5, Some(15)),
        op(0, Function::Read, "x", "", "1", 20, Some(30)),
        op(1, Function::Read, "y", "", "b", 25, Some(35)),
    ]);
    let r = run(&KvModel::unpartitioned(), &h, 1);
    assert_eq!(r.verdict, Verdict::Illegal);
    assert_eq!(r.partitions.len(), 1, "checked as one state");
    let cx = r.partitions[0].counterexample.as_ref().expect("illegal");
    assert_eq!(cx.blocked, 3, "the read of y");
    assert_eq!(cx.prefix, vec![1], "y's write, and no op of x");
    assert_eq!(
        cx.state, r#"{"x": "", "y": "a"}"#,
        "x untouched by y's component"
    );
}

#[test]
fn an_op_that_never_returned_stays_in_its_own_key() {
    // The append to x never returned; it explains x's read, and y is unaffected.
    let h = History::new(vec![
        op(0, Function::Append, "x", "a", "", 0, None),
        op(1, Function::Append, "y", "b", "", 1, Some(5)),
        op(2, Function::Read, "x", "", "a", 10, Some(20)),
        op(3, Function::Read, "y", "", "b", 10, Some(20)),
    ]);
    assert_eq!(run(&KvModel::unpartitioned(), &h, 1).verdict, Verdict::Ok);
    let mut bad = h.clone();
    bad.ops[3].output = Value::Str("ba".into());
    assert_eq!(
        run(&KvModel::unpartitioned(), &bad, 1).verdict,
        Verdict::Illegal
    );
}

#[test]
fn porcupine_kv_histories_checked_as_one_state_decide_as_partitioned() {
    let dir = checker_corpus_dir().unwrap_or_else(|e| panic!("{e}"));
    for (name, want) in [
        ("kv/c01-ok.txt", Verdict::Ok),
        ("kv/c01-bad.txt", Verdict::Illegal),
        ("kv/c10-ok.txt", Verdict::Ok),
        ("kv/c10-bad.txt", Verdict::Illegal),
        ("kv/c50-ok.txt", Verdict::Ok),
        ("kv/c50-bad.txt", Verdict::Illegal),
    ] {
        let (h, _) = read_file(&dir.join(name), None).unwrap_or_else(|e| panic!("{e}"));
        let one = run(&KvModel::unpartitioned(), &h, 1);
        let parted = run(&KvModel::new(), &h, 2);
        assert_eq!(one.verdict, want, "{name} as one state");
        assert_eq!(parted.verdict, want, "{name} partitioned");
        assert_eq!(
            one.fingerprint(),
            run(&KvModel::unpartitioned(), &h, 2).fingerprint(),
            "{name}: threads change nothing"
        );
        if want == Verdict::Ok {
            // Each key is one component, searched exactly as its own partition.
            assert_eq!(one.steps(), parted.steps(), "{name}");
        }
    }
}

#[test]
fn searches_dropped_to_fit_the_byte_budget_start_again_to_the_same_result() {
    // With 4 MB, c50-ok's suspended searches do not all fit after the first round (on
    // one thread the tenth key's is dropped, and started again in the next round);
    // which ones fit depends on the thread count, the result must not. Some keys need
    // more than 4 MB: they give up on memory, the same way each time.
    let dir = checker_corpus_dir().unwrap_or_else(|e| panic!("{e}"));
    let (h, _) = read_file(&dir.join("kv/c50-ok.txt"), None).unwrap_or_else(|e| panic!("{e}"));
    let opts = |threads| CheckOptions {
        max_bytes: 4 << 20,
        threads,
        ..CheckOptions::default()
    };
    let one = check(&KvModel::new(), &h, &opts(1)).unwrap();
    assert_eq!(one.verdict, Verdict::Unknown);
    assert!(one
        .partitions
        .iter()
        .any(|p| p.gave_up == Some(GaveUp::Memory)));
    for threads in [1, 2, 3] {
        let again = check(&KvModel::new(), &h, &opts(threads)).unwrap();
        assert_eq!(one.fingerprint(), again.fingerprint(), "threads={threads}");
    }
}

/// Random kv ops over keys x, y, z by `clients` processes; a third never return or fail.
fn kv_histories(max_ops: usize) -> impl Strategy<Value = History> {
    let one = (0u8..4, 0usize..3, 0usize..3, 0u8..10, 1u64..6, 0u64..5);
    prop::collection::vec(one, 1..=max_ops).prop_map(|raw| {
        let mut clock = [0u64; 4];
        let mut ops = Vec::new();
        for (i, (f, key, v, outcome, dur, gap)) in raw.into_iter().enumerate() {
            let process = i % 4;
            let call = clock[process] + gap;
            let ret = call + dur;
            clock[process] = ret + 1;
            let key = ["x", "y", "z"][key];
            let mut o = match f {
                0 => op(
                    process as u64,
                    Function::Read,
                    key,
                    "",
                    ["", "a", "ab"][v],
                    call,
                    Some(ret),
                ),
                1 => op(
                    process as u64,
                    Function::Write,
                    key,
                    ["a", "b", "ab"][v],
                    "",
                    call,
                    Some(ret),
                ),
                _ => op(
                    process as u64,
                    Function::Append,
                    key,
                    ["a", "b", ""][v],
                    "",
                    call,
                    Some(ret),
                ),
            };
            (o.outcome, o.ret) = match outcome {
                0 | 1 => (Outcome::Info, None),
                2 => (Outcome::Fail, Some(ret)),
                _ => (Outcome::Ok, Some(ret)),
            };
            ops.push(o);
        }
        History::new(ops)
    })
}

/// Multi-register transactions of one to three micro-operations over registers a..d;
/// writes of 0, 1 or 2, reads of nil (unknown), 1 or 2.
fn txn_histories(max_ops: usize) -> impl Strategy<Value = History> {
    let micro = (any::<bool>(), 0usize..4, 0i64..3);
    let one = (
        prop::collection::vec(micro, 1..=3),
        0u8..10,
        1u64..6,
        0u64..5,
    );
    prop::collection::vec(one, 1..=max_ops).prop_map(|raw| {
        let mut clock = [0u64; 4];
        let mut ops = Vec::new();
        for (i, (micros, outcome, dur, gap)) in raw.into_iter().enumerate() {
            let process = i % 4;
            let call = clock[process] + gap;
            let ret = call + dur;
            clock[process] = ret + 1;
            let txn: Vec<Value> = micros
                .into_iter()
                .map(|(write, k, v)| {
                    let k = Value::keyword(["a", "b", "c", "d"][k]);
                    // A read of nil constrains nothing (and touches no register).
                    let (f, v) = match (write, v) {
                        (true, v) => ("write", Value::Int(v)),
                        (false, 0) => ("read", Value::Nil),
                        (false, v) => ("read", Value::Int(v)),
                    };
                    Value::List(vec![Value::keyword(f), k, v])
                })
                .collect();
            let (outcome, ret) = match outcome {
                0 | 1 => (Outcome::Info, None),
                2 => (Outcome::Fail, Some(ret)),
                _ => (Outcome::Ok, Some(ret)),
            };
            ops.push(Operation {
                process: process as u64,
                f: Function::Txn,
                key: String::new(),
                input: vec![Value::List(txn.clone())],
                output: Value::List(txn),
                call,
                ret,
                outcome,
                node: None,
            });
        }
        History::new(ops)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Histories too long for the brute-force oracle (`oracle.rs` holds the short ones):
    /// one state split by key, one state searched whole, and one partition per key agree.
    #[test]
    fn kv_components_agree_with_the_whole_state_and_with_partitions(h in kv_histories(24)) {
        let split = run(&KvModel::unpartitioned(), &h, 1);
        prop_assert_ne!(split.verdict, Verdict::Unknown);
        prop_assert_eq!(split.verdict, run(&Whole(KvModel::unpartitioned()), &h, 1).verdict);
        prop_assert_eq!(split.verdict, run(&KvModel::new(), &h, 2).verdict);
    }

    /// Transactions join the registers they touch into one component.
    #[test]
    fn multi_register_components_agree_with_the_whole_state(h in txn_histories(16)) {
        let split = run(&MultiRegisterModel::default(), &h, 2);
        prop_assert_ne!(split.verdict, Verdict::Unknown);
        prop_assert_eq!(split.verdict, run(&Whole(MultiRegisterModel::default()), &h, 1).verdict);
    }
}
