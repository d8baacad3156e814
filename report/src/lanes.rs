//! Client lanes: which row each op's bar sits in, one lane per client or, for a
//! history with keys, per key (a key gets as many rows as it has ops open at once).

use linsim_checker::{History, Operation, Outcome};
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

/// When an op's bar ends: its return; for an op whose outcome is unknown (or that
/// never returned), when its client moved on (`head_ends`), else the end.
fn bar_end(op: &Operation, head_end: Option<u64>, end_ns: u64) -> u64 {
    match (op.outcome, op.ret) {
        (Outcome::Info, _) | (_, None) => head_end.unwrap_or(end_ns).max(op.call),
        (_, Some(ret)) => ret,
    }
}

/// The client lanes: a process runs one op at a time and is retired after an op of
/// unknown outcome, its client going on as a new process (as in Jepsen and linsim).
/// A client gives up on an op only after waiting at least as long as any op that
/// completed took, so a process that began sooner than that after another's unknown
/// op cannot be its client going on. Each process, in order of its first call, takes
/// the lane of the process retired earliest (by the call of its unknown op) that it
/// can continue, else a new lane (always, when no op completed). Returns the lanes and each op's bar end: its return, or for an op of
/// unknown outcome the first call of the process that took its lane over (the end
/// of the timeline if none did); such an op may still take effect later, which the
/// page draws as a thin tail to the end.
pub fn by_client(history: &History, end_ns: u64) -> (Grouping, Vec<u64>) {
    let mut procs: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, op) in history.ops.iter().enumerate() {
        procs.entry(op.process).or_default().push(i);
    }
    for ops in procs.values_mut() {
        ops.sort_by_key(|&i| (history.ops[i].call, i));
    }
    let mut order: Vec<(u64, u64)> = procs
        .iter()
        .map(|(&p, ops)| {
            (
                ops.iter().map(|&i| history.ops[i].call).min().unwrap_or(0),
                p,
            )
        })
        .collect();
    order.sort_unstable();
    let patience = history
        .ops
        .iter()
        .filter(|op| op.outcome != Outcome::Info)
        .filter_map(|op| op.ret.map(|r| r.saturating_sub(op.call)))
        .max();
    // Per lane: its processes, and the unknown op its last process retired with.
    let mut lanes: Vec<(Vec<u64>, Option<usize>)> = Vec::new();
    let mut head_end: Vec<Option<u64>> = vec![None; history.ops.len()];
    let mut row = vec![0u32; history.ops.len()];
    for (first_call, p) in order {
        let free = lanes
            .iter()
            .enumerate()
            .filter_map(|(k, (_, retired))| retired.map(|i| (history.ops[i].call, k, i)))
            .filter(|&(call, _, _)| patience.is_some_and(|p| call + p <= first_call))
            .min();
        let k = match free {
            Some((_, k, i)) => {
                head_end[i] = Some(first_call);
                k
            }
            None => {
                lanes.push((Vec::new(), None));
                lanes.len() - 1
            }
        };
        let ops = &procs[&p];
        for (j, &i) in ops.iter().enumerate() {
            row[i] = k as u32;
            if let Some(&next) = ops.get(j + 1) {
                head_end[i] = Some(history.ops[next].call);
            }
        }
        let last = *ops.last().expect("a process has ops");
        let retired =
            matches!(history.ops[last].outcome, Outcome::Info) || history.ops[last].ret.is_none();
        lanes[k].0.push(p);
        lanes[k].1 = retired.then_some(last);
    }
    let labels = lanes
        .iter()
        .map(|(ps, _)| match ps.as_slice() {
            [p] => format!("process {p}"),
            [a, b] => format!("processes {a}, {b}"),
            [a, b, ..] => format!("processes {a}, {b}, … ({})", ps.len()),
            [] => unreachable!("a lane has a process"),
        })
        .collect();
    let ends = history
        .ops
        .iter()
        .zip(&head_end)
        .map(|(op, &h)| bar_end(op, h, end_ns))
        .collect();
    (Grouping { labels, row }, ends)
}

/// Rows per key, in key order: each op goes to the first row of its key whose last
/// bar (`ends`, from `by_client`) ended before it was called. `None` when no op has
/// a key.
pub fn by_key(history: &History, bar_ends: &[u64]) -> Option<Grouping> {
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
            ends[k] = bar_ends[i];
            row[i] = (first + k) as u32;
        }
    }
    Some(Grouping { labels, row })
}

#[cfg(test)]
mod tests {
    use super::*;
    use linsim_checker::{Function, Value};

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
            node: None,
        }
    }

    #[test]
    fn a_retired_process_hands_its_lane_to_the_next_new_process() {
        // Clients run processes 0 and 1; process 1 times out at 5 and its client goes
        // on as process 2 at 30, process 0 at 40 as process 3.
        let h = History::new(vec![
            op(0, "", 0, Some(4)),
            op(1, "", 5, None),
            op(0, "", 10, None),
            op(2, "", 30, Some(31)),
            op(3, "", 40, Some(41)),
        ]);
        let (g, ends) = by_client(&h, 100);
        assert_eq!(g.labels, vec!["processes 0, 3", "processes 1, 2"]);
        let rows: Vec<(u64, u32, u64)> = h
            .ops
            .iter()
            .zip(&g.row)
            .zip(&ends)
            .map(|((o, &r), &e)| (o.process, r, e))
            .collect();
        // The unknown ops' bars end where their client went on.
        assert_eq!(
            rows,
            vec![(0, 0, 4), (1, 1, 30), (0, 0, 40), (2, 1, 31), (3, 0, 41)]
        );
        assert_eq!(by_key(&h, &ends), None, "no keys, no key lanes");
    }

    #[test]
    fn processes_that_start_before_a_client_could_give_up_get_their_own_lanes() {
        // Five clients start together and none of their ops returns (the run stopped).
        let h = History::new((0..5).map(|p| op(p, "", p, None)).collect());
        let (g, ends) = by_client(&h, 100);
        assert_eq!(g.labels.len(), 5, "{:?}", g.labels);
        assert_eq!(ends, vec![100; 5]);
        // An op took 50: process 2, starting 20 after process 1's unknown op, is
        // another client; process 3, starting 50 after it, may be its client going on.
        let h = History::new(vec![
            op(0, "", 0, Some(50)),
            op(1, "", 60, None),
            op(2, "", 80, Some(81)),
            op(3, "", 110, Some(111)),
        ]);
        let (g, _) = by_client(&h, 200);
        assert_eq!(g.labels, vec!["process 0", "processes 1, 3", "process 2"]);
    }

    #[test]
    fn an_unknown_op_whose_client_never_went_on_runs_to_the_end() {
        let h = History::new(vec![op(7, "", 0, Some(1)), op(7, "", 2, None)]);
        let (g, ends) = by_client(&h, 100);
        assert_eq!(g.labels, vec!["process 7"]);
        assert_eq!(ends, vec![1, 100]);
    }

    #[test]
    fn overlapping_ops_of_one_key_take_extra_rows() {
        let h = History::new(vec![
            op(0, "a", 0, Some(10)),
            op(1, "a", 5, Some(12)),
            op(2, "a", 11, Some(12)),
            op(3, "b", 0, Some(1)),
            op(2, "a", 13, Some(14)),
        ]);
        let (_, ends) = by_client(&h, 100);
        let g = by_key(&h, &ends).unwrap();
        assert_eq!(g.labels, vec!["key a", "", "key b"]);
        // a@0 row 0; a@5 row 1 (a@0 still open); a@11 back in row 0; b row 2.
        let rows: Vec<(u64, u32)> = h.ops.iter().map(|o| o.call).zip(g.row).collect();
        assert_eq!(rows, vec![(0, 0), (0, 2), (5, 1), (11, 0), (13, 0)]);
    }
}
