//! Shrinking: turns a failing seed into the smallest run that still fails the same
//! way. A run is decided by its seed, its scenario and its fault schedule, so a
//! smaller candidate (fewer fault events, a shorter workload, fewer clients or
//! servers) is run again exactly and kept only if it fails with the same check.
//!
//! Fault events are reduced by delta debugging (Zeller's ddmin: drop chunks of the
//! schedule, halving the chunk size when nothing can go, down to single events); the
//! workload phase is cut to the shortest duration that still fails, then ops per
//! client, clients and servers are dropped; when none of that makes progress, the
//! faults are moved as early as they still fail, and the passes go again. Passes repeat until none makes progress or the budget of runs
//! is spent. Candidates of one step run in parallel and the first in order that still
//! fails is taken, so the result does not depend on timing.

use super::report::RunReport;
use super::run::run_seed;
use super::scenario::{FaultSource, Scenario};
use crate::faults::{Fault, FaultEvent};
use linsim_checker::{
    check_named, CheckOptions, Function, History, Operation, Outcome, Value, Verdict,
};
use std::sync::Arc;
use std::time::Duration;

/// What can be shrunk in a run: its shape and its fault schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// Servers.
    pub nodes: u64,
    /// Clients.
    pub clients: u64,
    /// Virtual time of the workload phase.
    pub duration: Duration,
    /// Operations each client issues at most (none: no limit).
    pub client_ops: Option<u64>,
    /// The fault schedule, replayed exactly.
    pub events: Vec<FaultEvent>,
}

impl Candidate {
    /// `base` with this candidate's shape and schedule.
    pub fn scenario(&self, base: &Scenario) -> Scenario {
        let mut sc = base.clone();
        sc.nodes = self.nodes;
        sc.voters = sc.voters.min(self.nodes);
        sc.clients = Some(self.clients);
        sc.duration = self.duration;
        sc.client_ops = self.client_ops;
        sc.faults = FaultSource::Schedule(Arc::new(self.events.clone()));
        sc
    }
}

/// Limits of a shrink.
#[derive(Clone, Copy, Debug)]
pub struct ShrinkOptions {
    /// Runs to try at most (each candidate is one run).
    pub budget: usize,
    /// Candidates run at once.
    pub jobs: usize,
}

/// Why a run cannot be shrunk.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShrinkError {
    /// The seed passes: there is nothing to shrink.
    #[error("seed {0} does not fail: nothing to shrink")]
    Passes(u64),
    /// Replaying the run's recorded schedule did not fail the same way.
    #[error("replaying seed {seed}'s recorded schedule failed with {got:?}, not {want:?}")]
    ReplayDiffers {
        /// The seed.
        seed: u64,
        /// The original check.
        want: String,
        /// What the replay gave.
        got: Option<String>,
    },
    /// The shrunk run did not replay identically twice.
    #[error("the shrunk run is not deterministic: {0}")]
    Nondeterministic(String),
}

/// A shrink's outcome.
pub struct Shrunk {
    /// The check the original run failed, and the shrunk one still fails.
    pub check: String,
    /// The original run.
    pub original: RunReport,
    /// The original shape and schedule.
    pub before: Candidate,
    /// The smallest failing shape and schedule found.
    pub after: Candidate,
    /// The shrunk run's report.
    pub report: RunReport,
    /// Runs tried (the original and the final replays included).
    pub runs: usize,
    /// For a linearizability failure: the fewest operations of the shrunk history,
    /// in real-time order with their values, that are still not linearizable.
    pub minimal_history: Option<History>,
}

/// The first check a report failed.
pub fn first_check(r: &RunReport) -> Option<String> {
    r.failures.first().map(|f| f.check.clone())
}

struct Shrinker<'a, F: FnMut(usize)> {
    base: &'a Scenario,
    seed: u64,
    check: String,
    opts: ShrinkOptions,
    runs: usize,
    progress: F,
    /// The smallest failing run so far and its candidate. The search goes on from
    /// any failing candidate (a step that grows the run can open the way to a much
    /// smaller one), but the result is the smallest seen, so it is never bigger than
    /// the original: fewer faults or clients usually mean a smaller run, but not
    /// always, since the seed's draws fall differently.
    smallest: (RunSize, Candidate),
}

/// How big a run is, compared in this order: ops, then faults, then virtual time.
type RunSize = (usize, u64, u64);

fn size_of(r: &RunReport) -> RunSize {
    (r.history.ops.len(), r.stats.faults, r.stats.virtual_ms)
}

impl<F: FnMut(usize)> Shrinker<'_, F> {
    fn out_of_budget(&self) -> bool {
        self.runs >= self.opts.budget
    }

    /// The index of the first candidate that still fails with the check, running
    /// them `jobs` at a time in order; it becomes the smallest if it is.
    fn first_failing(&mut self, candidates: &[Candidate]) -> Option<usize> {
        for (chunk_no, chunk) in candidates.chunks(self.opts.jobs.max(1)).enumerate() {
            if self.out_of_budget() {
                return None;
            }
            let take = chunk.len().min(self.opts.budget - self.runs);
            let results: Vec<Option<RunSize>> = std::thread::scope(|s| {
                let handles: Vec<_> = chunk[..take]
                    .iter()
                    .map(|c| {
                        let sc = c.scenario(self.base);
                        let (seed, check) = (self.seed, &self.check);
                        s.spawn(move || {
                            let r = run_seed(&sc, seed);
                            (first_check(&r).as_deref() == Some(check.as_str()))
                                .then(|| size_of(&r))
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a shrink candidate's thread"))
                    .collect()
            });
            self.runs += take;
            (self.progress)(self.runs);
            if let Some(i) = results.iter().position(Option::is_some) {
                let size = results[i].expect("a failing candidate's size");
                if size <= self.smallest.0 {
                    self.smallest = (size, chunk[i].clone());
                }
                return Some(chunk_no * self.opts.jobs.max(1) + i);
            }
        }
        None
    }

    /// ddmin over the fault events: returns whether anything was removed.
    fn drop_events(&mut self, c: &mut Candidate) -> bool {
        let before = c.events.len();
        let base = c.clone();
        c.events = ddmin(std::mem::take(&mut c.events), |lists| {
            let cands: Vec<Candidate> = lists
                .iter()
                .map(|events| Candidate {
                    events: events.clone(),
                    ..base.clone()
                })
                .collect();
            self.first_failing(&cands)
        });
        c.events.len() < before
    }

    /// Takes the first of `cands` that still fails.
    fn take_first(&mut self, c: &mut Candidate, cands: Vec<Candidate>) -> bool {
        match self.first_failing(&cands) {
            Some(i) => {
                *c = cands[i].clone();
                true
            }
            None => false,
        }
    }

    /// The shortest workload phase (in 100 ms steps) that still fails.
    fn shorten(&mut self, c: &mut Candidate) -> bool {
        let step = Duration::from_millis(100);
        let (mut lo, mut hi) = (1u32, (c.duration.as_millis() / 100) as u32);
        let before = c.duration;
        // Binary search for the least number of steps that fails; failing is
        // (nearly) monotone in the duration, and every kept candidate is verified.
        while lo < hi && !self.out_of_budget() {
            let mid = (lo + hi) / 2;
            let mut cand = c.clone();
            cand.duration = step * mid;
            cand.events
                .retain(|e| e.at_ns < cand.duration.as_nanos() as u64);
            if self.first_failing(std::slice::from_ref(&cand)).is_some() {
                *c = cand;
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        c.duration < before
    }

    /// The faults moved as early as they still fail (in 100 ms steps), the workload
    /// phase cut by as much: what happens before the first fault is often only ops
    /// that the failure does not need.
    fn earlier(&mut self, c: &mut Candidate) -> bool {
        let step = Duration::from_millis(100);
        let step_ns = step.as_nanos() as u64;
        let Some(first) = c.events.iter().map(|e| e.at_ns).min() else {
            return false;
        };
        // Shifts keep every event at or after 0 and at least one step of workload.
        let most = (first / step_ns).min((c.duration.as_millis() / 100) as u64 - 1);
        let (mut lo, mut hi) = (0u64, most);
        let base = c.clone();
        while lo < hi && !self.out_of_budget() {
            let mid = (lo + hi).div_ceil(2);
            let mut cand = base.clone();
            cand.duration -= step * mid as u32;
            for e in &mut cand.events {
                e.at_ns -= mid * step_ns;
            }
            if self.first_failing(std::slice::from_ref(&cand)).is_some() {
                *c = cand;
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        lo > 0
    }

    /// The fewest operations per client (binary search) that still fail.
    fn fewer_ops(&mut self, c: &mut Candidate, issued: u64) -> bool {
        let before = c.client_ops;
        let (mut lo, mut hi) = (1u64, c.client_ops.unwrap_or(issued).min(issued).max(1));
        while lo < hi && !self.out_of_budget() {
            let mid = (lo + hi) / 2;
            let cand = Candidate {
                client_ops: Some(mid),
                ..c.clone()
            };
            if self.first_failing(std::slice::from_ref(&cand)).is_some() {
                *c = cand;
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        c.client_ops != before
    }

    /// Fewer clients, fewest first.
    fn fewer_clients(&mut self, c: &mut Candidate) -> bool {
        let cands = (1..c.clients)
            .map(|k| Candidate {
                clients: k,
                events: c
                    .events
                    .iter()
                    .filter_map(|e| without_clients(e, k))
                    .collect(),
                ..c.clone()
            })
            .collect();
        self.take_first(c, cands)
    }

    /// Fewer servers (odd counts, down to 3), fewest first.
    fn fewer_servers(&mut self, c: &mut Candidate) -> bool {
        let cands = (3..c.nodes)
            .step_by(2)
            .map(|k| Candidate {
                nodes: k,
                events: c
                    .events
                    .iter()
                    .filter_map(|e| without_servers(e, k))
                    .collect(),
                ..c.clone()
            })
            .collect();
        self.take_first(c, cands)
    }
}

/// Zeller's ddmin: splits `items` into n chunks and asks `first_failing` which of the
/// lists with one chunk dropped (in order) still fails; keeps that one and goes on
/// with fewer chunks, or doubles n when none does, down to single items. `None` from
/// `first_failing` also ends it when a budget runs out.
fn ddmin<T: Clone>(
    mut items: Vec<T>,
    mut first_failing: impl FnMut(&[Vec<T>]) -> Option<usize>,
) -> Vec<T> {
    let mut n = 2usize;
    while !items.is_empty() {
        let len = items.len();
        let n_chunks = n.min(len);
        let size = len.div_ceil(n_chunks);
        let complements: Vec<Vec<T>> = (0..len)
            .step_by(size)
            .map(|start| {
                let mut rest = items.clone();
                rest.drain(start..(start + size).min(len));
                rest
            })
            .collect();
        if let Some(i) = first_failing(&complements) {
            items = complements.into_iter().nth(i).expect("index from the list");
            n = (n_chunks - 1).max(2);
            continue;
        }
        if n_chunks >= len {
            break;
        }
        n = (n_chunks * 2).min(len);
    }
    items
}

/// `e` for a run with servers 1..=k only: partitions lose the others, faults naming
/// them disappear.
fn without_servers(e: &FaultEvent, k: u64) -> Option<FaultEvent> {
    let keep = |n: &u64| *n <= k;
    let groups = |gs: &[Vec<u64>]| -> Vec<Vec<u64>> {
        gs.iter()
            .map(|g| g.iter().copied().filter(keep).collect::<Vec<_>>())
            .filter(|g| !g.is_empty())
            .collect()
    };
    let fault = match &e.fault {
        Fault::Partition { groups: g } => Fault::Partition { groups: groups(g) },
        Fault::Unpartition { groups: g } => Fault::Unpartition { groups: groups(g) },
        Fault::CutClients { clients, servers } => Fault::CutClients {
            clients: clients.clone(),
            servers: servers.iter().copied().filter(keep).collect(),
        },
        Fault::UncutClients { clients, servers } => Fault::UncutClients {
            clients: clients.clone(),
            servers: servers.iter().copied().filter(keep).collect(),
        },
        Fault::PowerLoss { nodes, torn } => Fault::PowerLoss {
            nodes: nodes.iter().copied().filter(keep).collect(),
            torn: *torn,
        },
        Fault::Clog { src, dst } | Fault::Unclog { src, dst } if !keep(src) || !keep(dst) => {
            return None
        }
        Fault::TransferLeadership { from, to } if !keep(from) || !keep(to) => return None,
        Fault::ConfChange { via, change }
            if !keep(via) || change.changes.iter().any(|c| !keep(&c.node_id)) =>
        {
            return None
        }
        Fault::Crash { node, .. }
        | Fault::Restart { node }
        | Fault::Pause { node }
        | Fault::Resume { node }
        | Fault::Drift { node, .. }
        | Fault::TickJump { node, .. }
            if !keep(node) =>
        {
            return None
        }
        other => other.clone(),
    };
    Some(FaultEvent { fault, ..e.clone() })
}

/// `e` for a run with clients 0..k only.
fn without_clients(e: &FaultEvent, k: u64) -> Option<FaultEvent> {
    let fault = match &e.fault {
        Fault::CutClients { clients, servers } => Fault::CutClients {
            clients: clients.iter().copied().filter(|&c| c < k).collect(),
            servers: servers.clone(),
        },
        Fault::UncutClients { clients, servers } => Fault::UncutClients {
            clients: clients.iter().copied().filter(|&c| c < k).collect(),
            servers: servers.clone(),
        },
        other => other.clone(),
    };
    Some(FaultEvent { fault, ..e.clone() })
}

/// The value op `r` observed, if any: what an ok read returned, or what a cas that
/// swapped found.
fn observed(r: &Operation) -> Option<&Value> {
    if r.outcome != Outcome::Ok {
        return None;
    }
    let v = match (r.f, r.input.as_slice()) {
        (Function::Read, _) => &r.output,
        (Function::Cas, [from, _]) if r.output == Value::Bool(true) => from,
        _ => return None,
    };
    (*v != Value::Nil).then_some(v)
}

/// Whether op `w` could have produced `seen`, observed on key `key`: it writes (or
/// appends, or swaps in) a value that `seen` equals or contains.
fn produces(w: &Operation, key: &str, seen: &Value) -> bool {
    // Reads write nothing, and neither does a cas that found another value.
    if w.key != key || w.f == Function::Read || w.output == Value::Bool(false) {
        return false;
    }
    let written = match (w.f, w.input.as_slice()) {
        (Function::Cas, [_, to]) => to,
        (_, [v, ..]) => v,
        _ => return false,
    };
    match (written, seen) {
        (Value::Str(w), Value::Str(o)) => !w.is_empty() && o.contains(w.as_str()),
        (w, o) => w == o,
    }
}

/// `kept` plus, for every kept op that observed a value, every op that could have
/// produced it: a smaller history must keep the writes its reads and swaps saw, or
/// it would be illegal for a reason the run never had.
fn with_producers(ops: &[Operation], kept: &[usize]) -> Vec<usize> {
    // Transitively: a producer that swapped a value in observed one too.
    let mut all: std::collections::BTreeSet<usize> = kept.iter().copied().collect();
    let mut todo: Vec<usize> = kept.to_vec();
    while let Some(i) = todo.pop() {
        if let Some(seen) = observed(&ops[i]) {
            for w in (0..ops.len()).filter(|&w| produces(&ops[w], &ops[i].key, seen)) {
                if all.insert(w) {
                    todo.push(w);
                }
            }
        }
    }
    all.into_iter().collect()
}

/// The fewest operations of `history`, kept in real-time order with their values,
/// that are still not linearizable under `model`: ddmin with the checker as the
/// oracle, every kept read keeping the writes it could have seen.
pub fn minimize_history(model: &str, history: &History) -> History {
    let ops = &history.ops;
    let sub = |idx: &[usize]| History {
        ops: idx.iter().map(|&i| ops[i].clone()).collect(),
        ..history.clone()
    };
    let illegal = |idx: &[usize]| {
        check_named(
            model,
            &sub(&with_producers(ops, idx)),
            &CheckOptions::default(),
        )
        .map(|r| r.verdict == Verdict::Illegal)
        .unwrap_or(false)
    };
    let kept = ddmin((0..ops.len()).collect(), |lists| {
        lists
            .iter()
            .position(|idx| idx.len() < ops.len() && illegal(idx))
    });
    sub(&with_producers(ops, &kept))
}

/// Shrinks the failing run of `scenario` with `seed`. `progress` is told the number of
/// runs tried so far.
pub fn shrink(
    scenario: &Scenario,
    seed: u64,
    opts: &ShrinkOptions,
    progress: impl FnMut(usize),
) -> Result<Shrunk, ShrinkError> {
    let original = run_seed(scenario, seed);
    let check = first_check(&original).ok_or(ShrinkError::Passes(seed))?;
    let before = Candidate {
        nodes: scenario.nodes,
        clients: original.stats.clients,
        duration: scenario.duration,
        client_ops: scenario.client_ops,
        events: original.faults.clone(),
    };
    let mut s = Shrinker {
        base: scenario,
        seed,
        check: check.clone(),
        opts: *opts,
        runs: 1,
        progress,
        smallest: (size_of(&original), before.clone()),
    };
    // The recorded schedule must replay the failure before anything is removed.
    let replay = run_seed(&before.scenario(scenario), seed);
    s.runs += 1;
    if first_check(&replay).as_deref() != Some(check.as_str()) {
        return Err(ShrinkError::ReplayDiffers {
            seed,
            want: check,
            got: first_check(&replay),
        });
    }
    s.smallest.0 = s.smallest.0.max(size_of(&replay));
    let mut c = before.clone();
    loop {
        let mut progressed = s.shorten(&mut c);
        progressed |= s.drop_events(&mut c);
        // No client issued more than all the ops of the run.
        let issued = original.history.ops.len() as u64;
        progressed |= s.fewer_ops(&mut c, issued);
        progressed |= s.fewer_clients(&mut c);
        progressed |= s.fewer_servers(&mut c);
        // Moving the faults earlier changes every run after it: only once nothing
        // else shrinks (then the other passes get another go).
        if !progressed && !s.out_of_budget() {
            progressed = s.earlier(&mut c);
        }
        if !progressed || s.out_of_budget() {
            break;
        }
    }
    // The result is the smallest failing run seen (by ops, then faults, then virtual
    // time), verified by replaying it twice.
    let c = s.smallest.1.clone();
    let sc = c.scenario(scenario);
    let (a, b) = (run_seed(&sc, seed), run_seed(&sc, seed));
    s.runs += 2;
    (s.progress)(s.runs);
    if let Some(m) = super::sweep::determinism_mismatch(&a, &b) {
        return Err(ShrinkError::Nondeterministic(m));
    }
    assert_eq!(
        first_check(&a).as_deref(),
        Some(check.as_str()),
        "every kept candidate failed with the same check"
    );
    let minimal_history =
        (check == "linearizable").then(|| minimize_history(scenario.workload.model(), &a.history));
    Ok(Shrunk {
        check,
        original,
        before,
        after: c,
        report: a,
        runs: s.runs,
        minimal_history,
    })
}
