//! What a register's history says about its writes of unknown outcome, before the
//! search: which can be left out, and which must have taken effect by a known time.
//!
//! A write or cas whose outcome is unknown may take effect at any time after its call,
//! or never: the search keeps it open to the end of the history, and an open op is a
//! choice at every later step. Two facts settle most of them.
//!
//! **Unseen values can be left out.** Call a value live if a completed op observed it
//! (a read returned it, a cas that succeeded expected it), or an unknown cas expected it
//! and writes a live value. Take an unknown write or cas D whose written value x is not
//! live, and a linearization that places D. Until the next write, the register holds x:
//! no completed read or successful cas is there (none observes x), an unknown cas that
//! expects x writes a value that is not live (else x would be) and is left out with D,
//! and an unknown cas that expects something else did nothing and can be left out too
//! (its outcome is unknown). The next op to change the register is a write, which does
//! not look at what it overwrites. Dropping those ops leaves a linearization: D is never
//! needed. One thing breaks this: a completed cas that failed, which requires the
//! register NOT to hold its expected value and so observes every value. A partition
//! with one keeps all its unknown writes. (Knossos drops failed ops, so its histories
//! never have one; linsim's and porcupine's histories may.)
//!
//! **Observed values bound their writer.** If an unknown op is the only op that writes
//! x, x is not the initial value, and a completed op observed x, that op saw the
//! register hold x, so the writer took effect before it, by its return. The search then
//! treats the writer as completed at the earliest such return: it must be placed by
//! then, as it would have been anyway, and it no longer stays open to the end.

use super::register::Reg;
use crate::history::{Function, Operation, Outcome, Value};
use std::collections::HashMap;

/// What the history says about each op of a partition (index-aligned with the ops
/// `prepare` got).
pub(crate) struct Unknowns {
    /// Unknown writes and cas that can be left out.
    pub dropped: Vec<bool>,
    /// For unknown writes and cas that must have taken effect: by when.
    pub deadlines: Vec<Option<u64>>,
}

/// What an op does to the register, if it is a write or cas.
fn written(op: &Operation) -> Option<Reg> {
    match (op.f, op.input.as_slice()) {
        (Function::Write, [v]) | (Function::Cas, [_, v]) => Some(Reg::new(v)),
        _ => None,
    }
}

/// The analysis of one partition's ops, whose register starts at `init`.
pub(crate) fn unknowns(ops: &[&Operation], init: &Reg) -> Unknowns {
    let ok = |op: &Operation| op.outcome == Outcome::Ok;
    let mut failed_cas = false;
    // Each value: the earliest return of a completed op that observed it.
    let mut observed: HashMap<Reg, u64> = HashMap::new();
    let mut writers: HashMap<Reg, usize> = HashMap::new();
    for op in ops {
        let seen = match (op.f, op.input.as_slice(), &op.output) {
            (Function::Read, [], v) if ok(op) => Some(Reg::new(v)),
            (Function::Cas, [e, _], Value::Bool(true)) if ok(op) => Some(Reg::new(e)),
            (Function::Cas, _, Value::Bool(false)) if ok(op) => {
                failed_cas = true;
                None
            }
            _ => None,
        };
        if let (Some(v), Some(t)) = (seen, op.ret) {
            let at = observed.entry(v).or_insert(t);
            *at = (*at).min(t);
        }
        if let Some(x) = written(op) {
            *writers.entry(x).or_insert(0) += 1;
        }
    }
    // Live values: observed ones, and what unknown cas expect on the way to them.
    let mut live: std::collections::HashSet<Reg> = observed.keys().cloned().collect();
    let unknown_cas: Vec<(Reg, Reg)> = ops
        .iter()
        .filter(|op| !ok(op) && op.f == Function::Cas)
        .filter_map(|op| match op.input.as_slice() {
            [e, n] => Some((Reg::new(e), Reg::new(n))),
            _ => None,
        })
        .collect();
    loop {
        let before = live.len();
        for (e, n) in &unknown_cas {
            if live.contains(n) {
                live.insert(e.clone());
            }
        }
        if live.len() == before {
            break;
        }
    }
    let mut out = Unknowns {
        dropped: vec![false; ops.len()],
        deadlines: vec![None; ops.len()],
    };
    for (i, op) in ops.iter().enumerate() {
        if ok(op) {
            continue;
        }
        let Some(x) = written(op) else { continue };
        if !failed_cas && !live.contains(&x) {
            out.dropped[i] = true;
        } else if x != *init && writers.get(&x) == Some(&1) {
            out.deadlines[i] = observed.get(&x).copied();
        }
    }
    out
}
