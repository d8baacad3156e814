//! Writing a history as Jepsen EDN, one op map per line.

use super::entry::CAS_FAILED;
use super::value::emit;
use crate::history::{Function, History, Operation, Outcome, Value};
use edn_format::Value as Edn;
use std::fmt::Write;

/// The `:value` of an invocation.
fn invoke_value(op: &Operation) -> String {
    match (op.f, op.input.as_slice()) {
        (Function::Cas, vs) => emit(&Value::List(vs.to_vec())),
        (_, [v]) => emit(v),
        _ => "nil".into(),
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
        .saturating_add(1);
    for (i, op) in history.ops.iter().enumerate() {
        let f = op.f.name();
        let key = if op.key.is_empty() {
            String::new()
        } else {
            format!(
                ", :key {}",
                edn_format::emit_str(&Edn::String(op.key.clone()))
            )
        };
        let invoke = invoke_value(op);
        lines.push((
            op.call,
            0,
            i,
            format!(
                "{{:type :invoke, :f :{f}, :process {}, :time {}{key}, :value {invoke}}}",
                op.process, op.call
            ),
        ));
        let mut extra = String::new();
        let (kind, time, value) = match (op.outcome, op.ret) {
            (Outcome::Ok, Some(t)) if op.f == Function::Cas && op.output == Value::Bool(false) => {
                extra = format!(", :error :{CAS_FAILED}");
                ("fail", t, invoke.clone())
            }
            (Outcome::Ok, Some(t)) if op.f.has_output() && op.f != Function::Cas => {
                ("ok", t, emit(&op.output))
            }
            (Outcome::Ok, Some(t)) => ("ok", t, invoke.clone()),
            (Outcome::Fail, Some(t)) => ("fail", t, invoke.clone()),
            _ => ("info", end, invoke.clone()),
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
