//! Searching a check's units (each an independent component of a partition) in parallel,
//! in rounds of growing step budgets, so that an illegal unit is found early and the
//! same one is reported on every run.
//!
//! Round r gives a unit a budget of 20,000 × 8^r steps in all, up to `max_steps`. The
//! result is that of synchronous rounds: the check stops after the first round in
//! which some unit is illegal and reports the first illegal unit of that round in
//! order; a unit still undecided then is reported cancelled, with the work it had done
//! by the end of that round. Two facts make this cheap:
//!
//! - A unit that runs out of a round's steps is suspended and resumed in its next
//!   round where it stopped (a resumed search counts its steps exactly as one that
//!   never stopped), so rounds cost no repeated work. Restarting each round from
//!   scratch, as the search first did, made a unit needing 380,779 steps (the largest
//!   key of porcupine's c50-ok) run 20,000 and 160,000 steps for nothing first.
//! - The rounds are not barriers. Workers take tasks (round, unit) in that order, and
//!   a unit's next round is ready as soon as its last one ends, so no core waits for a
//!   round's slowest unit. Work done in a round after the stopping one (it can only
//!   have started before the stop was known) is discarded.

use crate::model::Model;
use crate::search::{Budget, GaveUp, Linearizer, SearchOp, SearchOutcome, SearchStats};
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::{Condvar, Mutex};
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

/// A decided unit: its outcome and the work it took.
pub(crate) type Decided<S> = (SearchOutcome<S>, SearchStats);

/// What the workers share, under one lock.
struct Schedule<S> {
    /// Tasks ready to run: (round, unit).
    ready: BTreeSet<(usize, usize)>,
    /// Tasks running now.
    running: usize,
    /// The first round in which some unit was illegal (`usize::MAX`: none yet).
    stop_round: usize,
    /// Bytes held by suspended searches.
    suspended_bytes: usize,
    /// Per unit: the round it was decided in, its outcome and stats.
    decided: Vec<Option<(usize, Decided<S>)>>,
    /// Per unit: its stats at the end of each round it ended undecided.
    undecided: Vec<Vec<SearchStats>>,
}

/// Searches `units` in rounds (see the module doc). Returns, per unit, its outcome and
/// work: `GaveUp::Cancelled` if the rounds stopped (an illegal unit was found) while it
/// was undecided. Units after the first illegal one may or may not have finished,
/// depending on thread timing: callers must ignore them.
pub(crate) fn search_rounds<'a, M: Model>(
    model: &'a M,
    units: &[Unit<'a, M::Op>],
    inits: Vec<M::State>,
    limits: &Limits,
) -> Vec<Decided<M::State>> {
    let mut caps = vec![FIRST_ROUND_STEPS.min(limits.max_steps)];
    while caps[caps.len() - 1] < limits.max_steps {
        let last = caps[caps.len() - 1];
        caps.push(last.saturating_mul(ROUND_GROWTH).min(limits.max_steps));
    }
    let budgets: Vec<Budget> = caps
        .iter()
        .map(|&cap| Budget {
            deadline: limits.deadline,
            ..Budget::new(cap, limits.max_bytes)
        })
        .collect();
    // A Mutex makes the states shareable without requiring `Sync` of them.
    let inits: Vec<Mutex<M::State>> = inits.into_iter().map(Mutex::new).collect();
    let slots: Vec<Mutex<Option<Linearizer<M>>>> = units.iter().map(|_| Mutex::new(None)).collect();
    let schedule = Mutex::new(Schedule {
        ready: (0..units.len()).map(|u| (0, u)).collect(),
        running: 0,
        stop_round: usize::MAX,
        suspended_bytes: 0,
        decided: units.iter().map(|_| None).collect(),
        undecided: units.iter().map(|_| Vec::new()).collect(),
    });
    let wake = Condvar::new();
    std::thread::scope(|s| {
        for _ in 0..limits.threads.min(units.len()).max(1) {
            s.spawn(|| {
                work(
                    model,
                    units,
                    &inits,
                    &slots,
                    &budgets,
                    &schedule,
                    &wake,
                    limits.max_bytes,
                )
            });
        }
    });
    let schedule = schedule
        .into_inner()
        .expect("no panics while holding the lock");
    let stop = schedule.stop_round;
    schedule
        .decided
        .into_iter()
        .zip(schedule.undecided)
        .map(|(decided, undecided)| match decided {
            Some((round, d)) if round <= stop => d,
            // Undecided by the end of the stopping round (perhaps decided in a later one,
            // whose work does not count).
            _ => (
                SearchOutcome::Unknown(GaveUp::Cancelled),
                undecided.get(stop).copied().unwrap_or_default(),
            ),
        })
        .collect()
}

/// One worker: takes the first ready task in (round, unit) order, runs it, records it,
/// until no task is ready or running.
#[allow(clippy::too_many_arguments)]
fn work<'a, M: Model>(
    model: &'a M,
    units: &[Unit<'a, M::Op>],
    inits: &[Mutex<M::State>],
    slots: &[Mutex<Option<Linearizer<'a, M>>>],
    budgets: &[Budget],
    schedule: &Mutex<Schedule<M::State>>,
    wake: &Condvar,
    max_bytes: usize,
) {
    let locked = || schedule.lock().expect("no panics while holding the lock");
    let mut sched = locked();
    loop {
        let next = sched.ready.first().copied();
        let Some((round, u)) = next.filter(|&(r, _)| r <= sched.stop_round) else {
            if sched.running == 0 {
                wake.notify_all();
                return;
            }
            sched = wake.wait(sched).expect("no panics while holding the lock");
            continue;
        };
        sched.ready.remove(&(round, u));
        sched.running += 1;
        let suspended = slots[u]
            .lock()
            .expect("no panics while holding the lock")
            .take();
        if let Some(search) = &suspended {
            sched.suspended_bytes -= search.bytes();
        }
        drop(sched);

        let unit = &units[u];
        let mut search = suspended.unwrap_or_else(|| {
            let init = inits[unit.partition]
                .lock()
                .expect("no panics while holding the lock")
                .clone();
            Linearizer::new(model, unit.ops, unit.members.clone(), init)
        });
        let budget = &budgets[round];
        let outcome = search.run(budget, u);
        let stats = search.stats();
        if matches!(outcome, SearchOutcome::Illegal(_)) {
            budget.found_illegal(u);
        }

        sched = locked();
        sched.running -= 1;
        match outcome {
            SearchOutcome::Unknown(GaveUp::Steps) if round + 1 < budgets.len() => {
                sched.undecided[u].push(stats);
                // Kept while the suspended searches fit in one unit's byte budget; a
                // dropped one starts again and reaches the same outcome and stats.
                if sched.suspended_bytes + search.bytes() <= max_bytes {
                    sched.suspended_bytes += search.bytes();
                    *slots[u].lock().expect("no panics while holding the lock") = Some(search);
                }
                sched.ready.insert((round + 1, u));
            }
            // Stopped because an earlier unit or round was illegal: its result is never
            // used.
            SearchOutcome::Unknown(GaveUp::Cancelled) => {}
            outcome => {
                if matches!(outcome, SearchOutcome::Illegal(_)) && round < sched.stop_round {
                    sched.stop_round = round;
                    for later in &budgets[round + 1..] {
                        later.withdrawn.store(true, Ordering::Relaxed);
                    }
                }
                sched.decided[u] = Some((round, (outcome, stats)));
            }
        }
        wake.notify_all();
    }
}
