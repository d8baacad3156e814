//! The one sweep engine: many seeds of a scenario in parallel (each on a fresh
//! thread), optionally each twice to prove determinism, optionally stopping at the
//! first failure. `linsim sweep`, `bugs`, `hunt` and `shrink` all run on it, and a
//! user's own test can call it directly:
//!
//! ```no_run
//! # fn scenario() -> linsim_sim::Scenario { unimplemented!() }
//! use linsim_sim::{sweep, SweepOptions, SweepSummary, Verdict};
//! let mut summary = SweepSummary::default();
//! sweep(&scenario(), &SweepOptions::seeds(0..100), |r| summary.add(&r.report));
//! assert_eq!(summary.fail, 0);
//! ```

use super::report::{RunReport, Verdict};
use super::run::run_seed;
use super::scenario::Scenario;
use crate::probes;
use crate::system::System;
use linsim_probes::ProbeInfo;
use serde::Serialize;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;

/// Which seeds, how many at once, and when to stop.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// The seeds, in the order they are handed out.
    pub seeds: Vec<u64>,
    /// Seeds run at once (threads).
    pub jobs: usize,
    /// Run every seed twice; a second run that differs (history hash, trace hash or
    /// verdict) turns the seed into a failure.
    pub check_determinism: bool,
    /// Stop at the first failing seed: no seed after it (in `seeds` order) is started,
    /// while every seed before it still finishes, so the first failure found is the
    /// first in order whatever the timing.
    pub stop_at_first_failure: bool,
}

impl SweepOptions {
    /// Every seed of `range`, on all cores, each once, without stopping.
    pub fn seeds(range: Range<u64>) -> SweepOptions {
        SweepOptions {
            seeds: range.collect(),
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            check_determinism: false,
            stop_at_first_failure: false,
        }
    }
}

/// One seed's outcome.
pub struct SeedResult {
    /// The run's report (its verdict is Fail if it was not deterministic).
    pub report: RunReport,
    /// With `check_determinism`: how the second run differed, if it did.
    pub mismatch: Option<String>,
}

/// Runs `scenario` over the seeds, `jobs` at a time, calling `on_result` (on the
/// calling thread) with each seed's result in seed order.
pub fn sweep(scenario: &Scenario, opts: &SweepOptions, mut on_result: impl FnMut(SeedResult)) {
    let jobs = opts.jobs.clamp(1, opts.seeds.len().max(1));
    let next = AtomicUsize::new(0);
    // Position (in `seeds`) of the first failure so far; no later seed is started.
    let first_failure = AtomicU64::new(u64::MAX);
    let (tx, rx) = mpsc::channel::<(usize, SeedResult)>();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, first_failure) = (&next, &first_failure);
            s.spawn(move || loop {
                let pos = next.fetch_add(1, Ordering::SeqCst);
                let Some(&seed) = opts.seeds.get(pos) else {
                    return;
                };
                if pos as u64 > first_failure.load(Ordering::SeqCst) {
                    return;
                }
                let mut report = run_seed(scenario, seed);
                let mismatch = opts
                    .check_determinism
                    .then(|| determinism_mismatch(&report, &run_seed(scenario, seed)))
                    .flatten();
                if let Some(m) = &mismatch {
                    report.verdict = Verdict::Fail;
                    report.reason = Some(m.clone());
                }
                if opts.stop_at_first_failure && report.verdict == Verdict::Fail {
                    first_failure.fetch_min(pos as u64, Ordering::SeqCst);
                }
                if tx.send((pos, SeedResult { report, mismatch })).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        // Results reach `on_result` in seed order (a CI log or JSON stream reads the
        // same for any `jobs`): the ones that finish early wait here for the seeds
        // before them. With `stop_at_first_failure`, seeds after the first failure may
        // never run; whatever did is handed over in order at the end.
        let mut waiting = std::collections::BTreeMap::new();
        let mut next_pos = 0;
        for (pos, result) in rx {
            waiting.insert(pos, result);
            while let Some(result) = waiting.remove(&next_pos) {
                on_result(result);
                next_pos += 1;
            }
        }
        for (_, result) in waiting {
            on_result(result);
        }
    });
}

/// Sweeps `seeds` in order until the first failure and returns it (`None` if every
/// seed ran without failing). Seeds before the failure all finish, so it is the
/// first failing seed in order whatever the timing. `on_result` sees every report.
pub fn first_failure(
    scenario: &Scenario,
    seeds: Vec<u64>,
    jobs: usize,
    mut on_result: impl FnMut(&RunReport, bool),
) -> Option<RunReport> {
    let opts = SweepOptions {
        seeds,
        jobs,
        check_determinism: false,
        stop_at_first_failure: true,
    };
    let position = |seed: u64| opts.seeds.iter().position(|&s| s == seed);
    let mut first: Option<RunReport> = None;
    sweep(scenario, &opts, |SeedResult { report, .. }| {
        let earlier = first
            .as_ref()
            .is_none_or(|f| position(report.seed) < position(f.seed));
        if report.verdict == Verdict::Fail && earlier {
            first = Some(report.clone());
        }
        on_result(&report, first.is_some());
    });
    first
}

/// How a second run of a seed differed from the first, if it did.
pub fn determinism_mismatch(a: &RunReport, b: &RunReport) -> Option<String> {
    let check = |r: &RunReport| r.check.as_ref().map(|c| c.fingerprint());
    let same = a.history_hash == b.history_hash
        && a.trace_hash == b.trace_hash
        && a.verdict == b.verdict
        && a.knobs == b.knobs
        && check(a) == check(b);
    (!same).then(|| {
        format!(
            "nondeterministic: history {:016x} vs {:016x}, trace {:016x} vs {:016x}, verdict {} vs {}, check {:016x} vs {:016x}",
            a.history_hash,
            b.history_hash,
            a.trace_hash,
            b.trace_hash,
            a.verdict,
            b.verdict,
            check(a).unwrap_or(0),
            check(b).unwrap_or(0)
        )
    })
}

/// A probe's coverage over a sweep.
#[derive(Clone, Debug, Serialize)]
pub struct ProbeCoverage {
    /// The probe.
    pub name: &'static str,
    /// Where it lives.
    pub file: &'static str,
    /// Whether it marks a safety guard's refusal branch.
    pub guard: bool,
    /// Seeds that hit it.
    pub seeds_hit: u64,
    /// The share of seeds that hit it, 0 to 1.
    pub share: f64,
}

/// Totals over a sweep, fed one report at a time. Serde, and mergeable: the summaries
/// of a sweep's shards add up to the summary of the whole (`merge`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SweepSummary {
    /// Seeds run.
    pub seeds: u64,
    /// Seeds that passed.
    pub pass: u64,
    /// Seeds that failed.
    pub fail: u64,
    /// Seeds whose checker gave up.
    pub unknown: u64,
    /// Client operations.
    pub ops: u64,
    /// Raft messages delivered.
    pub messages: u64,
    /// Server crashes.
    pub crashes: u64,
    /// Unsynced writes lost in crashes.
    pub unsynced_writes_lost: u64,
    /// Seeds where a crash lost unsynced writes.
    pub seeds_losing_writes: u64,
    /// Log entries lost in crashes.
    pub entries_lost: u64,
    /// Torn records truncated by recovery.
    pub torn_records_truncated: u64,
    /// Ops with unknown outcome (info).
    pub ops_info: u64,
    /// Reads served through the log.
    pub reads_log: u64,
    /// Reads served through ReadIndex with a heartbeat quorum.
    pub reads_read_index: u64,
    /// Reads served through ReadIndex from a lease.
    pub reads_lease: u64,
    /// Snapshots leaders sent.
    pub snapshots_sent: u64,
    /// Snapshots followers installed.
    pub snapshots_installed: u64,
    /// Seeds where a follower installed a snapshot.
    pub seeds_installing_snapshots: u64,
    /// Log compactions (snapshots servers took of their own state).
    pub compactions: u64,
    /// Membership changes proposed.
    pub conf_changes_proposed: u64,
    /// Membership changes applied.
    pub conf_changes_applied: u64,
    /// Joint configurations entered.
    pub joint_entered: u64,
    /// Joint configurations left.
    pub joint_left: u64,
    /// Joint configurations still in force at the ends of runs.
    pub joints_open_at_end: u64,
    /// Client processes retired after unknown outcomes.
    pub processes_retired: u64,
    /// The longest time any client slot of any seed went without an operation
    /// completing, virtual ms.
    pub max_slot_idle_ms: u64,
    /// The longest client timeout of any seed, ms (the bound on a slot's idle time, but
    /// for the think time between operations).
    pub max_client_timeout_ms: u64,
    /// Ops the checker's models left out before searching: reads of unknown outcome,
    /// and writes of unknown outcome no read saw.
    pub pruned: linsim_checker::Pruned,
    /// Seeds by how many membership changes they applied: 0, 1, 2-4, 5+.
    pub conf_change_seeds: [u64; 4],
    /// Seeds that hit each probe, by name.
    pub probe_seeds: std::collections::BTreeMap<String, u64>,
    /// The seeds that failed, in order.
    pub failing_seeds: Vec<u64>,
}

impl SweepSummary {
    /// Adds one seed's report.
    pub fn add(&mut self, r: &RunReport) {
        self.seeds += 1;
        match r.verdict {
            Verdict::Pass => self.pass += 1,
            Verdict::Fail => self.fail += 1,
            Verdict::Unknown => self.unknown += 1,
        }
        let s = &r.stats;
        self.ops += s.ops_ok + s.ops_fail + s.ops_info;
        self.ops_info += s.ops_info;
        self.messages += s.messages;
        self.crashes += s.crashes;
        self.unsynced_writes_lost += s.unsynced_writes_lost;
        self.seeds_losing_writes += (s.unsynced_writes_lost > 0) as u64;
        self.entries_lost += s.entries_lost;
        self.torn_records_truncated += s.torn_records_truncated;
        self.reads_log += s.reads_log;
        self.reads_read_index += s.reads_read_index;
        self.reads_lease += s.reads_lease;
        self.snapshots_sent += s.snapshots_sent;
        self.snapshots_installed += s.snapshots_installed;
        self.seeds_installing_snapshots += (s.snapshots_installed > 0) as u64;
        self.compactions += s.compactions;
        self.conf_changes_proposed += s.conf_changes_proposed;
        self.conf_changes_applied += s.conf_changes_applied;
        self.joint_entered += s.joint_entered;
        self.joint_left += s.joint_left;
        self.joints_open_at_end += s.joints_open_at_end;
        self.processes_retired += s.processes_retired;
        self.max_slot_idle_ms = self.max_slot_idle_ms.max(s.max_slot_idle_ms);
        self.max_client_timeout_ms = self.max_client_timeout_ms.max(r.knobs.client_timeout_ms);
        if let Some(p) = r.check.as_ref().map(|c| c.pruned()) {
            self.pruned.unknown_reads += p.unknown_reads;
            self.pruned.unseen_writes += p.unseen_writes;
        }
        let bucket = match s.conf_changes_applied {
            0 => 0,
            1 => 1,
            2..=4 => 2,
            _ => 3,
        };
        self.conf_change_seeds[bucket] += 1;
        for &name in r.probes.keys() {
            *self.probe_seeds.entry(name.to_string()).or_default() += 1;
        }
        if r.verdict == Verdict::Fail {
            let at = self.failing_seeds.partition_point(|&s| s < r.seed);
            self.failing_seeds.insert(at, r.seed);
        }
    }

    /// Adds another sweep's totals (another shard of the same sweep): counts add up,
    /// maxima take the larger, failing seeds join in order.
    pub fn merge(&mut self, o: &SweepSummary) {
        let SweepSummary {
            seeds,
            pass,
            fail,
            unknown,
            ops,
            messages,
            crashes,
            unsynced_writes_lost,
            seeds_losing_writes,
            entries_lost,
            torn_records_truncated,
            ops_info,
            reads_log,
            reads_read_index,
            reads_lease,
            snapshots_sent,
            snapshots_installed,
            seeds_installing_snapshots,
            compactions,
            conf_changes_proposed,
            conf_changes_applied,
            joint_entered,
            joint_left,
            joints_open_at_end,
            processes_retired,
            max_slot_idle_ms,
            max_client_timeout_ms,
            pruned,
            conf_change_seeds,
            probe_seeds,
            failing_seeds,
        } = o;
        // Destructured in full: a field added to the summary must be merged here too.
        for (mine, theirs) in [
            (&mut self.seeds, seeds),
            (&mut self.pass, pass),
            (&mut self.fail, fail),
            (&mut self.unknown, unknown),
            (&mut self.ops, ops),
            (&mut self.messages, messages),
            (&mut self.crashes, crashes),
            (&mut self.unsynced_writes_lost, unsynced_writes_lost),
            (&mut self.seeds_losing_writes, seeds_losing_writes),
            (&mut self.entries_lost, entries_lost),
            (&mut self.torn_records_truncated, torn_records_truncated),
            (&mut self.ops_info, ops_info),
            (&mut self.reads_log, reads_log),
            (&mut self.reads_read_index, reads_read_index),
            (&mut self.reads_lease, reads_lease),
            (&mut self.snapshots_sent, snapshots_sent),
            (&mut self.snapshots_installed, snapshots_installed),
            (
                &mut self.seeds_installing_snapshots,
                seeds_installing_snapshots,
            ),
            (&mut self.compactions, compactions),
            (&mut self.conf_changes_proposed, conf_changes_proposed),
            (&mut self.conf_changes_applied, conf_changes_applied),
            (&mut self.joint_entered, joint_entered),
            (&mut self.joint_left, joint_left),
            (&mut self.joints_open_at_end, joints_open_at_end),
            (&mut self.processes_retired, processes_retired),
        ] {
            *mine += *theirs;
        }
        self.pruned.unknown_reads += pruned.unknown_reads;
        self.pruned.unseen_writes += pruned.unseen_writes;
        self.max_slot_idle_ms = self.max_slot_idle_ms.max(*max_slot_idle_ms);
        self.max_client_timeout_ms = self.max_client_timeout_ms.max(*max_client_timeout_ms);
        for (mine, theirs) in self.conf_change_seeds.iter_mut().zip(conf_change_seeds) {
            *mine += theirs;
        }
        for (name, n) in probe_seeds {
            *self.probe_seeds.entry(name.clone()).or_default() += n;
        }
        self.failing_seeds.extend(failing_seeds);
        self.failing_seeds.sort_unstable();
    }

    /// Every probe of `system`'s runs (the framework's and its own) with the share of
    /// seeds that hit it, in table order.
    pub fn probe_coverage(&self, system: &dyn System) -> Vec<ProbeCoverage> {
        probes::all(&system.probes())
            .iter()
            .map(|p: &ProbeInfo| {
                let seeds_hit = self.probe_seeds.get(p.name).copied().unwrap_or(0);
                ProbeCoverage {
                    name: p.name,
                    file: p.file,
                    guard: p.guard,
                    seeds_hit,
                    share: if self.seeds == 0 {
                        0.0
                    } else {
                        seeds_hit as f64 / self.seeds as f64
                    },
                }
            })
            .collect()
    }

    /// The summary as JSON: counts, `probes_total`, `probes_hit`, the share of seeds
    /// hitting each of `system`'s probes, and the probes never hit.
    pub fn to_json(&self, system: &dyn System) -> serde_json::Value {
        let cov = self.probe_coverage(system);
        let hit = cov.iter().filter(|c| c.seeds_hit > 0).count();
        let shares: serde_json::Map<String, serde_json::Value> = cov
            .iter()
            .map(|c| (c.name.to_string(), serde_json::json!(round4(c.share))))
            .collect();
        let never: Vec<&str> = cov
            .iter()
            .filter(|c| c.seeds_hit == 0)
            .map(|c| c.name)
            .collect();
        serde_json::json!({
            "seeds": self.seeds, "pass": self.pass, "fail": self.fail, "unknown": self.unknown,
            "ops": self.ops, "ops_info": self.ops_info, "messages": self.messages,
            "crashes": self.crashes,
            "unsynced_writes_lost": self.unsynced_writes_lost,
            "seeds_losing_writes": self.seeds_losing_writes,
            "entries_lost": self.entries_lost,
            "torn_records_truncated": self.torn_records_truncated,
            "reads_log": self.reads_log, "reads_read_index": self.reads_read_index,
            "reads_lease": self.reads_lease,
            "snapshots_sent": self.snapshots_sent,
            "snapshots_installed": self.snapshots_installed,
            "seeds_installing_snapshots": self.seeds_installing_snapshots,
            "compactions": self.compactions,
            "conf_changes_proposed": self.conf_changes_proposed,
            "conf_changes_applied": self.conf_changes_applied,
            "joint_entered": self.joint_entered, "joint_left": self.joint_left,
            "joints_open_at_end": self.joints_open_at_end,
            "processes_retired": self.processes_retired,
            "max_slot_idle_ms": self.max_slot_idle_ms,
            "max_client_timeout_ms": self.max_client_timeout_ms,
            "pruned": self.pruned,
            "seeds_by_conf_changes_applied": {
                "0": self.conf_change_seeds[0], "1": self.conf_change_seeds[1],
                "2-4": self.conf_change_seeds[2], "5+": self.conf_change_seeds[3],
            },
            "probes_total": cov.len(), "probes_hit": hit,
            "probe_share": shares, "probes_never_hit": never,
            "failing_seeds": self.failing_seeds,
            "system": system.name(),
            // The raw totals, from which shards' summaries merge (`linsim merge`).
            "totals": self,
        })
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
