//! One EDN form of a history: a client op entry, a nemesis or log entry to skip, or an
//! error. Then client entries become operations, with `jepsen.independent` tuples
//! `[key value]` split into keyed operations, read as Knossos reads them: a completed
//! op's value is its `:ok` entry's, a `:fail` must repeat its invocation's value, and
//! (in a history that is not linsim's own) a read of nil is a read whose value is not
//! known.

use super::clj::{clj_eq, Kinds};
use super::value::{key_string, keyword_name, to_value};
use crate::formats::pairing::{Completed, Pairing};
use crate::formats::{ParseError, Pos};
use crate::history::{Function, Outcome, Value};
use edn_format::{Keyword, Value as Edn};

/// The `:error` linsim writes on a cas that happened and returned false. Jepsen writes
/// such a cas as `:fail`, which Knossos reads as "did not happen" (weaker, still sound);
/// in linsim's own histories the reader keeps the stronger fact.
pub const CAS_FAILED: &str = "cas-failed";

/// The Jepsen names of each function (`:get`, `:put` are porcupine's kv names).
const FUNCTION_NAMES: [(&str, Function); 13] = [
    ("read", Function::Read),
    ("get", Function::Read),
    ("write", Function::Write),
    ("put", Function::Write),
    ("cas", Function::Cas),
    ("append", Function::Append),
    ("txn", Function::Txn),
    ("acquire", Function::Acquire),
    ("release", Function::Release),
    ("add", Function::Add),
    ("enqueue", Function::Enqueue),
    ("dequeue", Function::Dequeue),
    ("increment", Function::Increment),
];

/// How an entry ends or starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `:invoke`.
    Invoke,
    /// `:ok`.
    Ok,
    /// `:fail`.
    Fail,
    /// `:info`.
    Info,
}

/// A client entry, not yet paired.
pub struct ClientEntry {
    pos: Pos,
    process: u64,
    kind: Kind,
    /// The function, or why it is not one linsim knows (an error unless the entry is a
    /// stray `:info`, which completes nothing and is skipped).
    f: Result<Function, String>,
    /// The `:key` field (porcupine's kv histories, linsim's own EDN).
    key: Option<String>,
    value: Edn,
    cas_failed: bool,
    /// The `:node` field, where an integer: the server that answered (linsim's EDN).
    node: Option<u64>,
}

/// How the entries of a file are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    /// The history is linsim's own (it says so): nil is a value (a read of nil saw no
    /// write) and `:error :cas-failed` marks a cas that returned false.
    pub linsim: bool,
    /// Every client value is a `jepsen.independent` tuple.
    pub independent: bool,
    /// The history adds to a set (`:add`): a read's value is the set's elements.
    pub set_reads: bool,
}

/// What reading the entries found besides the operations.
#[derive(Clone, Debug, Default)]
pub struct Found {
    /// `:info` entries of a process with no op open: they complete nothing.
    pub stray_infos: usize,
    /// Reads that returned nil in a history not linsim's: their value is not known.
    pub unknown_nil_reads: usize,
    /// The kinds of value seen, to refuse mixtures (`clj::Kinds`).
    pub kinds: Kinds,
}

/// What a form is.
pub enum Entry {
    /// An operation's invocation or completion.
    Client(ClientEntry),
    /// A `:process :nemesis` entry: skipped.
    Nemesis,
    /// A `:type :log` entry: skipped.
    Log,
}

fn kw(name: &str) -> Edn {
    Edn::Keyword(Keyword::from_name(name))
}

/// Reads one form.
pub fn classify(file: &str, pos: Pos, form: &Edn) -> Result<Entry, ParseError> {
    let err = |msg: String| ParseError::at_pos(file, pos, msg);
    let Edn::Map(map) = form else {
        return Err(err(format!(
            "expected an op map {{:type ... :f ... :process ... :value ...}}, found {}",
            short(form)
        )));
    };
    let get = |k: &str| map.get(&kw(k));
    let kind = match get("type") {
        Some(Edn::Keyword(k)) if k.namespace().is_none() => match k.name() {
            "invoke" => Kind::Invoke,
            "ok" => Kind::Ok,
            "fail" => Kind::Fail,
            "info" => Kind::Info,
            "log" => return Ok(Entry::Log),
            other => {
                return Err(err(format!(
                "unknown :type :{other}: expected :invoke, :ok, :fail or :info (or :log, skipped)"
            )))
            }
        },
        Some(other) => {
            return Err(err(format!(
                "expected :type to be a keyword such as :invoke, found {}",
                short(other)
            )))
        }
        None => {
            return Err(err(
                "missing :type (expected :invoke, :ok, :fail or :info)".into()
            ))
        }
    };
    let process = match get("process") {
        Some(Edn::Integer(p)) if *p >= 0 => *p as u64,
        Some(Edn::Keyword(k)) if k.name() == "nemesis" => return Ok(Entry::Nemesis),
        Some(other) => {
            return Err(err(format!(
                "expected :process to be a non-negative integer or :nemesis, found {}",
                short(other)
            )))
        }
        None => return Err(err("missing :process".into())),
    };
    let f = match get("f") {
        Some(Edn::Keyword(k)) => {
            let name = keyword_name(k);
            FUNCTION_NAMES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|&(_, f)| f)
                .ok_or_else(|| format!("unknown function :{name}: expected {}", known_functions()))
        }
        Some(other) => Err(format!(
            "expected :f to be a keyword such as :read, found {}",
            short(other)
        )),
        None => Err(format!("missing :f (expected {})", known_functions())),
    };
    if kind != Kind::Info {
        if let Err(msg) = &f {
            return Err(err(msg.clone()));
        }
    }
    let key = get("key").filter(|k| **k != Edn::Nil).map(key_string);
    Ok(Entry::Client(ClientEntry {
        pos,
        process,
        kind,
        f,
        key,
        value: get("value").cloned().unwrap_or(Edn::Nil),
        cas_failed: get("error") == Some(&kw(CAS_FAILED)),
        node: match get("node") {
            Some(Edn::Integer(n)) if *n >= 0 => Some(*n as u64),
            _ => None,
        },
    }))
}

fn known_functions() -> String {
    let names: Vec<String> = FUNCTION_NAMES
        .iter()
        .map(|(n, _)| format!(":{n}"))
        .collect();
    names.join(", ")
}

/// A form, printed and cut short for a message.
fn short(v: &Edn) -> String {
    let s = edn_format::emit_str(v);
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s,
    }
}

fn is_seq(v: &Edn) -> bool {
    matches!(v, Edn::Vector(_) | Edn::List(_))
}

fn seq(v: &Edn) -> &[Edn] {
    match v {
        Edn::Vector(vs) | Edn::List(vs) => vs,
        _ => &[],
    }
}

/// A `#jepsen.independent.Tuple{:key k :value v}` tagged tuple, if `v` is one.
fn tagged_tuple(v: &Edn) -> Option<(&Edn, &Edn)> {
    let Edn::TaggedElement(tag, inner) = v else {
        return None;
    };
    let Edn::Map(m) = &**inner else {
        return None;
    };
    if !tag.name().ends_with("Tuple") {
        return None;
    }
    Some((m.get(&kw("key"))?, m.get(&kw("value")).unwrap_or(&Edn::Nil)))
}

impl ClientEntry {
    /// Its process.
    pub fn process(&self) -> u64 {
        self.process
    }

    /// Its type.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Its function (an error for a function linsim does not know).
    pub fn function(&self) -> Option<Function> {
        self.f.clone().ok()
    }

    /// An error if this `:fail` entry's value is not its invocation's (`invoked`), as
    /// Knossos asserts: a failed op did not happen, and the two must agree on what it
    /// was.
    pub fn check_fail(&self, file: &str, invoked: &ClientEntry) -> Result<(), ParseError> {
        if self.kind != Kind::Fail || clj_eq(&self.value, &invoked.value) {
            return Ok(());
        }
        Err(ParseError::at_pos(
            file,
            self.pos,
            format!(
                ":fail value {} differs from the value {} invoked at line {} (Knossos requires a failed op's values to agree)",
                short(&self.value),
                short(&invoked.value),
                invoked.pos.line
            ),
        ))
    }

    /// Whether the value has the shape of a `jepsen.independent` tuple `[key value]`
    /// for this function: a key that is not a collection, and for a cas a pair, for
    /// a txn a sequence of micro-operations.
    pub fn tuple_shaped(&self) -> bool {
        if tagged_tuple(&self.value).is_some() {
            return true;
        }
        let [k, v] = seq(&self.value) else {
            return false;
        };
        if !is_seq(&self.value) || is_seq(k) || matches!(k, Edn::Map(_) | Edn::Set(_)) {
            return false;
        }
        match self.f {
            Ok(Function::Cas) => seq(v).len() == 2,
            Ok(Function::Txn) => is_seq(v) && seq(v).iter().all(is_seq),
            _ => true,
        }
    }

    /// The key and the value proper: split from a tuple if the history is
    /// independent, else the `:key` field and the whole value.
    fn key_and_value(&self, independent: bool) -> (String, &Edn) {
        if let Some((k, v)) = tagged_tuple(&self.value) {
            return (key_string(k), v);
        }
        if independent {
            if let [k, v] = seq(&self.value) {
                return (key_string(k), v);
            }
        }
        (self.key.clone().unwrap_or_default(), &self.value)
    }

    /// Adds the entry to the operations being paired; `time` is its place among the
    /// client entries (Knossos orders a history by its entries, not by `:time`).
    pub fn apply(
        &self,
        file: &str,
        reading: Reading,
        time: u64,
        pairing: &mut Pairing,
        found: &mut Found,
    ) -> Result<(), ParseError> {
        let err = |msg: String| ParseError::at_pos(file, self.pos, msg);
        let (key, value) = self.key_and_value(reading.independent);
        let conv = |v: &Edn| to_value(v).map_err(err);
        let outcome = match self.kind {
            Kind::Invoke => {
                let f = self.f.clone().map_err(err)?;
                let input = self.input(file, f, value, &mut found.kinds)?;
                return pairing.invoke(file, self.pos, self.process, f, key, input, time);
            }
            Kind::Ok => Outcome::Ok,
            Kind::Fail => Outcome::Fail,
            Kind::Info => Outcome::Info,
        };
        let op = match pairing.complete(file, self.pos, self.process, self.f.clone(), outcome)? {
            Completed::Op(op) => op,
            Completed::Stray => {
                found.stray_infos += 1;
                return Ok(());
            }
        };
        op.node = self.node;
        match self.kind {
            Kind::Ok => {
                // Knossos: the completion's value is the op's (a read's result, a
                // write's or cas's value as it took effect).
                op.input = self.input(file, op.f, value, &mut found.kinds)?;
                op.output = match op.f {
                    Function::Read | Function::Txn | Function::Dequeue => {
                        let elements = reading.set_reads && op.f == Function::Read;
                        found.kinds.note(self.pos, value, elements);
                        conv(value)?
                    }
                    Function::Cas => Value::Bool(true),
                    _ => Value::Nil,
                };
                op.outcome = Outcome::Ok;
                op.ret = Some(time);
                if op.f == Function::Read && op.output == Value::Nil && !reading.linsim {
                    // Knossos's registers accept any value for a read of nil: it
                    // returned, with a value not known. linsim's own histories say
                    // so when nil is a value.
                    op.outcome = Outcome::Info;
                    found.unknown_nil_reads += 1;
                }
            }
            Kind::Fail => {
                // (That it repeats its invocation's value is checked by the caller.)
                op.ret = Some(time);
                if op.f == Function::Cas && self.cas_failed && reading.linsim {
                    // linsim's marker: the cas happened and returned false.
                    op.outcome = Outcome::Ok;
                    op.output = Value::Bool(false);
                } else {
                    op.outcome = Outcome::Fail;
                }
            }
            _ => {
                op.outcome = Outcome::Info;
                op.ret = None;
            }
        }
        Ok(())
    }

    /// An op's arguments from the value of its invocation or completion.
    fn input(
        &self,
        file: &str,
        f: Function,
        value: &Edn,
        kinds: &mut Kinds,
    ) -> Result<Vec<Value>, ParseError> {
        let err = |msg: String| ParseError::at_pos(file, self.pos, msg);
        let conv = |v: &Edn| to_value(v).map_err(err);
        Ok(match f {
            Function::Read | Function::Acquire | Function::Release | Function::Dequeue => {
                vec![]
            }
            Function::Write
            | Function::Append
            | Function::Add
            | Function::Enqueue
            | Function::Increment => {
                kinds.note(self.pos, value, false);
                vec![conv(value)?]
            }
            Function::Txn => {
                for micro in seq(value) {
                    for part in seq(micro).iter().skip(1) {
                        kinds.note(self.pos, part, false);
                    }
                }
                vec![conv(value)?]
            }
            Function::Cas => match seq(value) {
                [a, b] => {
                    kinds.note(self.pos, a, false);
                    kinds.note(self.pos, b, false);
                    vec![conv(a)?, conv(b)?]
                }
                _ => {
                    return Err(err(format!(
                        "expected a cas value [expected new], found {}",
                        short(value)
                    )))
                }
            },
        })
    }
}
