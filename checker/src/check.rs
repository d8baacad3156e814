//! Checking a history: partition it, search every partition in parallel under one
//! budget, and gather the verdict with the data a report or timeline needs.

use crate::history::{History, Outcome};
use crate::model::{Model, ModelError};
use crate::search::{search, Budget, GaveUp, SearchOp, SearchOutcome, SearchStats};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The verdict of a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Linearizable.
    Ok,
    /// Not linearizable.
    Illegal,
    /// The budget ran out before a verdict.
    Unknown,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Ok => "ok",
            Verdict::Illegal => "illegal",
            Verdict::Unknown => "unknown",
        })
    }
}

/// Limits of a check.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Give up after this long (`None`: no limit).
    pub timeout: Option<Duration>,
    /// Give up when search caches hold this many bytes in total.
    pub max_cache_bytes: usize,
    /// Worker threads for partitions (0: all cores).
    pub threads: usize,
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions {
            timeout: None,
            max_cache_bytes: 4 << 30,
            threads: 0,
        }
    }
}

/// Where an illegal partition got stuck, in history terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Counterexample {
    /// The longest linearizable prefix found: history op indexes in linearization order.
    pub prefix: Vec<usize>,
    /// The model state after that prefix, described.
    pub state: String,
    /// The op whose return came before it could be linearized (history index).
    pub blocked: usize,
    /// That op, described.
    pub blocked_op: String,
    /// The pending ops tried after the prefix, none of which could go next.
    pub candidates: Vec<usize>,
}

/// The outcome of one partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionResult {
    /// The partition key (`None`: the whole history).
    pub key: Option<String>,
    /// Its verdict.
    pub verdict: Verdict,
    /// Operations searched (after dropping failed ops and unknown reads).
    pub ops: usize,
    /// Why it gave up, if it did.
    pub gave_up: Option<GaveUp>,
    /// Where it got stuck, if illegal.
    pub counterexample: Option<Counterexample>,
    /// How much work the search did.
    pub stats: SearchStats,
}

/// The outcome of checking a history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckResult {
    /// The overall verdict: illegal if any partition is, else unknown if any is.
    pub verdict: Verdict,
    /// The model used.
    pub model: String,
    /// Operations in the history.
    pub ops: usize,
    /// Every partition, by key.
    pub partitions: Vec<PartitionResult>,
    /// Wall time of the search, milliseconds.
    pub check_ms: f64,
}

impl CheckResult {
    /// The first illegal partition, if any.
    pub fn first_illegal(&self) -> Option<&PartitionResult> {
        self.partitions
            .iter()
            .find(|p| p.verdict == Verdict::Illegal)
    }
}

/// One partition ready to search: initial state, search ops, and for each search op
/// its index in the history.
struct PartitionWork<S, O> {
    init: S,
    ops: Vec<SearchOp<O>>,
    back: Vec<usize>,
}

/// A partition waiting for a worker (taken once).
type WorkSlot<M> = Mutex<Option<PartitionWork<<M as Model>::State, <M as Model>::Op>>>;

/// Checks `history` against `model`. Ops that failed (`Fail`) are left out: they did
/// not happen. Ops with unknown outcome (`Info`) may take effect any time after their
/// call, or never.
pub fn check<M: Model>(
    model: &M,
    history: &History,
    opts: &CheckOptions,
) -> Result<CheckResult, ModelError> {
    let start = Instant::now();
    let mut groups: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
    for (i, op) in history.ops.iter().enumerate() {
        if op.outcome == Outcome::Fail {
            continue;
        }
        groups.entry(model.partition_key(op)).or_default().push(i);
    }
    // Prepare each partition: model ops, intervals, and the map back to history indexes.
    let mut keys = Vec::new();
    let mut work: Vec<WorkSlot<M>> = Vec::new();
    for (key, idxs) in groups {
        let refs: Vec<&_> = idxs.iter().map(|&i| &history.ops[i]).collect();
        let prepared = model.prepare(&refs)?;
        let mut ops = Vec::new();
        let mut back = Vec::new();
        for (p, &i) in prepared.ops.into_iter().zip(&idxs) {
            if let Some(op) = p {
                let h = &history.ops[i];
                let ret = match (h.outcome, h.ret) {
                    (Outcome::Ok, Some(t)) => t,
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
        keys.push(key);
        work.push(Mutex::new(Some(PartitionWork {
            init: prepared.init,
            ops,
            back,
        })));
    }

    let budget = Budget {
        deadline: opts.timeout.map(|t| start + t),
        max_cache_bytes: opts.max_cache_bytes,
        cache_bytes: AtomicUsize::new(0),
        cancel: AtomicBool::new(false),
    };
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.threads
    }
    .min(work.len())
    .max(1);

    // Largest partitions first, so one big partition does not start last.
    let sizes: Vec<usize> = work
        .iter()
        .map(|w| {
            w.lock()
                .expect("not poisoned")
                .as_ref()
                .map_or(0, |p| p.ops.len())
        })
        .collect();
    let mut order: Vec<usize> = (0..work.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    let results: Vec<Mutex<Option<PartitionResult>>> =
        work.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);

    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&pi) = order.get(k) else {
                    break;
                };
                let PartitionWork { init, ops, back } = work[pi]
                    .lock()
                    .expect("no panics while holding the lock")
                    .take()
                    .expect("each partition is taken once");
                let (outcome, stats) = if budget.cancel.load(Ordering::Relaxed) {
                    (
                        SearchOutcome::Unknown(GaveUp::Cancelled),
                        SearchStats::default(),
                    )
                } else {
                    search(model, init, &ops, &budget)
                };
                let (verdict, gave_up, counterexample) = match outcome {
                    SearchOutcome::Ok => (Verdict::Ok, None, None),
                    SearchOutcome::Unknown(why) => (Verdict::Unknown, Some(why), None),
                    SearchOutcome::Illegal(stuck) => {
                        budget.cancel.store(true, Ordering::Relaxed);
                        let blocked = back[stuck.blocked];
                        let cx = Counterexample {
                            prefix: stuck.prefix.iter().map(|&i| back[i]).collect(),
                            state: model.describe_state(&stuck.state),
                            blocked,
                            blocked_op: model.describe_operation(&history.ops[blocked]),
                            candidates: stuck.candidates.iter().map(|&i| back[i]).collect(),
                        };
                        (Verdict::Illegal, None, Some(cx))
                    }
                };
                *results[pi]
                    .lock()
                    .expect("no panics while holding the lock") = Some(PartitionResult {
                    key: keys[pi].clone(),
                    verdict,
                    ops: ops.len(),
                    gave_up,
                    counterexample,
                    stats,
                });
            });
        }
    });

    let partitions: Vec<PartitionResult> = results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .expect("no panics while holding the lock")
                .expect("every partition was searched")
        })
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
        partitions,
        check_ms: start.elapsed().as_secs_f64() * 1e3,
    })
}
