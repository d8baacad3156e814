//! Checking a history: partition it, split each partition into independent components
//! (`Model::parts`), search every component in parallel under a deterministic budget,
//! in rounds (`rounds`), and gather the components' outcomes into each partition's.

use crate::components::components;
use crate::history::{History, Outcome};
use crate::model::{Model, ModelError};
use crate::result::{CheckResult, Counterexample, PartitionResult, Pruned, Verdict};
use crate::rounds::{search_rounds, Decided, Limits, Unit};
use crate::search::{GaveUp, SearchOp, SearchOutcome, SearchStats};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Limits of a check. `max_steps` and `max_bytes` apply to each partition (to each
/// independent component of it, for a model with `Model::parts`) and are counted the
/// same way on every machine: the same history, model and options give the same
/// verdict anywhere, whatever the load. `timeout` is an optional wall-clock extra (off
/// by default) that gives up that guarantee.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Give up on a partition (component) after this many search steps (verdict
    /// unknown).
    pub max_steps: u64,
    /// Give up on a partition (component) whose search holds more than this many
    /// bytes: cache entries, the heap their states own, and fixed per-operation arrays.
    /// At most `threads` are searched at once, and the searches suspended between
    /// rounds hold at most this much together.
    pub max_bytes: usize,
    /// Also give up after this much wall-clock time (`None`: no limit). Not
    /// deterministic: prefer `max_steps`.
    pub timeout: Option<Duration>,
    /// Worker threads for partitions (0: all cores). Does not change any verdict.
    pub threads: usize,
}

/// The default step budget per partition: about 240 times what the hardest partition of
/// the 108 reference histories needs (410,092 steps), and up to about a minute of search
/// in a release build.
pub const DEFAULT_MAX_STEPS: u64 = 100_000_000;

/// The default byte budget per partition (1 GiB).
pub const DEFAULT_MAX_BYTES: usize = 1 << 30;

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions {
            max_steps: DEFAULT_MAX_STEPS,
            max_bytes: DEFAULT_MAX_BYTES,
            timeout: None,
            threads: 0,
        }
    }
}

/// One partition ready to search: its search ops, and for each its index in the
/// history. Shared by every worker, read-only.
struct PartitionWork<O> {
    key: Option<String>,
    ops: Vec<SearchOp<O>>,
    back: Vec<usize>,
    pruned: Pruned,
}

/// The order of each op's call and return among events at the same time (see
/// `SearchOp`). Events at equal times count as concurrent, calls first, as a
/// timestamp tie says nothing of their order; except along one process, whose ops run
/// one after another: an op called at the instant its process's previous op returned
/// follows it (`History::same_instant_links`). Such a chain gets ranks in its order,
/// each return just before its successor's call, and every other event at that instant
/// keeps its place (calls before the chain, other returns after it), which is exact.
/// Chains of two processes at one instant cannot both be: one's call would have to
/// precede the other's return and follow it at once in the search's one order of
/// events. There the ranks are left out (the ties count as concurrent, as before), and
/// the readers refuse such a history rather than check it (`json`).
fn tie_ranks(history: &History) -> Vec<(u32, u32)> {
    let mut ranks = vec![(0, u32::MAX); history.ops.len()];
    let links = history.same_instant_links();
    let mut processes_at: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for &(a, _) in &links {
        let op = &history.ops[a];
        let at = processes_at
            .entry(op.ret.expect("a link returns"))
            .or_default();
        if !at.contains(&op.process) {
            at.push(op.process);
        }
    }
    // In each process's order, so a chain's depth grows along it.
    for &(a, b) in &links {
        let t = history.ops[a].ret.expect("a link returns");
        if processes_at[&t].len() > 1 {
            continue;
        }
        let depth = ranks[a].0 / 2 + 1;
        ranks[a].1 = 2 * depth - 1;
        ranks[b].0 = 2 * depth;
    }
    ranks
}

/// Groups the history's ops by partition and prepares each partition.
#[allow(clippy::type_complexity)]
fn prepare<M: Model>(
    model: &M,
    history: &History,
) -> Result<(Vec<PartitionWork<M::Op>>, Vec<M::State>), ModelError> {
    let mut groups: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
    for (i, op) in history.ops.iter().enumerate() {
        if op.outcome == Outcome::Fail {
            continue;
        }
        groups.entry(model.partition_key(op)).or_default().push(i);
    }
    let ranks = tie_ranks(history);
    let mut works = Vec::new();
    let mut inits = Vec::new();
    for (key, idxs) in groups {
        let refs: Vec<&_> = idxs.iter().map(|&i| &history.ops[i]).collect();
        let prepared = model.prepare(&refs).map_err(|mut e| {
            // The first op of the partition the error describes: models refuse ops in
            // order, so an earlier identical op would have been refused first.
            e.index = idxs.iter().copied().find(|&i| {
                model.describe_operation(&history.ops[i]) == e.op
                    || history.ops[i].describe() == e.op
            });
            e
        })?;
        let deadlines = model.deadlines(&refs);
        let mut ops = Vec::new();
        let mut back = Vec::new();
        let mut pruned = Pruned::default();
        for (k, (p, &i)) in prepared.ops.into_iter().zip(&idxs).enumerate() {
            if p.is_none() {
                if history.ops[i].f == crate::history::Function::Read {
                    pruned.unknown_reads += 1;
                } else {
                    pruned.unseen_writes += 1;
                }
            }
            if let Some(op) = p {
                let h = &history.ops[i];
                // u64::MAX marks an op that never returned: a completed op returns
                // before it, whatever its recorded time. An unknown op the model
                // bounds (`Model::deadlines`) returns at its deadline, never before
                // its call.
                let ret = match (h.outcome, h.ret, deadlines.get(k).copied().flatten()) {
                    (Outcome::Ok, Some(t), _) => t.min(u64::MAX - 1),
                    (_, _, Some(t)) => t.max(h.call).min(u64::MAX - 1),
                    _ => u64::MAX,
                };
                let (call_rank, ret_rank) = ranks[i];
                // A rank orders the op's own return; a deadline is another time.
                let ret_rank = if ret == h.ret.unwrap_or(u64::MAX) {
                    ret_rank
                } else {
                    u32::MAX
                };
                ops.push(SearchOp {
                    call_rank,
                    ret_rank,
                    ..SearchOp::new(op, h.call, ret)
                });
                back.push(i);
            }
        }
        works.push(PartitionWork {
            key,
            ops,
            back,
            pruned,
        });
        inits.push(prepared.init);
    }
    Ok((works, inits))
}

/// Checks `history` against `model`. Ops that failed (`Fail`) are left out: they did
/// not happen. Ops with unknown outcome (`Info`) may take effect any time after their
/// call, or never.
///
/// Each partition is split into independent components (`Model::parts`; one for most
/// models), and the components of every partition are searched in rounds: each one
/// still undecided gets a step budget that grows 8-fold each round up to `max_steps`
/// (resuming where its last round stopped). After the first round in which some
/// component is illegal, the check stops and reports the first illegal one in key
/// order (and, within a partition, in the order of the components' first ops). Each round's
/// outcome is a pure function of the history and the budgets, so the whole result is
/// too (unless `timeout` fires).
pub fn check<M: Model>(
    model: &M,
    history: &History,
    opts: &CheckOptions,
) -> Result<CheckResult, ModelError> {
    let start = Instant::now();
    let (works, inits) = prepare(model, history)?;
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.threads
    };
    let mut units = Vec::new();
    for (pi, w) in works.iter().enumerate() {
        for members in components(model, &w.ops) {
            units.push(Unit {
                ops: &w.ops,
                partition: pi,
                members,
            });
        }
    }
    let limits = Limits {
        max_steps: opts.max_steps,
        max_bytes: opts.max_bytes,
        deadline: opts.timeout.map(|t| start + t),
        threads,
    };
    let mut decided: Vec<Option<Decided<M::State>>> = search_rounds(model, &units, inits, &limits)
        .into_iter()
        .map(Some)
        .collect();
    // Units after the first illegal one may or may not have finished before they saw
    // the cancellation, depending on thread timing: count them all as cancelled, so the
    // result does not depend on it.
    if let Some(first) = decided
        .iter()
        .position(|d| matches!(d, Some((SearchOutcome::Illegal(_), _))))
    {
        for d in &mut decided[first + 1..] {
            *d = None;
        }
    }
    let mut per_partition: Vec<Vec<Option<Decided<M::State>>>> =
        works.iter().map(|_| Vec::new()).collect();
    for (unit, d) in units.iter().zip(decided) {
        per_partition[unit.partition].push(d);
    }
    let partitions: Vec<PartitionResult> = works
        .iter()
        .zip(per_partition)
        .map(|(w, decided)| partition_result(model, history, w, decided))
        .collect();
    let verdict = if partitions.iter().any(|p| p.verdict == Verdict::Illegal) {
        Verdict::Illegal
    } else if partitions.iter().any(|p| p.verdict == Verdict::Unknown) {
        Verdict::Unknown
    } else {
        Verdict::Ok
    };
    Ok(CheckResult {
        verdict,
        model: model.name().to_string(),
        ops: history.ops.len(),
        note: history
            .ops
            .is_empty()
            .then(|| "the history has no client operations: trivially linearizable".to_string()),
        partitions,
        check_ms: start.elapsed().as_secs_f64() * 1e3,
    })
}

/// One partition's result from its components' (`None`: after the first illegal one).
/// Illegal if a component is (the first one's counterexample: its ops only, other
/// parts of the state at their initial values), else unknown if one is (the first
/// one's reason), else ok. Steps and cache entries add up; bytes are the
/// most any component held, as each is held to `max_bytes` alone.
fn partition_result<M: Model>(
    model: &M,
    history: &History,
    w: &PartitionWork<M::Op>,
    decided: Vec<Option<Decided<M::State>>>,
) -> PartitionResult {
    let mut result = PartitionResult {
        pruned: w.pruned,
        key: w.key.clone(),
        verdict: Verdict::Ok,
        ops: w.ops.len(),
        gave_up: None,
        counterexample: None,
        linearization: Some(Vec::new()),
        stats: SearchStats::default(),
    };
    for d in decided {
        let Some((outcome, stats)) = d else {
            if result.verdict == Verdict::Ok {
                result.verdict = Verdict::Unknown;
                result.gave_up = Some(GaveUp::Cancelled);
            }
            continue;
        };
        result.stats.iterations += stats.iterations;
        result.stats.cache_entries += stats.cache_entries;
        result.stats.bytes = result.stats.bytes.max(stats.bytes);
        match outcome {
            // Components are independent: one linearization after the other is one
            // of the whole partition.
            SearchOutcome::Ok(order) => {
                if let Some(l) = &mut result.linearization {
                    l.extend(order.iter().map(|&i| w.back[i]));
                }
            }
            SearchOutcome::Illegal(stuck) => {
                let blocked = w.back[stuck.blocked];
                result.verdict = Verdict::Illegal;
                result.gave_up = None;
                result.counterexample = Some(Counterexample {
                    prefix: stuck.prefix.iter().map(|&i| w.back[i]).collect(),
                    state: model.describe_state(&stuck.state),
                    blocked,
                    blocked_op: model.describe_operation(&history.ops[blocked]),
                    candidates: stuck.candidates.iter().map(|&i| w.back[i]).collect(),
                });
            }
            SearchOutcome::Unknown(why) => {
                if result.verdict == Verdict::Ok {
                    result.verdict = Verdict::Unknown;
                    result.gave_up = Some(why);
                }
            }
        }
    }
    if result.verdict != Verdict::Ok {
        result.linearization = None;
    }
    result
}
