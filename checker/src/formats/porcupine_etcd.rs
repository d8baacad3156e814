//! Porcupine's Jepsen etcd logs: `INFO  jepsen.util - <process> :<type> :<f> <value>`.

use super::pairing::{Completed, Pairing};
use super::{ParseError, Pos};
use crate::history::{Function, History, Outcome, Value};

fn parse_value(file: &str, line: usize, s: &str) -> Result<Value, ParseError> {
    match s {
        "nil" => Ok(Value::Nil),
        _ => s.parse::<i64>().map(Value::Int).map_err(|_| {
            ParseError::at(
                file,
                line,
                format!("expected nil or an integer, found {s:?}"),
            )
        }),
    }
}

fn parse_pair(file: &str, line: usize, s: &str) -> Result<Vec<Value>, ParseError> {
    let inner = s
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .ok_or_else(|| {
            ParseError::at(
                file,
                line,
                format!("expected a cas pair [A B], found {s:?}"),
            )
        })?;
    let parts: Vec<&str> = inner.split_whitespace().collect();
    if parts.len() != 2 {
        return Err(ParseError::at(
            file,
            line,
            format!("expected a cas pair [A B], found {s:?}"),
        ));
    }
    Ok(vec![
        parse_value(file, line, parts[0])?,
        parse_value(file, line, parts[1])?,
    ])
}

/// Parses a porcupine etcd log into a cas-register history. Times are line numbers.
/// `:fail :cas` is a cas that happened and returned false; `:fail :read :timed-out` is a
/// read with unknown result; `:info` means unknown outcome.
pub fn parse_porcupine_etcd(file: &str, text: &str) -> Result<History, ParseError> {
    parse_porcupine_etcd_lines(file, text).map(|(h, _)| h)
}

/// `parse_porcupine_etcd`, with the line of each op's invocation.
pub(crate) fn parse_porcupine_etcd_lines(
    file: &str,
    text: &str,
) -> Result<(History, Vec<usize>), ParseError> {
    let mut pairing = Pairing::default();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let Some((_, rest)) = raw.split_once("jepsen.util - ") else {
            return Err(ParseError::at(
                file,
                line,
                format!(
                    "expected `INFO  jepsen.util - <process> :<type> :<f> <value>`, found {raw:?}"
                ),
            ));
        };
        let mut tokens = rest.split_whitespace();
        let (Some(process), Some(kind), Some(f)) = (tokens.next(), tokens.next(), tokens.next())
        else {
            return Err(ParseError::at(
                file,
                line,
                "expected <process> :<type> :<f> <value>",
            ));
        };
        let value = tokens.collect::<Vec<_>>().join(" ");
        if process == ":nemesis" {
            continue;
        }
        let process: u64 = process.parse().map_err(|_| {
            ParseError::at(
                file,
                line,
                format!("expected a process number, found {process:?}"),
            )
        })?;
        let time = line as u64;
        let function = match f {
            ":read" => Function::Read,
            ":write" => Function::Write,
            ":cas" => Function::Cas,
            other => {
                return Err(ParseError::at(
                    file,
                    line,
                    format!("unknown function {other}: expected :read, :write or :cas"),
                ))
            }
        };
        match kind {
            ":invoke" => {
                let input = match function {
                    Function::Read => vec![],
                    Function::Write => vec![parse_value(file, line, &value)?],
                    _ => parse_pair(file, line, &value)?,
                };
                pairing.invoke(
                    file,
                    Pos::line(line),
                    process,
                    function,
                    String::new(),
                    input,
                    time,
                )?;
            }
            ":ok" | ":fail" | ":info" => {
                let entry = match kind {
                    ":ok" => Outcome::Ok,
                    ":fail" => Outcome::Fail,
                    _ => Outcome::Info,
                };
                let op =
                    match pairing.complete(file, Pos::line(line), process, Ok(function), entry)? {
                        Completed::Op(op) => op,
                        // An :info of a process with nothing open completes nothing.
                        Completed::Stray => continue,
                    };
                match (kind, function) {
                    (":ok", Function::Read) => {
                        op.output = parse_value(file, line, &value)?;
                        op.outcome = Outcome::Ok;
                        op.ret = Some(time);
                    }
                    (":ok", Function::Cas) => {
                        op.output = Value::Bool(true);
                        op.outcome = Outcome::Ok;
                        op.ret = Some(time);
                    }
                    (":ok", _) => {
                        op.outcome = Outcome::Ok;
                        op.ret = Some(time);
                    }
                    (":fail", Function::Cas) => {
                        // The compare did not match: the cas happened and returned false.
                        op.output = Value::Bool(false);
                        op.outcome = Outcome::Ok;
                        op.ret = Some(time);
                    }
                    // A failed (timed-out) read or write, and any :info: unknown outcome.
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
                    format!("unknown op type {other}: expected :invoke, :ok, :fail or :info"),
                ))
            }
        }
    }
    Ok(pairing.finish())
}
