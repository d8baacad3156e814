//! Client lanes: which row each op's bar sits in, one lane per process or, for a
//! history with keys, per key (a key gets as many rows as it has ops open at once).

use linsim_checker::{History, Outcome};
use serde::Serialize;
use std::collections::BTreeMap;

/// One way of assigning ops to rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Grouping {
    /// The label of each row (empty for a key's extra rows).
    pub labels: Vec<String>,
    /// Each op's row, index-aligned with the history.
    pub row: Vec<u32>,
}

/// When an op's bar ends: its return, or for an op whose outcome is unknown (or that
/// never returned) the end of the timeline.
pub fn bar_end(op: &linsim_checker::Operation, end_ns: u64) -> u64 {
    match (op.outcome, op.ret) {
        (Outcome::Info, _) | (_, None) => end_ns.max(op.call),
        (_, Some(ret)) => ret,
    }
}

/// One row per process, in process order.
pub fn by_process(history: &History) -> Grouping {
    let mut rows: BTreeMap<u64, u32> = BTreeMap::new();
    for op in &history.ops {
        rows.insert(op.process, 0);
    }
    for (i, row) in rows.values_mut().enumerate() {
        *row = i as u32;
    }
    Grouping {
        labels: rows.keys().map(|p| format!("process {p}")).collect(),
        row: history.ops.iter().map(|op| rows[&op.process]).collect(),
    }
}

/// Rows per key, in key order: each op goes to the first row of its key whose last
/// bar ended before it was called. `None` when no op has a key.
pub fn by_key(history: &History, end_ns: u64) -> Option<Grouping> {
    if history.ops.iter().all(|op| op.key.is_empty()) {
        return None;
    }
    let mut keys: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, op) in history.ops.iter().enumerate() {
        keys.entry(op.key.as_str()).or_default().push(i);
    }
    let mut labels = Vec::new();
    let mut row = vec![0u32; history.ops.len()];
    for (key, mut ops) in keys {
        ops.sort_by_key(|&i| (history.ops[i].call, i));
        let first = labels.len();
        // The end of the last bar in each of this key's rows.
        let mut ends: Vec<u64> = Vec::new();
        for i in ops {
            let op = &history.ops[i];
            let k = match ends.iter().position(|&e| e < op.call) {
                Some(k) => k,
                None => {
                    ends.push(0);
                    labels.push(if ends.len() == 1 {
                        format!("key {key}")
                    } else {
                        String::new()
                    });
                    ends.len() - 1
                }
            };
            ends[k] = bar_end(op, end_ns);
            row[i] = (first + k) as u32;
        }
    }
    Some(Grouping { labels, row })
}

#[cfg(test)]
mod tests {
    use super::*;
    use linsim_checker::{Function, Operation, Value};

    fn op(process: u64, key: &str, call: u64, ret: Option<u64>) -> Operation {
        Operation {
            process,
            f: Function::Read,
            key: key.to_string(),
            input: vec![],
            output: Value::Nil,
            call,
            ret,
            outcome: if ret.is_some() {
                Outcome::Ok
            } else {
                Outcome::Info
            },
        }
    }

    #[test]
    fn each_process_gets_a_lane_in_process_order() {
        let h = History::new(vec![op(7, "", 0, Some(1)), op(2, "", 1, Some(2))]);
        let g = by_process(&h);
        assert_eq!(g.labels, vec!["process 2", "process 7"]);
        assert_eq!(g.row, vec![1, 0]);
        assert_eq!(by_key(&h, 10), None, "no keys, no key lanes");
    }

    #[test]
    fn overlapping_ops_of_one_key_take_extra_rows_and_info_ops_hold_theirs_to_the_end() {
        let h = History::new(vec![
            op(0, "a", 0, Some(10)),
            op(1, "a", 5, None),
            op(2, "a", 11, Some(12)),
            op(3, "b", 0, Some(1)),
            op(2, "a", 13, Some(14)),
        ]);
        let g = by_key(&h, 100).unwrap();
        assert_eq!(g.labels, vec!["key a", "", "key b"]);
        // a@0 row 0; a@5 (info, to the end) row 1; a@11 back in row 0; b row 2.
        let rows: Vec<(u64, u32)> = h.ops.iter().map(|o| o.call).zip(g.row).collect();
        assert_eq!(rows, vec![(0, 0), (0, 2), (5, 1), (11, 0), (13, 0)]);
    }
}
