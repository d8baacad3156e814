//! Each partition's linearization as the timeline steps through it: the order the
//! checker found (for an illegal partition, its longest linearizable prefix), a point
//! in time on each op's bar where it takes effect, and the model state after each
//! step, as porcupine's visualizer shows them.

use linsim_checker::{replay_named, CheckResult, GaveUp, History, ReplayNamedError, Verdict};
use serde::Serialize;

/// One partition of a check, ready to draw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionView {
    /// The partition key (`None`: the whole history).
    pub key: Option<String>,
    /// Its verdict.
    pub verdict: Verdict,
    /// Why the checker gave up on it, if it did.
    pub gave_up: Option<GaveUp>,
    /// History op indexes in linearization order: the whole linearization when the
    /// partition is linearizable, the longest linearizable prefix when it is illegal,
    /// empty when the checker gave up.
    pub order: Vec<usize>,
    /// Where each step takes effect (virtual ns), index-aligned with `order`.
    pub points: Vec<u64>,
    /// The model's initial state, described.
    pub init: String,
    /// The model state after each step, described (long ones shortened in the middle).
    pub states: Vec<String>,
    /// For an illegal partition: the op whose return came before it could be placed.
    pub blocked: Option<usize>,
    /// For an illegal partition: the ops tried after the prefix, none of which could
    /// go next.
    pub candidates: Vec<usize>,
}

/// Longest state description kept whole, in characters.
const MAX_STATE_CHARS: usize = 160;

/// `s`, or its start and end around an ellipsis if it is longer than
/// `MAX_STATE_CHARS` (the end of an appended-to value is where it changes).
pub fn shorten(s: String) -> String {
    let n = s.chars().count();
    if n <= MAX_STATE_CHARS {
        return s;
    }
    let head: String = s.chars().take(50).collect();
    let tail: String = s.chars().skip(n - (MAX_STATE_CHARS - 53)).collect();
    format!("{head} … {tail}")
}

/// Linearization points for `order`: each op takes effect at its call or, if that is
/// earlier, where the previous step took effect. In a valid linearization no op is
/// ordered after an op called after it returned, so each point lies within its bar.
pub fn points(history: &History, order: &[usize]) -> Vec<u64> {
    let mut at = 0u64;
    order
        .iter()
        .map(|&i| {
            at = at.max(history.ops[i].call);
            at
        })
        .collect()
}

/// The partitions of `result` (a check of `history` with `model`), each replayed
/// through the model for its states.
pub fn partitions(
    model: &str,
    history: &History,
    result: &CheckResult,
) -> Result<Vec<PartitionView>, ReplayNamedError> {
    let orders: Vec<(Option<&str>, &[usize])> = result
        .partitions
        .iter()
        .map(|p| {
            let order = match (&p.linearization, &p.counterexample) {
                (Some(order), _) => order.as_slice(),
                (None, Some(cx)) => cx.prefix.as_slice(),
                (None, None) => &[],
            };
            (p.key.as_deref(), order)
        })
        .collect();
    let replays = replay_named(model, history, &orders)?;
    Ok(result
        .partitions
        .iter()
        .zip(orders)
        .zip(replays)
        .map(|((p, (_, order)), replay)| {
            let cx = p.counterexample.as_ref();
            PartitionView {
                key: p.key.clone(),
                verdict: p.verdict,
                gave_up: p.gave_up,
                points: points(history, order),
                order: order.to_vec(),
                init: shorten(replay.init),
                states: replay.states.into_iter().map(shorten).collect(),
                blocked: cx.map(|cx| cx.blocked),
                candidates: cx.map(|cx| cx.candidates.clone()).unwrap_or_default(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use linsim_checker::{check_named, CheckOptions, Function, Operation, Outcome, Value};

    fn reg(process: u64, f: Function, v: i64, call: u64, ret: u64) -> Operation {
        Operation {
            process,
            f,
            key: String::new(),
            input: if f == Function::Write {
                vec![Value::Int(v)]
            } else {
                vec![]
            },
            output: if f == Function::Read {
                Value::Int(v)
            } else {
                Value::Nil
            },
            call,
            ret: Some(ret),
            outcome: Outcome::Ok,
            node: None,
        }
    }

    #[test]
    fn points_fall_inside_each_bar_in_linearization_order() {
        // write 2 (called at 5) is linearized before write 1 (called at 0): the read
        // at the end sees 1. write 1's point cannot precede write 2's.
        let h = History::new(vec![
            reg(0, Function::Write, 1, 0, 20),
            reg(1, Function::Write, 2, 5, 10),
            reg(2, Function::Read, 1, 30, 31),
        ]);
        let r = check_named("register", &h, &CheckOptions::default()).unwrap();
        let views = partitions("register", &h, &r).unwrap();
        let v = &views[0];
        assert_eq!(v.order, vec![1, 0, 2]);
        assert_eq!(v.points, vec![5, 5, 30]);
        for (&i, &t) in v.order.iter().zip(&v.points) {
            let op = &h.ops[i];
            assert!(op.call <= t && t <= op.ret.unwrap(), "op {i} at {t}");
        }
        assert_eq!(
            (v.init.as_str(), v.states.clone()),
            ("nil", vec!["2".into(), "1".into(), "1".into()])
        );
        assert_eq!(v.blocked, None);
    }

    #[test]
    fn an_illegal_partition_shows_its_prefix_and_the_op_that_cannot_follow() {
        let h = History::new(vec![
            reg(0, Function::Write, 1, 0, 1),
            reg(1, Function::Read, 1, 2, 3),
            reg(1, Function::Read, 2, 4, 5),
        ]);
        let r = check_named("register", &h, &CheckOptions::default()).unwrap();
        let v = &partitions("register", &h, &r).unwrap()[0];
        assert_eq!(v.verdict, Verdict::Illegal);
        assert_eq!(v.order, vec![0, 1]);
        assert_eq!(v.blocked, Some(2));
        assert_eq!(v.candidates, vec![2]);
        assert_eq!(v.states, vec!["1", "1"]);
    }

    #[test]
    fn long_states_keep_their_start_and_end() {
        let s: String = (0..300)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let short = shorten(s.clone());
        assert_eq!(short.chars().count(), MAX_STATE_CHARS);
        assert!(short.starts_with(&s[..50]) && short.ends_with(&s[300 - 107..]));
        assert_eq!(shorten("{}".into()), "{}");
    }
}
