//! Checking a history: partition it, then search every partition in parallel under a
//! deterministic budget, in rounds of growing step budgets so that an illegal
//! partition is found early and the same one is reported on every run.

use crate::history::{History, Outcome};
use crate::model::{Model, ModelError};
use crate::result::{CheckResult, Counterexample, PartitionResult, Verdict};
use crate::search::{search, Budget, GaveUp, SearchOp, SearchOutcome, SearchStats};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Limits of a check. `max_steps` and `max_bytes` apply to each partition and are
/// counted the same way on every machine: the same history, model and options give
/// the same verdict anywhere, whatever the load. `timeout` is an optional wall-clock
/// extra (off by default) that gives up that guarantee.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Give up on a partition after this many search steps (verdict unknown).
    pub max_steps: u64,
    /// Give up on a partition whose search holds more than this many bytes: cache
    /// entries, the heap their states own, and fixed per-operation arrays. At most
    /// `threads` partitions are searched at once.
    pub max_bytes: usize,
    /// Also give up after this much wall-clock time (`None`: no limit). Not
    /// deterministic: prefer `max_steps`.
    pub timeout: Option<Duration>,
    /// Worker threads for partitions (0: all cores). Does not change any verdict.
    pub threads: usize,
}

/// The default step budget per partition: about 240 times what the hardest partition of
/// the 108 reference histories needs (410,092 steps), and up to about a minute of search on
/// a large unpartitioned key-value history in a release build.
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

/// The step budget of the first round; each later round has `ROUND_GROWTH` times more,
/// up to `max_steps`. A partition still unknown after a round is searched again from
/// the start with the larger budget (at most 1/7 more work than one run).
const FIRST_ROUND_STEPS: u64 = 20_000;

/// How much each round's step budget grows.
const ROUND_GROWTH: u64 = 8;

/// One partition ready to search: its search ops, and for each its index in the
/// history. Shared by every worker, read-only.
struct PartitionWork<O> {
    key: Option<String>,
    ops: Vec<SearchOp<O>>,
    back: Vec<usize>,
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
    let mut works = Vec::new();
    let mut inits = Vec::new();
    for (key, idxs) in groups {
        let refs: Vec<&_> = idxs.iter().map(|&i| &history.ops[i]).collect();
        let prepared = model.prepare(&refs)?;
        let mut ops = Vec::new();
        let mut back = Vec::new();
        for (p, &i) in prepared.ops.into_iter().zip(&idxs) {
            if let Some(op) = p {
                let h = &history.ops[i];
                // u64::MAX marks an op that never returned: a completed op returns
                // before it, whatever its recorded time.
                let ret = match (h.outcome, h.ret) {
                    (Outcome::Ok, Some(t)) => t.min(u64::MAX - 1),
                    _ => u64::MAX,
                };
                ops.push(SearchOp {
                    op,
                    call: h.call,
                    ret,
                });
                back.push(i);
            }
        }
        works.push(PartitionWork { key, ops, back });
        inits.push(prepared.init);
    }
    Ok((works, inits))
}

/// Searches the partitions `live` (indexes into `works`) in parallel, each from its
/// initial state, under `budget`. Returns each one's outcome and stats.
#[allow(clippy::type_complexity)]
fn run_round<M: Model>(
    model: &M,
    works: &[PartitionWork<M::Op>],
    inits: &[M::State],
    live: &[usize],
    budget: &Budget,
    threads: usize,
) -> Vec<(usize, SearchOutcome<M::State>, SearchStats)> {
    // Largest partitions first, so one big partition does not start last.
    let mut order: Vec<usize> = live.to_vec();
    order.sort_by_key(|&i| (std::cmp::Reverse(works[i].ops.len()), i));
    let slots: Vec<Mutex<Option<M::State>>> = order
        .iter()
        .map(|&i| Mutex::new(Some(inits[i].clone())))
        .collect();
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(order.len()));
    std::thread::scope(|s| {
        for _ in 0..threads.min(order.len()).max(1) {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&pi) = order.get(k) else {
                    break;
                };
                let init = slots[k]
                    .lock()
                    .expect("no panics while holding the lock")
                    .take()
                    .expect("each partition is taken once");
                let (outcome, stats) = if budget.cancelled(pi) {
                    (
                        SearchOutcome::Unknown(GaveUp::Cancelled),
                        SearchStats::default(),
                    )
                } else {
                    search(model, init, &works[pi].ops, budget, pi)
                };
                if matches!(outcome, SearchOutcome::Illegal(_)) {
                    budget.found_illegal(pi);
                }
                done.lock()
                    .expect("no panics while holding the lock")
                    .push((pi, outcome, stats));
            });
        }
    });
    let mut done = done.into_inner().expect("no panics while holding the lock");
    done.sort_by_key(|d| d.0);
    done
}

/// Checks `history` against `model`. Ops that failed (`Fail`) are left out: they did
/// not happen. Ops with unknown outcome (`Info`) may take effect any time after their
/// call, or never.
///
/// Partitions are searched in rounds: every partition still undecided gets a step
/// budget that grows 8-fold each round up to `max_steps` (a lone partition gets
/// `max_steps` at once). After the first round in
/// which some partition is illegal, the check stops and reports the first illegal
/// partition in key order. Each round's outcome is a pure function of the history and
/// the budgets, so the whole result is too (unless `timeout` fires).
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
    let deadline = opts.timeout.map(|t| start + t);
    let mut results: Vec<Option<PartitionResult>> = works.iter().map(|_| None).collect();
    let mut live: Vec<usize> = (0..works.len()).collect();
    let mut round_steps = FIRST_ROUND_STEPS.min(opts.max_steps);
    let mut illegal_found = false;
    while !live.is_empty() {
        if live.len() == 1 {
            // Rounds only serve to find an illegal partition among several early: a
            // lone partition is searched once with the whole budget.
            round_steps = opts.max_steps;
        }
        let budget = Budget {
            deadline,
            ..Budget::new(round_steps, opts.max_bytes)
        };
        let last_round = round_steps >= opts.max_steps;
        let mut still = Vec::new();
        for (pi, outcome, stats) in run_round(model, &works, &inits, &live, &budget, threads) {
            let w = &works[pi];
            let mut linearization = None;
            let (verdict, gave_up, counterexample) = match outcome {
                SearchOutcome::Ok(order) => {
                    linearization = Some(order.iter().map(|&i| w.back[i]).collect());
                    (Verdict::Ok, None, None)
                }
                SearchOutcome::Illegal(stuck) => {
                    illegal_found = true;
                    let blocked = w.back[stuck.blocked];
                    let cx = Counterexample {
                        prefix: stuck.prefix.iter().map(|&i| w.back[i]).collect(),
                        state: model.describe_state(&stuck.state),
                        blocked,
                        blocked_op: model.describe_operation(&history.ops[blocked]),
                        candidates: stuck.candidates.iter().map(|&i| w.back[i]).collect(),
                    };
                    (Verdict::Illegal, None, Some(cx))
                }
                SearchOutcome::Unknown(GaveUp::Steps | GaveUp::Cancelled) if !last_round => {
                    // Undecided in this round: searched again in the next, if any.
                    still.push(pi);
                    continue;
                }
                SearchOutcome::Unknown(why) => (Verdict::Unknown, Some(why), None),
            };
            results[pi] = Some(PartitionResult {
                key: w.key.clone(),
                verdict,
                ops: w.ops.len(),
                gave_up,
                counterexample,
                linearization,
                stats,
            });
        }
        live = still;
        if illegal_found || last_round {
            break;
        }
        round_steps = round_steps.saturating_mul(ROUND_GROWTH).min(opts.max_steps);
    }
    let mut partitions: Vec<PartitionResult> = results
        .into_iter()
        .zip(&works)
        .map(|(r, w)| {
            r.unwrap_or_else(|| PartitionResult {
                key: w.key.clone(),
                verdict: Verdict::Unknown,
                ops: w.ops.len(),
                gave_up: Some(GaveUp::Cancelled),
                counterexample: None,
                linearization: None,
                stats: SearchStats::default(),
            })
        })
        .collect();
    // Partitions after the first illegal one may or may not have finished before they
    // saw the cancellation, depending on thread timing: report them all as cancelled,
    // so the result does not depend on it.
    if let Some(first) = partitions
        .iter()
        .position(|p| p.verdict == Verdict::Illegal)
    {
        for p in &mut partitions[first + 1..] {
            *p = PartitionResult {
                key: p.key.clone(),
                verdict: Verdict::Unknown,
                ops: p.ops,
                gave_up: Some(GaveUp::Cancelled),
                counterexample: None,
                linearization: None,
                stats: SearchStats::default(),
            };
        }
    }
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
