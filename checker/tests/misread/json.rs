//! linsim JSON: mutated histories against the format as its documentation states it,
//! read here from `serde_json` values.

use crate::brute::{linearizable, Op};
use linsim_checker::formats::{parse_detailed, Format};
use linsim_checker::{check_named, CheckOptions, Verdict};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{json, Value as Json};

/// A value as the format defines them: null, a boolean, an integer, a string, a list,
/// or `{"keyword": name}`; anything else has no reading.
fn value(v: &Json) -> Option<Json> {
    match v {
        Json::Number(n) => n.as_i64().map(|i| json!(i)),
        Json::Array(xs) => xs
            .iter()
            .map(value)
            .collect::<Option<Vec<_>>>()
            .map(Json::Array),
        Json::Object(m) => {
            (m.len() == 1 && m.get("keyword").is_some_and(Json::is_string)).then(|| v.clone())
        }
        other => Some(other.clone()),
    }
}

/// What the format says of `text` checked as a cas-register from nil: `Some(ok?)`, or
/// `None` where it is not a history (an ok op without a return, an op returning before
/// its call, two ops of a process at once, an op the model cannot take).
fn oracle(text: &str) -> Option<bool> {
    let v: Json = serde_json::from_str(text).ok()?;
    let ops = match &v {
        Json::Array(ops) => ops,
        Json::Object(m) => m.get("ops")?.as_array()?,
        _ => return None,
    };
    struct O {
        process: u64,
        f: String,
        input: Vec<Json>,
        output: Json,
        call: u64,
        ret: Option<u64>,
        outcome: String,
    }
    let mut read = Vec::new();
    for op in ops {
        let m = op.as_object()?;
        let ret = match m.get("ret") {
            None | Some(Json::Null) => None,
            Some(r) => Some(r.as_u64()?),
        };
        let input = match m.get("input") {
            None => vec![],
            Some(i) => i.as_array()?.iter().map(value).collect::<Option<_>>()?,
        };
        read.push(O {
            process: m.get("process")?.as_u64()?,
            f: m.get("f")?.as_str()?.to_string(),
            input,
            output: value(m.get("output").unwrap_or(&Json::Null))?,
            call: m.get("call")?.as_u64()?,
            ret,
            outcome: m.get("outcome")?.as_str()?.to_string(),
        });
    }
    for o in &read {
        if !["ok", "fail", "info"].contains(&o.outcome.as_str())
            || (o.outcome == "ok" && o.ret.is_none())
            || o.ret.is_some_and(|r| r < o.call)
        {
            return None;
        }
    }
    for a in &read {
        for b in &read {
            let later = (b.call, b as *const O) > (a.call, a as *const O);
            if a.process == b.process && later && a.ret.is_none_or(|r| r > b.call) {
                return None;
            }
        }
    }
    let mut model_ops = Vec::new();
    let kept: Vec<&O> = read.iter().filter(|o| o.outcome != "fail").collect();
    for o in &kept {
        let ok = o.outcome == "ok";
        let what = match (o.f.as_str(), o.input.as_slice()) {
            ("read", []) => (
                "read",
                json!(null),
                json!(null),
                ok.then(|| o.output.clone()),
            ),
            ("write", [v]) => ("write", v.clone(), json!(null), None),
            ("cas", [a, b]) => match (ok, &o.output) {
                (false, _) => ("cas", a.clone(), b.clone(), None),
                (true, Json::Bool(r)) => ("cas", a.clone(), b.clone(), Some(json!(r))),
                _ => return None,
            },
            _ => return None,
        };
        // A completed op of the same process that returned at the instant this one
        // was called went first.
        let after = (0..kept.len())
            .filter(|&j| {
                let p = kept[j];
                p.process == o.process
                    && p.outcome == "ok"
                    && p.ret == Some(o.call)
                    && (p.call, p as *const O) < (o.call, *o as *const O)
            })
            .collect();
        model_ops.push(Op {
            start: o.call,
            end: if ok { o.ret } else { None },
            required: ok,
            after,
            what,
        });
    }
    type W = (&'static str, Json, Json, Option<Json>);
    let step = |s: &Json, (f, a, b, out): &W| -> Option<Json> {
        match *f {
            "write" => Some(a.clone()),
            "read" => out.as_ref().is_none_or(|v| v == s).then(|| s.clone()),
            _ => {
                let swaps = a == s;
                match out {
                    Some(Json::Bool(r)) if *r != swaps => None,
                    _ if swaps => Some(b.clone()),
                    _ => Some(s.clone()),
                }
            }
        }
    };
    Some(linearizable(&model_ops, json!(null), &step))
}

fn values() -> impl Strategy<Value = Json> {
    prop_oneof![
        (0i64..3).prop_map(|i| json!(i)),
        Just(json!(null)),
        Just(json!("a")),
        Just(json!({"keyword": "a"})),
        Just(json!([1])),
        Just(json!(true)),
        Just(json!(1.5)),
        Just(json!({"keywrd": "a"})),
    ]
}

/// A history of up to 6 ops over 3 processes, each process's ops one after another.
fn history() -> impl Strategy<Value = Vec<Json>> {
    let op = (
        0usize..3,
        0u8..3,
        0u8..6,
        values(),
        values(),
        1u64..6,
        0u64..4,
    );
    prop::collection::vec(op, 1..=6).prop_map(|raw| {
        let mut clock = [0u64; 3];
        let mut process = [0u64, 1, 2];
        let mut out = Vec::new();
        for (slot, f, end, a, b, dur, gap) in raw {
            // Gap 0: called at the instant the process's last op returned.
            let call = clock[slot] + gap;
            let ret = call + dur;
            clock[slot] = ret;
            let (f, input, output) = match f {
                0 => ("read", json!([]), a),
                1 => ("write", json!([a]), json!(null)),
                _ => ("cas", json!([a, b]), json!(end % 2 == 0)),
            };
            let outcome = ["info", "fail", "ok", "ok", "ok", "ok"][end as usize];
            let mut op = json!({"process": process[slot], "f": f, "input": input,
                "output": output, "call": call, "outcome": outcome});
            if outcome != "info" {
                op["ret"] = json!(ret);
            } else {
                process[slot] += 3;
            }
            out.push(op);
        }
        out
    })
}

/// One edit of an op's field, or of the list.
#[derive(Clone, Debug)]
enum Mutation {
    Field(usize, &'static str, Json),
    Remove(usize, &'static str),
    Delete(usize),
    Duplicate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = any::<usize>();
    prop_oneof![
        (i, values()).prop_map(|(i, v)| Mutation::Field(i, "output", v)),
        (i, values(), values()).prop_map(|(i, a, b)| Mutation::Field(i, "input", json!([a, b]))),
        (i, values()).prop_map(|(i, a)| Mutation::Field(i, "input", json!([a]))),
        (i, 0u8..3).prop_map(|(i, o)| Mutation::Field(
            i,
            "outcome",
            json!(["ok", "fail", "info"][o as usize])
        )),
        (i, 0u8..4).prop_map(|(i, f)| Mutation::Field(
            i,
            "f",
            json!(["read", "write", "cas", "add"][f as usize])
        )),
        (i, 0u64..4).prop_map(|(i, p)| Mutation::Field(i, "process", json!(p))),
        (i, 0u64..30).prop_map(|(i, t)| Mutation::Field(i, "call", json!(t))),
        (i, 0u64..30).prop_map(|(i, t)| Mutation::Field(i, "ret", json!(t))),
        (i).prop_map(|i| Mutation::Remove(i, "ret")),
        (i).prop_map(|i| Mutation::Remove(i, "input")),
        (i).prop_map(Mutation::Delete),
        (i).prop_map(Mutation::Duplicate),
    ]
}

fn mutate(ops: &mut Vec<Json>, m: &Mutation) {
    if ops.is_empty() {
        return;
    }
    let n = ops.len();
    match m {
        Mutation::Field(i, k, v) => ops[i % n][*k] = v.clone(),
        Mutation::Remove(i, k) => {
            ops[i % n]
                .as_object_mut()
                .expect("ops are objects")
                .remove(*k);
        }
        Mutation::Delete(i) => {
            ops.remove(i % n);
        }
        Mutation::Duplicate(i) => {
            let op = ops[i % n].clone();
            ops.push(op);
        }
    }
}

/// One case: whether linsim gave a verdict (it agreed) or refused the text, and what
/// the oracle says.
fn case(h: Vec<Json>, edits: &[Mutation]) -> Result<(bool, Option<bool>), TestCaseError> {
    let mut h = h;
    for m in edits {
        mutate(&mut h, m);
    }
    let text =
        serde_json::to_string_pretty(&json!({"model": "cas-register", "ops": h})).expect("json");
    let want = oracle(&text);
    match parse_detailed("m.json", &text, Some(Format::Json)) {
        Err(e) => prop_assert!(e.to_string().starts_with("m.json:"), "{e}"),
        Ok(read) => {
            if let Ok(r) = check_named("cas-register", &read.history, &CheckOptions::default()) {
                prop_assert_ne!(r.verdict, Verdict::Unknown);
                prop_assert_eq!(
                    want,
                    Some(r.verdict == Verdict::Ok),
                    "linsim says {}\n{}",
                    r.verdict,
                    text
                );
                return Ok((true, want));
            }
        }
    }
    Ok((false, want))
}

fn cases() -> impl Strategy<Value = (Vec<Json>, Vec<Mutation>)> {
    (history(), prop::collection::vec(mutation(), 0..4))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn mutated_json_histories_get_the_formats_verdict_or_an_error((h, edits) in cases()) {
        case(h, &edits)?;
    }
}

/// The fuzz reaches every outcome: verdicts of both kinds, and refusals of texts that
/// have no verdict.
#[test]
fn the_json_fuzz_reaches_every_outcome() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..3000 {
        let (h, edits) = cases().new_tree(&mut runner).unwrap().current();
        let outcome = case(h, &edits).unwrap();
        *seen.entry(outcome).or_insert(0) += 1;
    }
    for outcome in [(true, Some(true)), (true, Some(false)), (false, None)] {
        assert!(
            seen.get(&outcome).copied().unwrap_or(0) >= 30,
            "{outcome:?} too rare: {seen:?}"
        );
    }
    println!("{seen:?}");
}

#[test]
fn the_issues_json_example_has_no_verdict() {
    let text = r#"{"model":"cas-register","ops":[{"process":0,"f":"write","input":[1],"output":null,"call":1,"outcome":"ok"},{"process":1,"f":"read","input":[],"output":null,"call":100,"ret":101,"outcome":"ok"}]}"#;
    assert_eq!(oracle(text), None);
    let e = parse_detailed("i.json", text, None).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("i.json:1: op 0 (write 1, process 0): outcome ok but no \"ret\""),
        "{e}"
    );
}
