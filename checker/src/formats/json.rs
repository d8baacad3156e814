//! linsim's native JSON history format.
//!
//! Besides the JSON itself, a history must make sense as one: a completed op (`"ok"`)
//! has a return time, no op returns before its call, and a process runs one op at a
//! time (an op whose outcome is unknown may still be running, so its process never
//! calls again). A process may call at the instant its previous op returned: the check
//! orders the two (`check::tie_ranks`); two processes doing so at one instant cannot
//! both be ordered, and are refused. A history that breaks these is refused with the op's line, never
//! checked: each would otherwise be read as something it does not say.

use super::{ParseError, Pos};
use crate::history::{History, Operation, Outcome};
use std::collections::BTreeMap;

/// Parses a native JSON history (`{"ops": [...]}`, or a bare array of ops).
pub fn parse_json(file: &str, text: &str) -> Result<History, ParseError> {
    parse_json_lines(file, text).map(|(h, _)| h)
}

/// `parse_json`, with the line of each op of the history (0 where not found).
pub(crate) fn parse_json_lines(
    file: &str,
    text: &str,
) -> Result<(History, Vec<usize>), ParseError> {
    let trimmed = text.trim_start();
    let result = if trimmed.starts_with('[') {
        serde_json::from_str::<Vec<Operation>>(text).map(|ops| History { model: None, ops })
    } else {
        serde_json::from_str::<History>(text)
    };
    let read = result.map_err(|e| {
        ParseError::at_pos(
            file,
            Pos {
                line: e.line(),
                column: e.column(),
            },
            format!("invalid linsim JSON history: {e} (expected {{\"ops\": [{{\"process\", \"f\", \"input\", \"output\", \"call\", \"ret\", \"outcome\"}}]}})"),
        )
    })?;
    let mut lines = op_lines(text);
    lines.resize(read.ops.len(), 0);
    check_ops(file, &read.ops, &lines)?;
    // In call order (stable), the lines with their ops.
    let mut order: Vec<usize> = (0..read.ops.len()).collect();
    order.sort_by_key(|&i| read.ops[i].call);
    let lines = order.iter().map(|&i| lines[i]).collect();
    let mut ops: Vec<Option<Operation>> = read.ops.into_iter().map(Some).collect();
    let ops = order
        .iter()
        .map(|&i| ops[i].take().expect("each op once"))
        .collect();
    Ok((
        History {
            model: read.model,
            ops,
        },
        lines,
    ))
}

/// The line where each op object of the ops array starts, in file order: the objects
/// of the top-level array, or of the array under the top-level key `"ops"`.
fn op_lines(text: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut line = 1;
    // Open containers: '{' or '[', and whether an array is the ops array.
    let mut stack: Vec<(u8, bool)> = Vec::new();
    let mut last_key_is_ops = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    } else if bytes[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                if stack.len() == 1 && stack[0].0 == b'{' {
                    last_key_is_ops = &bytes[start..i.min(bytes.len())] == b"ops";
                }
            }
            b'[' => {
                let ops = stack.is_empty() || (stack.len() == 1 && last_key_is_ops);
                stack.push((b'[', ops));
            }
            b'{' => {
                if stack.last() == Some(&(b'[', true)) {
                    lines.push(line);
                }
                stack.push((b'{', false));
            }
            b']' | b'}' => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    lines
}

/// `file:LINE: op I (...)`-style place of op `i`.
fn place(file: &str, lines: &[usize], i: usize, op: &Operation) -> ParseError {
    ParseError::at(
        file,
        lines[i],
        format!("op {i} ({}, process {})", op.describe(), op.process),
    )
}

/// Refuses ops that cannot be read as what they say (see the module doc).
fn check_ops(file: &str, ops: &[Operation], lines: &[usize]) -> Result<(), ParseError> {
    let err = |i: usize, what: String| {
        let mut e = place(file, lines, i, &ops[i]);
        e.message = format!("{}: {what}", e.message);
        Err(e)
    };
    for (i, op) in ops.iter().enumerate() {
        match (op.outcome, op.ret) {
            (Outcome::Ok, None) => {
                return err(
                    i,
                    "outcome ok but no \"ret\": a completed op needs its return time (an op whose outcome is not known has outcome \"info\")".into(),
                )
            }
            (_, Some(ret)) if ret < op.call => {
                return err(i, format!("returns at {ret}, before its call at {}", op.call))
            }
            _ => {}
        }
    }
    // Each process's ops in call order: each must return before the next is called.
    let mut by_process: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, op) in ops.iter().enumerate() {
        by_process.entry(op.process).or_default().push(i);
    }
    for idxs in by_process.values_mut() {
        idxs.sort_by_key(|&i| (ops[i].call, i));
        for w in idxs.windows(2) {
            let (a, b) = (&ops[w[0]], &ops[w[1]]);
            let prev = format!("op {} (line {})", w[0], lines[w[0]]);
            match a.ret {
                None => {
                    return err(
                        w[1],
                        format!(
                            "called at {} while the process's previous {prev} never returned: its outcome is unknown, so it may still be running (give the next op a new process, as Jepsen does)",
                            b.call
                        ),
                    )
                }
                Some(r) if r > b.call => {
                    return err(
                        w[1],
                        format!(
                            "called at {}, before the process's previous {prev} returned at {r}: a process runs one op at a time",
                            b.call
                        ),
                    )
                }
                _ => {}
            }
        }
    }
    // Two processes each calling at the instant their previous op returned, at the same
    // instant: no one order of events keeps both (see `check::tie_ranks`).
    let history = History {
        model: None,
        ops: ops.to_vec(),
    };
    let mut first_at: BTreeMap<u64, (u64, usize)> = BTreeMap::new();
    for (_, b) in history.same_instant_links() {
        let t = ops[b].call;
        match first_at.get(&t) {
            Some(&(p, other)) if p != ops[b].process => {
                return err(
                    b,
                    format!(
                        "called at {t}, the instant its process's previous op returned, as is op {other} (line {}) of process {p}: with two such processes at one instant the order of their events is lost (record distinct times)",
                        lines[other]
                    ),
                )
            }
            Some(_) => {}
            None => {
                first_at.insert(t, (ops[b].process, b));
            }
        }
    }
    Ok(())
}

/// Writes a history as pretty native JSON.
pub fn write_json(history: &History) -> String {
    serde_json::to_string_pretty(history).expect("histories serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_lines_are_found_in_both_shapes() {
        let text = "{\"model\": \"x\", \"note\": {\"ops\": [{}]},\n \"ops\": [\n {\"a\": \"}\\\"{\"},\n {\"b\": [{}]}]}";
        assert_eq!(op_lines(text), vec![3, 4]);
        assert_eq!(op_lines("[{},\n{}]"), vec![1, 2]);
    }
}
