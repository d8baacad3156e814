//! Writing a history as Jepsen EDN: one op map per line (linsim's artifacts), or as
//! Jepsen pretty-prints it, or all on one line.

use super::entry::CAS_FAILED;
use super::value::emit;
use crate::history::{Function, History, Operation, Outcome, Value};
use edn_format::Value as Edn;

/// The first line of every EDN history linsim writes. It tells the reader that nil is
/// a value there (a read of nil saw no write), where in other Jepsen histories a read
/// of nil is a read whose value is not known, as Knossos reads it.
pub const LINSIM_MARKER: &str = "; linsim history";

/// `LINSIM_MARKER`, with what it means, as written.
fn marker_line() -> String {
    format!("{LINSIM_MARKER}: nil is a value (a read of nil saw no write)\n")
}

/// How a written EDN history is laid out. Every layout reads back to the same history.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EdnLayout {
    /// One op map per line, no enclosing vector (linsim's `history.edn`).
    #[default]
    Lines,
    /// One vector, one map entry per line, as Clojure's pprint writes a Jepsen history.
    Pretty,
    /// One vector on a single line.
    OneLine,
}

/// The `:value` of an invocation.
fn invoke_value(op: &Operation) -> String {
    match (op.f, op.input.as_slice()) {
        (Function::Cas, vs) => emit(&Value::List(vs.to_vec())),
        (_, [v]) => emit(v),
        _ => "nil".into(),
    }
}

/// One entry: its order key and its fields in order.
type Entry = ((u64, u8, usize, u8), Vec<(&'static str, String)>);

/// Every invocation and completion, in time order, with `:index` added.
fn entries(history: &History) -> Vec<Vec<(&'static str, String)>> {
    let mut out: Vec<Entry> = Vec::new();
    let end = history
        .ops
        .iter()
        .filter_map(|o| o.ret.or(Some(o.call)))
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    // An op that never returned gets its `:info` completion just before its process's
    // next invocation, or at the end: a process has one op open at a time.
    let mut next_call: Vec<Option<(u64, usize)>> = vec![None; history.ops.len()];
    let mut last: std::collections::BTreeMap<u64, usize> = std::collections::BTreeMap::new();
    let mut by_call: Vec<usize> = (0..history.ops.len()).collect();
    by_call.sort_by_key(|&i| (history.ops[i].call, i));
    for &i in &by_call {
        if let Some(prev) = last.insert(history.ops[i].process, i) {
            next_call[prev] = Some((history.ops[i].call, i));
        }
    }
    // An op called at the instant its process's previous op returned: that completion
    // is written just before its invocation, after the other invocations of that
    // instant (which stay concurrent with it), so the process has one op open.
    let mut chained = vec![false; history.ops.len()];
    for (i, op) in history.ops.iter().enumerate() {
        if let Some((t, j)) = next_call[i] {
            if op.ret == Some(t) && op.outcome != Outcome::Info {
                chained[j] = true;
            }
        }
    }
    for (i, op) in history.ops.iter().enumerate() {
        let f = format!(":{}", op.f.name());
        let key = (!op.key.is_empty()).then(|| edn_format::emit_str(&Edn::String(op.key.clone())));
        let invoke = invoke_value(op);
        let fields = |kind: &str, time: u64, value: String| {
            let mut v = vec![
                ("type", format!(":{kind}")),
                ("f", f.clone()),
                ("process", op.process.to_string()),
                ("time", time.to_string()),
            ];
            if let Some(k) = &key {
                v.push(("key", k.clone()));
            }
            v.push(("value", value));
            v
        };
        let invoked = if chained[i] {
            (op.call, 1, 1 + i, 1)
        } else {
            (op.call, 1, 0, 0)
        };
        out.push((invoked, fields("invoke", op.call, invoke.clone())));
        let (kind, time, value, cas_failed) = match (op.outcome, op.ret) {
            (Outcome::Ok, Some(t)) if op.f == Function::Cas && op.output == Value::Bool(false) => {
                ("fail", t, invoke.clone(), true)
            }
            (Outcome::Ok, Some(t)) if op.f.has_output() && op.f != Function::Cas => {
                ("ok", t, emit(&op.output), false)
            }
            (Outcome::Ok, Some(t)) => ("ok", t, invoke.clone(), false),
            (Outcome::Fail, t) => ("fail", t.unwrap_or(end), invoke.clone(), false),
            _ => ("info", end, invoke.clone(), false),
        };
        // Completions sort after invocations at the same time (so they overlap), except
        // one with no return time, which closes its op just before the process's next
        // invocation.
        let order = match (op.ret.is_none() || kind == "info", next_call[i]) {
            (true, Some((t, j))) => (t, 0, j, 0),
            (false, Some((t, j))) if chained[j] => (t, 1, 1 + j, 0),
            _ => (time, 2, i, 0),
        };
        let time = order.0;
        let mut done = fields(kind, time, value);
        if cas_failed {
            done.push(("error", format!(":{CAS_FAILED}")));
        }
        if let Some(node) = op.node {
            done.push(("node", node.to_string()));
        }
        out.push((order, done));
    }
    out.sort_by_key(|e| e.0);
    out.into_iter()
        .enumerate()
        .map(|(index, (_, mut fields))| {
            fields.push(("index", index.to_string()));
            fields
        })
        .collect()
}

fn map_text(fields: &[(&str, String)], separator: &str) -> String {
    let parts: Vec<String> = fields.iter().map(|(k, v)| format!(":{k} {v}")).collect();
    format!("{{{}}}", parts.join(separator))
}

/// Writes a history as Jepsen EDN in `layout`, readable by Knossos, Elle and
/// `linsim check`, after the line `LINSIM_MARKER` (a comment to other readers). Ops that never returned get an `:info` completion at the end, or just
/// before their process invokes again.
pub fn write_edn_layout(history: &History, layout: EdnLayout) -> String {
    let entries = entries(history);
    let body: String = match layout {
        EdnLayout::Lines => entries
            .iter()
            .map(|e| format!("{}\n", map_text(e, ", ")))
            .collect(),
        EdnLayout::OneLine => {
            let maps: Vec<String> = entries.iter().map(|e| map_text(e, ", ")).collect();
            format!("[{}]\n", maps.join(" "))
        }
        EdnLayout::Pretty => {
            let maps: Vec<String> = entries.iter().map(|e| map_text(e, ",\n  ")).collect();
            format!("[{}]\n", maps.join("\n "))
        }
    };
    marker_line() + &body
}

/// Writes a history as Jepsen EDN, one op map per line (`EdnLayout::Lines`).
pub fn write_edn(history: &History) -> String {
    write_edn_layout(history, EdnLayout::Lines)
}
