//! Jepsen EDN: mutated histories against Knossos's reading, written here from Knossos's
//! source (knossos.history/complete, knossos.model/cas-register) and Clojure's `=`.

use crate::brute::{linearizable, Op};
use edn_format::{Keyword, Value as Edn};
use linsim_checker::formats::{parse_detailed, Format};
use linsim_checker::{check_named_init, parse_init, CheckOptions, Verdict};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::collections::BTreeMap;

fn kw(name: &str) -> Edn {
    Edn::Keyword(Keyword::from_name(name))
}

/// Clojure's `=`: sequential collections by elements, a character is not a string, an
/// integer is not a float.
fn clj_eq(a: &Edn, b: &Edn) -> bool {
    match (a, b) {
        (Edn::Vector(x) | Edn::List(x), Edn::Vector(y) | Edn::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| clj_eq(p, q))
        }
        (Edn::Vector(_) | Edn::List(_), _) | (_, Edn::Vector(_) | Edn::List(_)) => false,
        (Edn::Set(x), Edn::Set(y)) => {
            x.len() == y.len() && x.iter().all(|p| y.iter().any(|q| clj_eq(p, q)))
        }
        _ => a == b,
    }
}

/// What Knossos makes of `text` checked with `(cas-register init)`: `Some(valid?)`, or
/// `None` where it throws (or where this oracle cannot tell, which it treats alike).
fn knossos(text: &str, init: &Edn) -> Option<bool> {
    let entries = match edn_format::parse_str(text).ok()? {
        Edn::Vector(es) | Edn::List(es) => es,
        _ => return None,
    };
    // The invocations, completed as knossos.history/complete does.
    struct Inv {
        f: String,
        value: Edn,
        start: u64,
        end: Option<u64>,
        kind: &'static str,
    }
    let mut ops: Vec<Inv> = Vec::new();
    // Process to (op, crashed).
    let mut busy: BTreeMap<i64, (usize, bool)> = BTreeMap::new();
    for (at, e) in entries.iter().enumerate() {
        let Edn::Map(m) = e else { return None };
        let get = |k: &str| m.get(&kw(k));
        let Some(Edn::Keyword(t)) = get("type") else {
            return None;
        };
        if t.name() == "log" {
            // Jepsen's log entries are not ops.
            continue;
        }
        let p = match get("process") {
            Some(Edn::Integer(p)) if *p >= 0 => *p,
            // Jepsen's checker hands Knossos client ops only.
            Some(Edn::Keyword(k)) if k.name() == "nemesis" => continue,
            _ => return None,
        };
        let f = match get("f") {
            Some(Edn::Keyword(k)) if k.namespace().is_none() => k.name().to_string(),
            _ => return None,
        };
        let value = get("value").cloned().unwrap_or(Edn::Nil);
        let at = at as u64;
        match t.name() {
            "invoke" => {
                if busy.contains_key(&p) {
                    return None;
                }
                busy.insert(p, (ops.len(), false));
                ops.push(Inv {
                    f,
                    value,
                    start: at,
                    end: None,
                    kind: "info",
                });
            }
            "ok" | "fail" => {
                let (i, crashed) = *busy.get(&p)?;
                if crashed {
                    return None;
                }
                busy.remove(&p);
                let op = &mut ops[i];
                if t.name() == "fail" {
                    if !clj_eq(&value, &op.value) {
                        return None;
                    }
                    op.kind = "fail";
                } else {
                    op.value = value;
                    op.kind = "ok";
                }
                op.end = Some(at);
            }
            "info" => {
                if let Some((_, crashed)) = busy.get_mut(&p) {
                    *crashed = true;
                }
            }
            _ => return None,
        }
    }
    let mut model_ops = Vec::new();
    for op in ops.into_iter().filter(|o| o.kind != "fail") {
        // The model's `condp` throws on a function it does not know, and a cas value
        // that is not a sequence cannot be destructured.
        let what = match (op.f.as_str(), &op.value) {
            ("read" | "write", v) => (op.f.clone(), v.clone(), Edn::Nil),
            ("cas", Edn::Vector(xs) | Edn::List(xs)) => (
                op.f.clone(),
                xs.first().cloned().unwrap_or(Edn::Nil),
                xs.get(1).cloned().unwrap_or(Edn::Nil),
            ),
            _ => return None,
        };
        model_ops.push(Op {
            start: op.start,
            end: if op.kind == "ok" { op.end } else { None },
            required: op.kind == "ok",
            after: vec![],
            what,
        });
    }
    let step = |state: &Edn, (f, a, b): &(String, Edn, Edn)| -> Option<Edn> {
        match f.as_str() {
            "write" => Some(a.clone()),
            "cas" => clj_eq(a, state).then(|| b.clone()),
            _ => (*a == Edn::Nil || clj_eq(a, state)).then(|| state.clone()),
        }
    };
    Some(linearizable(&model_ops, init.clone(), &step))
}

/// One entry as generated: process, type, function, value (`None`: no `:value` key),
/// and whether it is discarded with `#_`.
#[derive(Clone, Debug)]
struct Entry {
    process: i64,
    kind: &'static str,
    f: &'static str,
    value: Option<Edn>,
    discarded: bool,
}

/// Values a history may hold, Clojure's kinds mixed.
fn value() -> impl Strategy<Value = Edn> {
    prop_oneof![
        (0i64..3).prop_map(Edn::Integer),
        Just(Edn::Nil),
        Just(Edn::String("a".into())),
        Just(Edn::Character('a')),
        Just(kw("a")),
        Just(Edn::Vector(vec![Edn::Integer(1)])),
        Just(Edn::List(vec![Edn::Integer(1)])),
        Just(Edn::Float(1.0.into())),
    ]
}

/// A well-formed history of up to 6 ops over 3 processes (reads, writes, cas; ok,
/// fail, info, or never completed).
fn history() -> impl Strategy<Value = Vec<Entry>> {
    let op = (0usize..3, 0u8..3, 0u8..8, value(), value(), 0i64..3);
    prop::collection::vec(op, 1..=6).prop_map(|raw| {
        let mut out: Vec<Entry> = Vec::new();
        let mut pending: Vec<Option<Entry>> = vec![None, None, None];
        let mut next = [0i64, 1, 2];
        for (slot, f, end, a, b, c) in raw {
            if let Some(done) = pending[slot].take() {
                out.push(done);
            }
            let f = ["read", "write", "cas"][f as usize];
            let process = next[slot];
            let invoked = match f {
                "read" => Edn::Nil,
                "write" => a.clone(),
                _ => Edn::Vector(vec![a.clone(), b.clone()]),
            };
            out.push(Entry {
                process,
                kind: "invoke",
                f,
                value: Some(invoked.clone()),
                discarded: false,
            });
            let (kind, value) = match end {
                0 => ("info", invoked),
                1 => ("fail", invoked),
                2 => continue,
                _ if f == "read" => ("ok", if c == 0 { Edn::Nil } else { a }),
                _ => ("ok", invoked),
            };
            if kind == "info" {
                next[slot] += 3;
            }
            pending[slot] = Some(Entry {
                process,
                kind,
                f,
                value: Some(value),
                discarded: false,
            });
        }
        out.extend(pending.into_iter().flatten());
        out
    })
}

/// One edit of a history's entries.
#[derive(Clone, Debug)]
enum Mutation {
    Value(usize, Edn),
    DropValue(usize),
    Kind(usize, u8),
    Function(usize, u8),
    Process(usize, i64),
    Delete(usize),
    Duplicate(usize),
    Swap(usize),
    Discard(usize),
    Nemesis(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = any::<usize>();
    prop_oneof![
        3 => (i, value()).prop_map(|(i, v)| Mutation::Value(i, v)),
        1 => (i).prop_map(Mutation::DropValue),
        1 => (i, 0u8..5).prop_map(|(i, k)| Mutation::Kind(i, k)),
        1 => (i, 0u8..4).prop_map(|(i, f)| Mutation::Function(i, f)),
        1 => (i, 0i64..4).prop_map(|(i, p)| Mutation::Process(i, p)),
        1 => (i).prop_map(Mutation::Delete),
        1 => (i).prop_map(Mutation::Duplicate),
        1 => (i).prop_map(Mutation::Swap),
        1 => (i).prop_map(Mutation::Discard),
        1 => (i).prop_map(Mutation::Nemesis),
    ]
}

fn mutate(es: &mut Vec<Entry>, m: &Mutation) {
    if es.is_empty() {
        return;
    }
    let n = es.len();
    match m {
        Mutation::Value(i, v) => es[i % n].value = Some(v.clone()),
        Mutation::DropValue(i) => es[i % n].value = None,
        Mutation::Kind(i, k) => {
            es[i % n].kind = ["invoke", "ok", "fail", "info", "log"][*k as usize]
        }
        Mutation::Function(i, f) => es[i % n].f = ["read", "write", "cas", "add"][*f as usize],
        Mutation::Process(i, p) => es[i % n].process = *p,
        Mutation::Delete(i) => {
            es.remove(i % n);
        }
        Mutation::Duplicate(i) => {
            let e = es[i % n].clone();
            es.insert(i % n, e);
        }
        Mutation::Swap(i) => {
            if n > 1 {
                es.swap(i % (n - 1), i % (n - 1) + 1);
            }
        }
        Mutation::Discard(i) => es[i % n].discarded = true,
        Mutation::Nemesis(i) => es[i % n].process = -1,
    }
}

/// The entries as Jepsen writes them, one vector.
fn print(es: &[Entry]) -> String {
    let maps: Vec<String> = es
        .iter()
        .map(|e| {
            let process = if e.process < 0 {
                ":nemesis".to_string()
            } else {
                e.process.to_string()
            };
            let value = e
                .value
                .as_ref()
                .map(|v| format!(", :value {}", edn_format::emit_str(v)))
                .unwrap_or_default();
            let discard = if e.discarded { "#_ " } else { "" };
            format!(
                "{discard}{{:process {process}, :type :{}, :f :{}{value}}}",
                e.kind, e.f
            )
        })
        .collect();
    format!("[{}]", maps.join("\n "))
}

/// Reads and checks `text` with linsim as `linsim check --format edn --model
/// cas-register --init INIT` does, and compares with Knossos on the same history
/// (`as_clojure_reads_it`: the same text with its discarded forms left out).
fn agree(text: &str, as_clojure_reads_it: &str, init: &str) -> Result<bool, TestCaseError> {
    let oracle = knossos(as_clojure_reads_it, &edn_format::parse_str(init).unwrap());
    let read = match parse_detailed("m.edn", text, Some(Format::Edn)) {
        Ok(r) => r,
        Err(e) => {
            prop_assert!(e.to_string().starts_with("m.edn:"), "{e}");
            return Ok(false);
        }
    };
    let init = parse_init(init).unwrap();
    let Ok(r) = check_named_init(
        "cas-register",
        Some(&init),
        &read.history,
        &CheckOptions::default(),
    ) else {
        return Ok(false);
    };
    prop_assert_ne!(r.verdict, Verdict::Unknown);
    prop_assert_eq!(
        oracle,
        Some(r.verdict == Verdict::Ok),
        "linsim says {} (oracle: None = Knossos has no verdict)\n{}",
        r.verdict,
        text
    );
    Ok(true)
}

/// One case: a generated history, mutated, read and checked both ways; whether linsim
/// gave a verdict (it agreed) or refused the text.
fn case(
    h: Vec<Entry>,
    edits: &[Mutation],
    zero: bool,
) -> Result<(bool, Option<bool>), TestCaseError> {
    let mut h = h;
    for m in edits {
        mutate(&mut h, m);
    }
    // Clojure reads `[a #_ b]` as `[a]`; edn-format 3.3 (which the oracle uses) fails
    // on a discard just before a closing bracket, so the oracle reads the text without
    // the discarded entries.
    let kept: Vec<Entry> = h.iter().filter(|e| !e.discarded).cloned().collect();
    let init = if zero { "0" } else { "nil" };
    let oracle = knossos(&print(&kept), &edn_format::parse_str(init).unwrap());
    Ok((agree(&print(&h), &print(&kept), init)?, oracle))
}

fn cases() -> impl Strategy<Value = (Vec<Entry>, Vec<Mutation>, bool)> {
    (
        history(),
        prop::collection::vec(mutation(), 0..4),
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn mutated_edn_histories_get_knossos_verdict_or_an_error((h, edits, zero) in cases()) {
        case(h, &edits, zero)?;
    }
}

/// The fuzz reaches every outcome: verdicts of both kinds, and refusals of texts that
/// have a verdict and of texts that have none.
#[test]
fn the_edn_fuzz_reaches_every_outcome() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..3000 {
        let (h, edits, zero) = cases().new_tree(&mut runner).unwrap().current();
        let (gave_verdict, oracle) = case(h, &edits, zero).unwrap();
        *seen.entry((gave_verdict, oracle)).or_insert(0) += 1;
    }
    for outcome in [
        (true, Some(true)),
        (true, Some(false)),
        (false, Some(true)),
        (false, Some(false)),
        (false, None),
    ] {
        assert!(
            seen.get(&outcome).copied().unwrap_or(0) >= 30,
            "{outcome:?} too rare: {seen:?}"
        );
    }
    println!("{seen:?}");
}

#[test]
fn the_oracle_reads_the_issues_examples_as_knossos_does() {
    let char_is_not_string = r#"[{:process 0, :type :invoke, :f :write, :value \a} {:process 0, :type :ok, :f :write, :value \a} {:process 1, :type :invoke, :f :read, :value nil} {:process 1, :type :ok, :f :read, :value "a"}]"#;
    assert_eq!(knossos(char_is_not_string, &Edn::Nil), Some(false));
    assert!(parse_detailed("i.edn", char_is_not_string, None).is_err());
    let ok_value_wins = "[{:process 0, :type :invoke, :f :write, :value 1} {:process 0, :type :ok, :f :write, :value 2} {:process 1, :type :invoke, :f :read, :value nil} {:process 1, :type :ok, :f :read, :value 2}]";
    assert_eq!(knossos(ok_value_wins, &Edn::Nil), Some(true));
    assert!(agree(ok_value_wins, ok_value_wins, "nil").unwrap());
}
