//! The Raft observation API: what a Raft server reports as it happens, in the
//! framework's types. Each report is checked at once against what every server did
//! before and against what the server's disk holds durably (its `RaftDurable` view),
//! and lands in the run's trace and timeline.
//!
//! Report at the moment it happens, before any await: a pause or a crash must not
//! make an election or a commit look later (or earlier) than it was. A server that
//! reports nothing turns no check on; a server that reports some events and not
//! others gets the checks those events feed.

use super::raft::{Config, LogEntry, Role, Sent};
use super::RaftDurable;
use crate::checks::observer::DurableView;
use crate::checks::{lock, Checks};
use crate::disk::Disks;
use crate::stats::Counters;
use crate::time::RunClock;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// A server's handle on the observer.
#[derive(Clone)]
pub struct RaftEvents {
    id: u64,
    incarnation: u64,
    clock: Arc<RunClock>,
    checks: Arc<Checks>,
    disks: Arc<Disks>,
    counters: Arc<Counters>,
}

impl RaftEvents {
    pub(crate) fn new(
        id: u64,
        incarnation: u64,
        clock: Arc<RunClock>,
        checks: Arc<Checks>,
        disks: Arc<Disks>,
        counters: Arc<Counters>,
    ) -> RaftEvents {
        RaftEvents {
            id,
            incarnation,
            clock,
            checks,
            disks,
            counters,
        }
    }

    fn now(&self) -> u64 {
        self.clock.now_ns()
    }

    /// Adds a line to the run's trace (and its hash).
    pub fn trace(&self, line: String) {
        let now = self.now();
        self.checks.observer().trace(now, line);
    }

    /// Whether a check has failed already (the run is ending).
    pub fn violation_found(&self) -> bool {
        self.checks.observer().violation().is_some()
    }

    /// The server (re)started at `term`, from its durable snapshot at `snapshot_index`
    /// (0: none) with configuration `config`: it applies its log again from there, and
    /// `config` must be the configuration in force at that index.
    pub fn started(&self, term: u64, snapshot_index: u64, config: &Config) {
        let id = self.id;
        lock(&self.checks.membership).set(id, snapshot_index, config.clone());
        let now = self.now();
        let mut obs = self.checks.observer();
        obs.restarted(id, snapshot_index);
        obs.trace(
            now,
            format!("{id} started (restart {}) at term {term}", self.incarnation),
        );
        obs.config_restored(now, id, snapshot_index, config);
    }

    /// The server's term or role changed. `log_term(i)` is its log's term at i (`None`
    /// where it holds none), `first_index` its log's first index (below it, the log is
    /// compacted), `config` the configuration it runs with, `committed` its commit
    /// index. A new leader must hold every entry committed in an earlier term (leader
    /// completeness), be the only leader of its term (election safety), and run with a
    /// configuration whose quorums meet the committed one's.
    pub fn role(
        &self,
        term: u64,
        role: Role,
        first_index: u64,
        log_term: &dyn Fn(u64) -> Option<u64>,
        config: &Config,
        committed: u64,
    ) {
        let (id, now) = (self.id, self.now());
        lock(&self.checks.roles).insert(id, (term, role));
        let mut obs = self.checks.observer();
        obs.role(now, id, term, role, first_index, log_term, config);
        if role == Role::Leader {
            // The commit index it takes office with: later advances are checked.
            obs.leader_committed(now, id, term, committed, log_term, None);
        }
    }

    /// As leader of `term`, the server advanced its commit index to `commit`.
    /// `configs` are the configurations it may have decided with (its own; a server
    /// that applies apart from its Raft also the one before its last change). The
    /// entry must be of its own term (leader-commits-own-term), and a quorum of some
    /// configuration in `configs` (of both halves, if joint) must hold it durably
    /// (commit-quorum), read from their disks.
    pub fn leader_committed(
        &self,
        term: u64,
        commit: u64,
        log_term: &dyn Fn(u64) -> Option<u64>,
        configs: &[Config],
    ) {
        let (id, now) = (self.id, self.now());
        let disks = &self.disks;
        let holders = |index: u64, entry_term: u64| disks.holding(index, entry_term);
        self.checks.observer().leader_committed(
            now,
            id,
            term,
            commit,
            log_term,
            Some((configs, &holders)),
        );
    }

    /// As leader of `term`, the server is transferring leadership to `to` (0: no
    /// transfer) after `ticks` ticks of its clock; a transfer must complete or be
    /// abandoned within an election timeout of `election_tick` ticks.
    pub fn transfer_state(&self, term: u64, to: u64, ticks: u64, election_tick: u64) {
        let (id, now) = (self.id, self.now());
        self.checks
            .observer()
            .transfer_state(now, id, term, to, ticks, election_tick);
    }

    /// An fsync made `entries` durable (possibly none: a hard state alone): log
    /// matching is checked against every server's durable entries, and the durable
    /// hard state's term and vote must only move forward.
    pub fn synced(&self, entries: &[LogEntry<'_>]) {
        let (id, now) = (self.id, self.now());
        let disks = self.disks.lock();
        let Some(disk) = disks.get(&id).and_then(|d| d.raft()) else {
            return;
        };
        let mut obs = self.checks.observer();
        obs.persisted(now, id, entries, |i| disk.term(i).unwrap_or(0));
        obs.hard_state(now, id, disk.hard_state());
    }

    /// The server is applying `entry` to its state machine: it must be durable here
    /// (durable-before-apply), no server may apply another entry at its index (state
    /// machine safety), and indexes are applied in order. A conf-change entry's outcome
    /// (`config_applied` or `conf_change_refused`) must follow before the next entry.
    pub fn applying(&self, entry: &LogEntry<'_>) {
        let (id, now) = (self.id, self.now());
        let disks = self.disks.lock();
        let mut obs = self.checks.observer();
        if let Some(d) = disks.get(&id).and_then(|d| d.raft()) {
            let (durable_term, compacted_to) = (d.term(entry.index), d.compacted_to());
            obs.applying(now, id, entry.index, entry.term, durable_term, compacted_to);
        }
        obs.applied(now, id, entry);
    }

    /// The server applied the membership change at `index`, from `before` to `after`
    /// (one change at a time, on top of the configuration in force, with overlapping
    /// quorums, the same on every server).
    pub fn config_applied(&self, index: u64, before: &Config, after: &Config) {
        let (id, now) = (self.id, self.now());
        lock(&self.checks.membership).set(id, index, after.clone());
        let first = self
            .checks
            .observer()
            .config_applied(now, id, index, before, after);
        if first {
            let c = &self.counters;
            c.conf_changes_applied.fetch_add(1, Ordering::Relaxed);
            if after.is_joint() != before.is_joint() {
                let joint = if before.is_joint() {
                    &c.joint_left
                } else {
                    &c.joint_entered
                };
                joint.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The server refused the committed membership change at `index` (invalid in its
    /// configuration); the configuration stays.
    pub fn conf_change_refused(&self, index: u64) {
        let (id, now) = (self.id, self.now());
        self.checks.observer().conf_change_refused(now, id, index);
    }

    /// The configuration this server reported last (`started`, `config_applied`,
    /// `snapshot_installed`).
    pub fn config(&self) -> Config {
        lock(&self.checks.membership).of(self.id).clone()
    }

    /// The server installed a snapshot (durable by now) at `index`, whose state has
    /// digest `digest` and configuration `config`: the same index must hold the same
    /// state everywhere, and `config` the configuration in force there.
    pub fn snapshot_installed(&self, index: u64, digest: u64, config: &Config) {
        let (id, now) = (self.id, self.now());
        lock(&self.checks.membership).set(id, index, config.clone());
        self.counters
            .snapshots_installed
            .fetch_add(1, Ordering::Relaxed);
        let mut obs = self.checks.observer();
        obs.config_restored(now, id, index, config);
        obs.snapshot(now, id, index, digest, true);
    }

    /// The server snapshotted its state machine at `index` (digest `digest`, having
    /// applied up to `applied`) and is compacting its log up to `compact_to`. Returns
    /// false if that breaks a check (the compaction must then not happen).
    pub fn snapshot_taken(&self, index: u64, digest: u64, compact_to: u64, applied: u64) -> bool {
        let (id, now) = (self.id, self.now());
        let mut obs = self.checks.observer();
        obs.snapshot(now, id, index, digest, false);
        obs.compacted(now, id, compact_to, index, applied);
        obs.violation().is_none()
    }

    /// A client read `request` arrived.
    pub fn read_arrived(&self, request: u64) {
        self.checks.observer().read_arrived(self.id, request);
    }

    /// The server asked its Raft to confirm read `request` (ReadIndex).
    pub fn read_asked(&self, request: u64) {
        let (id, now) = (self.id, self.now());
        self.checks.observer().read_asked(now, id, request);
    }

    /// Raft confirmed read `request` at read index `index`.
    pub fn read_confirmed(&self, request: u64, index: u64) {
        let (id, now) = (self.id, self.now());
        self.checks
            .observer()
            .read_confirmed(now, id, request, index);
    }

    /// The server answered read `request` from its state machine, applied up to
    /// `applied`.
    pub fn read_served(&self, request: u64, applied: u64) {
        let (id, now) = (self.id, self.now());
        self.checks
            .observer()
            .read_served(now, id, request, applied);
    }

    /// The server answered read `request` by applying it through the log at `index`.
    pub fn read_served_from_log(&self, request: u64, index: u64) {
        let (id, now) = (self.id, self.now());
        self.checks
            .observer()
            .read_served_from_log(now, id, request, index);
    }

    /// The server gave up on read `request` (told its client to retry), having applied
    /// up to `applied`.
    pub fn read_dropped(&self, request: u64, applied: u64) {
        let (id, now) = (self.id, self.now());
        self.checks
            .observer()
            .read_dropped(now, id, request, applied);
    }

    /// Messages are leaving the server now: what each promises must be durable
    /// (durable-before-send). `log_term_at(durable, i)` is the server's log's term at i
    /// as the messages were made (what an acknowledgement vouches for), given its
    /// durable state; `leader_self_match` is, if it leads, the match index its Raft
    /// counts for itself, which must not run ahead of its durable log.
    pub fn sent(
        &self,
        messages: impl IntoIterator<Item = Sent>,
        log_term_at: &dyn Fn(&dyn RaftDurable, u64) -> Option<u64>,
        leader_self_match: Option<u64>,
    ) {
        let mut messages = messages.into_iter().peekable();
        if messages.peek().is_none() {
            return;
        }
        let (id, now) = (self.id, self.now());
        let disks = self.disks.lock();
        let Some(disk) = disks.get(&id).and_then(|d| d.raft()) else {
            return;
        };
        let term_at = |i: u64| disk.term(i);
        let log_term_at = |i: u64| log_term_at(disk, i);
        let view = DurableView {
            hard_state: disk.hard_state(),
            last_index: disk.last_index(),
            compacted_to: disk.compacted_to(),
            term_at: &term_at,
            log_term_at: &log_term_at,
            leader_self_match,
        };
        let mut obs = self.checks.observer();
        for m in messages {
            obs.sent(now, id, &m, &view);
        }
    }
}
