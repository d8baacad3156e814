//! Searching a check's units (each an independent component of a partition) in parallel,
//! in rounds of growing step budgets, so that an illegal unit is found early and the
//! same one is reported on every run.
//!
//! Every round gives each undecided unit a step budget 8 times the last one's, up to
//! `max_steps`; a lone unit gets `max_steps` at once. A unit that runs out of steps is
//! suspended and resumed in the next round where it stopped, so rounds cost no
//! repeated work. (Restarting each round from scratch, as the search first did, made a
//! unit needing 380,779 steps, the largest key of porcupine's c50-ok, run 20,000 and
//! 160,000 steps for nothing first.)

use crate::model::Model;
use crate::search::{Budget, GaveUp, Linearizer, SearchOp, SearchOutcome, SearchStats};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// The step budget of the first round.
const FIRST_ROUND_STEPS: u64 = 20_000;

/// How much each round's step budget grows.
const ROUND_GROWTH: u64 = 8;

/// One unit of search: an independent component of a partition.
pub(crate) struct Unit<'a, O> {
    /// The partition's search ops.
    pub ops: &'a [SearchOp<O>],
    /// The partition's index, for its initial state.
    pub partition: usize,
    /// The component's ops (indexes into `ops`, ascending).
    pub members: Vec<usize>,
}

/// The limits of the rounds.
pub(crate) struct Limits {
    /// Steps per unit, over all rounds.
    pub max_steps: u64,
    /// Bytes per unit; suspended units together hold at most this much too.
    pub max_bytes: usize,
    /// The optional wall-clock limit.
    pub deadline: Option<Instant>,
    /// Worker threads (at least 1).
    pub threads: usize,
}

/// A unit's search between rounds: kept to be resumed, or absent (finished, or dropped
/// to bound memory: started again from its initial state when needed).
type Slot<'a, M> = Mutex<Option<Linearizer<'a, M>>>;

/// A decided unit: its outcome and the work it took.
pub(crate) type Decided<S> = (SearchOutcome<S>, SearchStats);

/// Searches `units` in rounds (see the module doc). Returns, per unit, its outcome in
/// the last round it was searched in and its work so far: `GaveUp::Cancelled` if the
/// rounds stopped (an illegal unit was found) while it was undecided. Units after the
/// first illegal one may or may not have finished, depending on thread timing: callers
/// must ignore them.
pub(crate) fn search_rounds<'a, M: Model>(
    model: &'a M,
    units: &[Unit<'a, M::Op>],
    inits: &[M::State],
    limits: &Limits,
) -> Vec<Decided<M::State>> {
    let slots: Vec<Slot<M>> = units.iter().map(|_| Mutex::new(None)).collect();
    let mut results: Vec<Option<Decided<M::State>>> = units.iter().map(|_| None).collect();
    let mut live: Vec<usize> = (0..units.len()).collect();
    let mut round_steps = FIRST_ROUND_STEPS.min(limits.max_steps);
    while !live.is_empty() {
        if live.len() == 1 {
            // Rounds only serve to find an illegal unit among several early: a lone
            // unit is searched on with the whole budget.
            round_steps = limits.max_steps;
        }
        let budget = Budget {
            deadline: limits.deadline,
            ..Budget::new(round_steps, limits.max_bytes)
        };
        let last_round = round_steps >= limits.max_steps;
        let mut still = Vec::new();
        let mut illegal_found = false;
        for (u, outcome, stats) in run_round(model, units, inits, &slots, &live, &budget, limits) {
            match outcome {
                SearchOutcome::Unknown(GaveUp::Steps | GaveUp::Cancelled) if !last_round => {
                    // Undecided in this round: searched on in the next, if any.
                    still.push((u, stats));
                    continue;
                }
                SearchOutcome::Illegal(_) => illegal_found = true,
                _ => {}
            }
            results[u] = Some((outcome, stats));
        }
        if illegal_found {
            // The rest stay undecided. Those before the first illegal unit ran this
            // round's budget exactly, so their work is a pure function of the input.
            for (u, stats) in still {
                results[u] = Some((SearchOutcome::Unknown(GaveUp::Cancelled), stats));
            }
            break;
        }
        live = still.into_iter().map(|(u, _)| u).collect();
        if last_round {
            break;
        }
        trim_suspended(&slots, &live, limits.max_bytes);
        round_steps = round_steps
            .saturating_mul(ROUND_GROWTH)
            .min(limits.max_steps);
    }
    results
        .into_iter()
        .map(|r| r.expect("the rounds decide every unit or stop at an illegal one"))
        .collect()
}

/// Searches the units `live` in parallel under `budget`, each resumed from its slot or
/// else started from its partition's initial state. A search that ran out of steps
/// goes back into its slot. Returns each one's outcome and stats, in unit order.
#[allow(clippy::type_complexity)]
fn run_round<'a, M: Model>(
    model: &'a M,
    units: &[Unit<'a, M::Op>],
    inits: &[M::State],
    slots: &[Slot<'a, M>],
    live: &[usize],
    budget: &Budget,
    limits: &Limits,
) -> Vec<(usize, SearchOutcome<M::State>, SearchStats)> {
    let lock = |u: usize| slots[u].lock().expect("no panics while holding the lock");
    for &u in live {
        // Started here, not in a worker: model states need not be shareable (`Sync`).
        let unit = &units[u];
        lock(u).get_or_insert_with(|| {
            let init = inits[unit.partition].clone();
            Linearizer::new(model, unit.ops, unit.members.clone(), init)
        });
    }
    // Largest units first, so one big unit does not start last.
    let mut order: Vec<usize> = live.to_vec();
    order.sort_by_key(|&u| (std::cmp::Reverse(units[u].members.len()), u));
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(order.len()));
    std::thread::scope(|s| {
        for _ in 0..limits.threads.min(order.len()).max(1) {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&u) = order.get(k) else {
                    break;
                };
                let (outcome, stats) = if budget.cancelled(u) {
                    (
                        SearchOutcome::Unknown(GaveUp::Cancelled),
                        SearchStats::default(),
                    )
                } else {
                    let mut search = lock(u).take().expect("every live unit has a search");
                    let outcome = search.run(budget, u);
                    let stats = search.stats();
                    if matches!(outcome, SearchOutcome::Unknown(GaveUp::Steps)) {
                        *lock(u) = Some(search);
                    }
                    (outcome, stats)
                };
                if matches!(outcome, SearchOutcome::Illegal(_)) {
                    budget.found_illegal(u);
                }
                done.lock()
                    .expect("no panics while holding the lock")
                    .push((u, outcome, stats));
            });
        }
    });
    let mut done = done.into_inner().expect("no panics while holding the lock");
    done.sort_by_key(|d| d.0);
    done
}

/// Between rounds, keeps the suspended searches of `live` (in unit order) while they
/// hold at most `max_bytes` together, and drops the rest: a dropped search starts
/// again in the next round and reaches the same outcome and stats (a resumed search
/// counts its steps exactly as one that never stopped), so this bounds memory without
/// changing any result.
fn trim_suspended<M: Model>(slots: &[Slot<'_, M>], live: &[usize], max_bytes: usize) {
    let mut kept = 0usize;
    for &u in live {
        let mut slot = slots[u].lock().expect("no panics while holding the lock");
        let held = slot.as_ref().map_or(0, Linearizer::bytes);
        if kept.saturating_add(held) <= max_bytes {
            kept += held;
        } else {
            *slot = None;
        }
    }
}
