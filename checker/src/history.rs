//! Histories: the operations clients performed, with their outcomes and timing.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A value read, written or compared. Registers hold integers, strings or keywords;
/// nil is the value of a register never written; lists hold a set's elements, a
/// transaction's micro-operations, or any nested Jepsen value. In JSON a keyword is
/// `{"keyword": "name"}`, so it stays distinct from the string `"name"`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// No value (`nil`).
    #[default]
    Nil,
    /// A boolean (the result of a cas).
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
    /// A sequence of values (an EDN vector, list or set).
    List(Vec<Value>),
    /// A keyword (`:name`, or `:ns/name`), stored without the colon.
    Keyword(#[serde(with = "keyword_json")] String),
}

/// A keyword's JSON form: `{"keyword": "name"}`.
mod keyword_json {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Keyword {
        keyword: String,
    }

    pub fn serialize<S: Serializer>(name: &str, s: S) -> Result<S::Ok, S::Error> {
        Keyword {
            keyword: name.to_string(),
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Keyword::deserialize(d).map(|k| k.keyword)
    }
}

impl Value {
    /// The keyword `:name`.
    pub fn keyword(name: &str) -> Value {
        Value::Keyword(name.to_string())
    }

    /// Heap bytes the value owns, from lengths (the same on every machine).
    pub fn heap_bytes(&self) -> usize {
        match self {
            Value::Nil | Value::Bool(_) | Value::Int(_) => 0,
            Value::Str(s) | Value::Keyword(s) => s.len(),
            Value::List(vs) => {
                vs.len() * std::mem::size_of::<Value>()
                    + vs.iter().map(Value::heap_bytes).sum::<usize>()
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Keyword(k) => write!(f, ":{k}"),
            Value::List(vs) => {
                f.write_str("[")?;
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// What an operation does. The names are Jepsen's (`:read`, `:txn`, `:enqueue`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Function {
    /// Read a key (`get` in key-value terms); of a set, read all its elements.
    Read,
    /// Overwrite a key (`put`).
    Write,
    /// Compare-and-set: input `[expected, new]`, output `true` if it swapped.
    Cas,
    /// Append a string to a key's value.
    Append,
    /// A transaction over several registers: input `[[[:read k nil] [:write k v] ...]]`,
    /// output the same micro-operations with the values read.
    Txn,
    /// Acquire a mutex.
    Acquire,
    /// Release a mutex.
    Release,
    /// Add an element to a set: input `[v]`.
    Add,
    /// Enqueue an element: input `[v]`.
    Enqueue,
    /// Dequeue an element: output the element (nil: the queue was empty).
    Dequeue,
    /// Add to a counter: input `[n]`. Jepsen's counter workload calls it `:add`; the
    /// counter model takes an `add` as the same, so Jepsen's counter histories read as
    /// they are. linsim's own services need the two apart (a set's add is not a
    /// counter's).
    Increment,
}

impl Function {
    /// Every function, in declaration order.
    pub const ALL: [Function; 11] = [
        Function::Read,
        Function::Write,
        Function::Cas,
        Function::Append,
        Function::Txn,
        Function::Acquire,
        Function::Release,
        Function::Add,
        Function::Enqueue,
        Function::Dequeue,
        Function::Increment,
    ];

    /// The name, as Jepsen spells it (without the colon).
    pub fn name(self) -> &'static str {
        match self {
            Function::Read => "read",
            Function::Write => "write",
            Function::Cas => "cas",
            Function::Append => "append",
            Function::Txn => "txn",
            Function::Acquire => "acquire",
            Function::Release => "release",
            Function::Add => "add",
            Function::Enqueue => "enqueue",
            Function::Dequeue => "dequeue",
            Function::Increment => "increment",
        }
    }

    /// Whether the operation's output carries what it observed (so it is printed).
    pub fn has_output(self) -> bool {
        matches!(
            self,
            Function::Read | Function::Cas | Function::Txn | Function::Dequeue
        )
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// It happened, and `output` is what it returned.
    Ok,
    /// It definitely did not happen.
    Fail,
    /// Unknown: it may take effect at any time after its call, or never.
    Info,
}

/// One operation of one process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// The process (client) that performed it. A process runs one operation at a time.
    pub process: u64,
    /// What it does.
    pub f: Function,
    /// The key it touches (empty for a single register).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// Arguments: `[v]` for write and append, `[expected, new]` for cas, `[]` for read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input: Vec<Value>,
    /// The result: the value read, or `true`/`false` for cas. Ignored unless `Ok`.
    #[serde(default)]
    pub output: Value,
    /// When it was invoked (virtual nanoseconds, or any monotonic order).
    pub call: u64,
    /// When it returned; `None` if it never did (outcome `Info`).
    #[serde(default)]
    pub ret: Option<u64>,
    /// How it ended.
    pub outcome: Outcome,
    /// The server that answered it, where the history says (linsim's runs do): a
    /// stale answer then points at the server that gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<u64>,
}

impl Operation {
    /// `read x -> 3`, `cas x [1 2] -> true`, `write x 4 -> ?` (unknown outcome).
    pub fn describe(&self) -> String {
        let mut s = format!("{}", self.f);
        if !self.key.is_empty() {
            s.push(' ');
            s.push_str(&self.key);
        }
        match self.input.as_slice() {
            [] => {}
            [v] => s.push_str(&format!(" {v}")),
            vs => {
                let parts: Vec<String> = vs.iter().map(Value::to_string).collect();
                s.push_str(&format!(" [{}]", parts.join(" ")));
            }
        }
        match self.outcome {
            Outcome::Ok if self.f.has_output() => s.push_str(&format!(" -> {}", self.output)),
            Outcome::Ok => {}
            Outcome::Fail => s.push_str(" -> fail"),
            Outcome::Info => s.push_str(" -> ?"),
        }
        s
    }
}

/// A whole history: every operation, in call order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// The model the history is meant to be checked with, if it says (linsim's runs do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The operations.
    pub ops: Vec<Operation>,
}

/// A call or return, the event form of a history (as Jepsen and porcupine record it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Event {
    /// Operation `id` was invoked by `process` at `time`.
    Call {
        /// Index of the operation in the history.
        id: usize,
        /// The process.
        process: u64,
        /// When.
        time: u64,
    },
    /// Operation `id` returned at `time`.
    Return {
        /// Index of the operation in the history.
        id: usize,
        /// When.
        time: u64,
    },
}

impl History {
    /// A history of the given operations, sorted by call time (stable).
    pub fn new(mut ops: Vec<Operation>) -> History {
        ops.sort_by_key(|o| o.call);
        History { model: None, ops }
    }

    /// The event form: calls and returns in time order (a call precedes a return at the
    /// same time, so they count as concurrent). Operations that never returned have no
    /// return event.
    pub fn events(&self) -> Vec<Event> {
        let mut evs: Vec<(u64, u8, usize, Event)> = Vec::with_capacity(self.ops.len() * 2);
        for (id, op) in self.ops.iter().enumerate() {
            evs.push((
                op.call,
                0,
                id,
                Event::Call {
                    id,
                    process: op.process,
                    time: op.call,
                },
            ));
            if let Some(t) = op.ret {
                evs.push((t, 1, id, Event::Return { id, time: t }));
            }
        }
        evs.sort_by_key(|e| (e.0, e.1, e.2));
        evs.into_iter().map(|e| e.3).collect()
    }

    /// Rebuilds a history from events plus each operation's details (`ops[id]`, whose
    /// times are replaced by the events').
    pub fn from_events(events: &[Event], mut ops: Vec<Operation>) -> History {
        for op in ops.iter_mut() {
            op.ret = None;
        }
        for e in events {
            match *e {
                Event::Call { id, time, process } => {
                    ops[id].call = time;
                    ops[id].process = process;
                }
                Event::Return { id, time } => ops[id].ret = Some(time),
            }
        }
        History { model: None, ops }
    }

    /// Each pair (a, b) of consecutive ops of one process where b was called at the very
    /// instant a returned: the timestamps tie, but the process ran a before b.
    pub fn same_instant_links(&self) -> Vec<(usize, usize)> {
        let mut by_process: std::collections::BTreeMap<u64, Vec<usize>> = Default::default();
        for (i, op) in self.ops.iter().enumerate() {
            by_process.entry(op.process).or_default().push(i);
        }
        let mut links = Vec::new();
        for idxs in by_process.values_mut() {
            idxs.sort_by_key(|&i| (self.ops[i].call, i));
            for w in idxs.windows(2) {
                if self.ops[w[0]].ret == Some(self.ops[w[1]].call) {
                    links.push((w[0], w[1]));
                }
            }
        }
        links
    }

    /// A stable 64-bit hash of the history's JSON form (FNV-1a), for determinism checks.
    pub fn hash64(&self) -> u64 {
        let json = serde_json::to_vec(self).expect("histories serialize");
        fnv1a(&json)
    }
}

/// FNV-1a's starting state.
pub const FNV1A_INIT: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over bytes: stable across platforms and releases, unlike std's hasher.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_continue(FNV1A_INIT, bytes)
}

/// Continues an FNV-1a hash: `fnv1a_continue(fnv1a(a), b) == fnv1a(a ++ b)`.
pub fn fnv1a_continue(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(process: u64, f: Function, call: u64, ret: Option<u64>) -> Operation {
        Operation {
            process,
            f,
            key: String::new(),
            input: vec![],
            output: Value::Nil,
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
    fn events_round_trip_and_order_calls_before_returns() {
        let h = History::new(vec![
            op(1, Function::Read, 0, Some(5)),
            op(2, Function::Write, 5, Some(9)),
            op(3, Function::Write, 6, None),
        ]);
        let evs = h.events();
        assert_eq!(evs.len(), 5);
        assert!(
            matches!(evs[1], Event::Call { id: 1, .. }),
            "call at 5 first"
        );
        assert!(matches!(evs[2], Event::Return { id: 0, .. }));
        let back = History::from_events(&evs, h.ops.clone());
        assert_eq!(back, h);
    }

    #[test]
    fn keywords_stay_distinct_from_strings_in_json() {
        let mut o = op(1, Function::Write, 3, Some(4));
        o.input = vec![
            Value::keyword("x"),
            Value::Str("x".into()),
            Value::List(vec![Value::Int(1), Value::keyword("ns/y")]),
        ];
        let h = History::new(vec![o]);
        let text = serde_json::to_string(&h).unwrap();
        assert!(
            text.contains(r#""input":[{"keyword":"x"},"x",[1,{"keyword":"ns/y"}]]"#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<History>(&text).unwrap(), h);
        assert_eq!(h.ops[0].describe(), "write [:x \"x\" [1 :ns/y]]");
    }

    #[test]
    fn json_round_trip() {
        let mut o = op(1, Function::Cas, 3, Some(4));
        o.input = vec![Value::Int(1), Value::Str("two".into())];
        o.output = Value::Bool(true);
        let h = History::new(vec![o]);
        let text = serde_json::to_string(&h).unwrap();
        assert!(text.contains(r#""input":[1,"two"]"#), "{text}");
        assert_eq!(serde_json::from_str::<History>(&text).unwrap(), h);
        assert_eq!(h.ops[0].describe(), "cas [1 \"two\"] -> true");
    }
}
