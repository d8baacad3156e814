//! Read-only inspection of a node, for observers: invariant checkers, tracers,
//! status lines, tests.
//!
//! Each method returns a plain value (or a borrowed, read-only view) of raft's state as
//! it is between two calls that change it (`step`, `tick`, `ready`, `advance`, ...).
//! Nothing here changes the node, and nothing here is needed to drive it: an
//! application learns what it must act on from `Ready`. The values are raft's own,
//! which may be ahead of what the application has persisted: the term and vote of a
//! node that has not yet handed out (and had persisted) its `HardState`, entries of
//! the log's unstable tail.

use super::RawNode;
use crate::eraftpb::{ConfState, HardState};
use crate::raft::{SoftState, StateType};
use crate::storage::Storage;
use crate::tracker::{Configuration, Progress};

impl<S: Storage> RawNode<S> {
    /// This node's id.
    pub fn id(&self) -> u64 {
        self.raft.id
    }

    /// The current term.
    pub fn term(&self) -> u64 {
        self.raft.term
    }

    /// This node's role.
    pub fn role(&self) -> StateType {
        self.raft.state
    }

    /// The leader this node knows of in the current term (`NONE` if none).
    pub fn leader(&self) -> u64 {
        self.raft.lead
    }

    /// Whom this node voted for in the current term (`NONE` if nobody).
    pub fn vote(&self) -> u64 {
        self.raft.vote
    }

    /// Leader and role, as a `Ready` reports them when they change.
    pub fn soft_state(&self) -> SoftState {
        self.raft.soft_state()
    }

    /// Term, vote and commit index, as a `Ready` reports them when they change.
    pub fn hard_state(&self) -> HardState {
        self.raft.hard_state()
    }

    /// The highest log index known to be committed.
    pub fn committed(&self) -> u64 {
        self.raft.raft_log.committed
    }

    /// The highest index the application has reported applied (by `advance`, or with
    /// async storage writes by the apply thread's responses).
    pub fn applied(&self) -> u64 {
        self.raft.raft_log.applied
    }

    /// The highest index handed out for applying: with async storage writes, handed
    /// to the apply thread and perhaps not applied yet; on the synchronous path it
    /// follows `applied`.
    pub fn applying(&self) -> u64 {
        self.raft.raft_log.applying
    }

    /// The highest index this node knows durable in its own log (acknowledged by
    /// `advance`, or with async storage writes by the append thread's responses).
    pub fn persisted(&self) -> u64 {
        self.raft.raft_log.persisted
    }

    /// The first index of the log (stable and unstable): the index after its
    /// snapshot, or after a pending snapshot.
    pub fn first_index(&self) -> u64 {
        self.raft.raft_log.first_index()
    }

    /// The last index of the log (stable and unstable).
    pub fn last_index(&self) -> u64 {
        self.raft.raft_log.last_index()
    }

    /// The term of the entry at `index` of the log (stable and unstable; the index
    /// just before `first_index` is the snapshot's), or `None` if the log does not
    /// hold it (compacted, or past the last index).
    pub fn term_at(&self, index: u64) -> Option<u64> {
        self.raft.raft_log.term(index).ok()
    }

    /// Whether a snapshot received from a leader waits to be persisted and applied
    /// (the node may not campaign until then).
    pub fn has_pending_snapshot(&self) -> bool {
        self.raft.raft_log.unstable.snapshot.is_some()
    }

    /// The membership this node runs with (applied conf changes and snapshots), with
    /// both halves of a joint configuration.
    pub fn conf_state(&self) -> ConfState {
        self.raft.trk.conf_state()
    }

    /// The same membership as raft's tracker holds it: joint voters, learners,
    /// learners to be, auto-leave. Display prints it in etcd's notation
    /// (`voters=(1 2)&&(1 3) learners=(4) learners_next=(3) autoleave`).
    pub fn config(&self) -> &Configuration {
        &self.raft.trk.config
    }

    /// What this node, as leader, knows of member `id`'s log: match and next index,
    /// replication state (`Progress` also displays as etcd prints it). Only a leader's
    /// progress is kept up to date; other roles hold what was reset at their last
    /// change of role.
    pub fn progress(&self, id: u64) -> Option<&Progress> {
        self.raft.trk.progress.get(&id)
    }

    /// Every member's progress (see `progress`), by ascending id.
    pub fn progresses(&self) -> impl Iterator<Item = (u64, &Progress)> + '_ {
        self.raft.trk.progress.iter().map(|(&id, pr)| (id, pr))
    }

    /// The node a leadership transfer in progress targets (`NONE` if none).
    pub fn lead_transferee(&self) -> u64 {
        self.raft.lead_transferee
    }

    /// A leader's payload bytes of entries appended and not yet handed out for
    /// applying (bounded by `Config::max_uncommitted_entries_size`).
    pub fn uncommitted_size(&self) -> u64 {
        self.raft.uncommitted_size
    }

    /// Whether this node may campaign: it is a voter and no snapshot is pending.
    pub fn promotable(&self) -> bool {
        self.raft.promotable()
    }

    /// The randomized election timeout in force, in ticks (drawn at each change of
    /// role from `[election_tick, 2 * election_tick)`).
    pub fn election_timeout(&self) -> usize {
        self.raft.randomized_election_timeout()
    }
}
