//! Jepsen EDN histories, read with Knossos semantics: `:fail` ops did not happen and
//! are kept as failed (the checker leaves them out), `:info` and dangling invokes never
//! complete, `:process :nemesis` entries are ignored, `:time` orders events when present
//! (else the line order does).

use super::pairing::Pairing;
use super::ParseError;
use crate::history::{Function, History, Operation, Outcome, Value};
use edn_format::{Keyword, Value as Edn};
use std::fmt::Write;

/// The `:error` linsim writes on a cas that happened and returned false. Jepsen writes
/// such a cas as `:fail`, which Knossos reads as "did not happen" (weaker, still sound);
/// linsim's reader keeps the stronger fact.
const CAS_FAILED: &str = "cas-failed";

fn kw(name: &str) -> Edn {
    Edn::Keyword(Keyword::from_name(name))
}

fn to_value(file: &str, line: usize, v: &Edn) -> Result<Value, ParseError> {
    match v {
        Edn::Nil => Ok(Value::Nil),
        Edn::Boolean(b) => Ok(Value::Bool(*b)),
        Edn::Integer(i) => Ok(Value::Int(*i)),
        Edn::String(s) => Ok(Value::Str(s.clone())),
        Edn::Keyword(k) => Ok(Value::Str(format!(":{}", k.name()))),
        other => Err(ParseError::at(
            file,
            line,
            format!(
                "unsupported value {}: expected nil, an integer, a string or a boolean",
                edn_format::emit_str(other)
            ),
        )),
    }
}

fn function_of(file: &str, line: usize, f: &Edn) -> Result<Function, ParseError> {
    let name = match f {
        Edn::Keyword(k) => k.name().to_string(),
        other => edn_format::emit_str(other),
    };
    match name.as_str() {
        "read" | "get" => Ok(Function::Read),
        "write" | "put" => Ok(Function::Write),
        "cas" => Ok(Function::Cas),
        "append" => Ok(Function::Append),
        other => Err(ParseError::at(
            file,
            line,
            format!(
                "unknown function :{other}: expected :read, :get, :write, :put, :cas or :append"
            ),
        )),
    }
}

/// The op maps of the file, with their line numbers. A file that is one vector of maps
/// (one per line) is accepted too.
fn forms(file: &str, text: &str) -> Result<Vec<(usize, Edn)>, ParseError> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let mut s = raw.trim();
        if s.is_empty() || s.starts_with(';') {
            continue;
        }
        if out.is_empty() && s.starts_with('[') {
            s = s[1..].trim_start();
        }
        if s.ends_with(']') && !s.ends_with("]}") {
            s = s[..s.len() - 1].trim_end();
        }
        if s.is_empty() {
            continue;
        }
        let value = edn_format::parse_str(s).map_err(|e| {
            ParseError::at(file, line, format!("invalid EDN: {e:?} (expected one op map such as {{:type :invoke, :f :read, :process 0, :value nil}})"))
        })?;
        out.push((line, value));
    }
    Ok(out)
}

/// Parses a Jepsen EDN history (also porcupine's kv histories).
pub fn parse_edn(file: &str, text: &str) -> Result<History, ParseError> {
    let mut pairing = Pairing::default();
    for (ordinal, (line, form)) in forms(file, text)?.into_iter().enumerate() {
        let Edn::Map(map) = &form else {
            return Err(ParseError::at(
                file,
                line,
                "expected an op map {:type ... :f ... :process ... :value ...}",
            ));
        };
        let get = |k: &str| map.get(&kw(k));
        let process = match get("process") {
            Some(Edn::Integer(p)) if *p >= 0 => *p as u64,
            Some(Edn::Keyword(k)) if k.name() == "nemesis" => continue,
            Some(other) => {
                return Err(ParseError::at(
                    file,
                    line,
                    format!(
                        "expected :process to be a number or :nemesis, found {}",
                        edn_format::emit_str(other)
                    ),
                ))
            }
            None => return Err(ParseError::at(file, line, "missing :process")),
        };
        let kind = match get("type") {
            Some(Edn::Keyword(k)) => k.name().to_string(),
            _ => {
                return Err(ParseError::at(
                    file,
                    line,
                    "missing :type (expected :invoke, :ok, :fail or :info)",
                ))
            }
        };
        let f = function_of(file, line, get("f").unwrap_or(&Edn::Nil))?;
        let time = match get("time") {
            Some(Edn::Integer(t)) if *t >= 0 => *t as u64,
            Some(other) => {
                return Err(ParseError::at(
                    file,
                    line,
                    format!(
                        "expected :time to be a non-negative integer, found {}",
                        edn_format::emit_str(other)
                    ),
                ))
            }
            None => ordinal as u64,
        };
        let key = match get("key") {
            None | Some(Edn::Nil) => String::new(),
            Some(Edn::String(s)) => s.clone(),
            Some(other) => edn_format::emit_str(other),
        };
        let value = get("value").unwrap_or(&Edn::Nil);
        match kind.as_str() {
            "invoke" => {
                let input = match f {
                    Function::Read => vec![],
                    Function::Write | Function::Append => vec![to_value(file, line, value)?],
                    Function::Cas => match value {
                        Edn::Vector(v) | Edn::List(v) if v.len() == 2 => {
                            vec![to_value(file, line, &v[0])?, to_value(file, line, &v[1])?]
                        }
                        other => {
                            return Err(ParseError::at(
                                file,
                                line,
                                format!(
                                    "expected a cas value [expected new], found {}",
                                    edn_format::emit_str(other)
                                ),
                            ))
                        }
                    },
                };
                pairing.invoke(file, line, process, f, key, input, time)?;
            }
            "ok" | "fail" | "info" => {
                let op = pairing.complete(file, line, process, f)?;
                match kind.as_str() {
                    "ok" => {
                        op.outcome = Outcome::Ok;
                        op.ret = Some(time.max(op.call));
                        op.output = match f {
                            Function::Read => to_value(file, line, value)?,
                            Function::Cas => Value::Bool(true),
                            _ => Value::Nil,
                        };
                    }
                    "fail" if f == Function::Cas && get("error") == Some(&kw(CAS_FAILED)) => {
                        // linsim's marker: the cas happened and returned false.
                        op.outcome = Outcome::Ok;
                        op.output = Value::Bool(false);
                        op.ret = Some(time.max(op.call));
                    }
                    "fail" => {
                        op.outcome = Outcome::Fail;
                        op.ret = Some(time.max(op.call));
                    }
                    _ => {
                        op.outcome = Outcome::Info;
                        op.ret = None;
                    }
                }
            }
            other => {
                return Err(ParseError::at(
                    file,
                    line,
                    format!("unknown :type :{other}: expected :invoke, :ok, :fail or :info"),
                ))
            }
        }
    }
    Ok(pairing.finish())
}

fn edn_value(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Str(s) => edn_format::emit_str(&Edn::String(s.clone())),
    }
}

fn edn_input(op: &Operation) -> String {
    match op.input.as_slice() {
        [] => "nil".into(),
        [v] => edn_value(v),
        vs => format!(
            "[{}]",
            vs.iter().map(edn_value).collect::<Vec<_>>().join(" ")
        ),
    }
}

/// Writes a history as Jepsen EDN, one op map per line, readable by Knossos, Elle and
/// `linsim check`. Ops that never returned get an `:info` completion at the end.
pub fn write_edn(history: &History) -> String {
    let mut lines: Vec<(u64, u8, usize, String)> = Vec::new();
    let end = history
        .ops
        .iter()
        .filter_map(|o| o.ret.or(Some(o.call)))
        .max()
        .unwrap_or(0)
        + 1;
    for (i, op) in history.ops.iter().enumerate() {
        let f = match op.f {
            crate::history::Function::Read => "read",
            crate::history::Function::Write => "write",
            crate::history::Function::Cas => "cas",
            crate::history::Function::Append => "append",
        };
        let key = if op.key.is_empty() {
            String::new()
        } else {
            format!(
                ", :key {}",
                edn_format::emit_str(&Edn::String(op.key.clone()))
            )
        };
        let invoke_value = if op.f == Function::Read {
            "nil".to_string()
        } else {
            edn_input(op)
        };
        lines.push((
            op.call,
            0,
            i,
            format!(
                "{{:type :invoke, :f :{f}, :process {}, :time {}{key}, :value {invoke_value}}}",
                op.process, op.call
            ),
        ));
        let mut extra = String::new();
        let (kind, time, value) = match (op.outcome, op.ret) {
            (Outcome::Ok, Some(t)) if op.f == Function::Cas && op.output == Value::Bool(false) => {
                extra = format!(", :error :{CAS_FAILED}");
                ("fail", t, edn_input(op))
            }
            (Outcome::Ok, Some(t)) => {
                let v = if op.f == Function::Read {
                    edn_value(&op.output)
                } else {
                    edn_input(op)
                };
                ("ok", t, v)
            }
            (Outcome::Fail, Some(t)) => ("fail", t, edn_input(op)),
            _ => ("info", end, edn_input(op)),
        };
        lines.push((
            time,
            1,
            i,
            format!(
                "{{:type :{kind}, :f :{f}, :process {}, :time {time}{key}, :value {value}{extra}}}",
                op.process
            ),
        ));
    }
    lines.sort_by_key(|l| (l.0, l.1, l.2));
    let mut out = String::new();
    for (index, (_, _, _, text)) in lines.into_iter().enumerate() {
        let _ = writeln!(out, "{}, :index {index}}}", &text[..text.len() - 1]);
    }
    out
}
