//! The raft state machine: roles, terms, elections, replication. No I/O, no clock.
//!
//! As etcd's raft.go: time advances through `tick`, everything else arrives through
//! `step` (local events are messages too: MsgHup, MsgBeat, MsgProp, ...). Outputs
//! accumulate in `msgs` and in the log's unstable part; `RawNode` packages them into a
//! `Ready`. The role decides the step function (`step_leader`, `step_candidate`,
//! `step_follower`).

use crate::bugs::{RaftBug, RaftBugs};
use crate::config::{Config, ReadOnlyOption};
use crate::eraftpb::{Entry, HardState, Message, MessageType, Snapshot};
use crate::errors::{Error, Result, StorageError};
use crate::log::RaftLog;
use crate::quorum::VoteResult;
use crate::read_only::{request_ctx, ReadOnly, ReadState};
use crate::storage::Storage;
use crate::tracker::{ProgressState, ProgressTracker};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt;
use tracing::{debug, error, info, warn};

mod membership;
mod storage_writes;

/// The "no node" id.
pub const NONE: u64 = 0;

/// The context marking a campaign started by leader transfer (it bypasses leases).
pub(crate) const CAMPAIGN_TRANSFER: &[u8] = b"CampaignTransfer";

/// A node's role. Display prints etcd's names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StateType {
    /// Follows a leader (or waits for one).
    #[default]
    StateFollower,
    /// Campaigning at a new term.
    StateCandidate,
    /// Leads the current term.
    StateLeader,
    /// Polling for votes before bumping its term (PreVote).
    StatePreCandidate,
}

impl fmt::Display for StateType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Volatile state worth telling the application about: who leads, and our role.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SoftState {
    /// The known leader (`NONE` if unknown).
    pub lead: u64,
    /// This node's role.
    pub raft_state: StateType,
}

/// Why an election is started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CampaignType {
    PreElection,
    Election,
    Transfer,
}

/// One raft node's consensus state (crate-internal: applications drive it through
/// `RawNode` or `Node`, and observe it through `RawNode`'s inspection methods).
pub(crate) struct Raft<S: Storage> {
    /// This node's id.
    pub(crate) id: u64,
    /// The current term.
    pub(crate) term: u64,
    /// Whom we voted for in `term`.
    pub(crate) vote: u64,
    /// The log.
    pub(crate) raft_log: RaftLog<S>,
    /// The membership and (as leader) every member's progress.
    pub(crate) trk: ProgressTracker,
    /// The role.
    pub(crate) state: StateType,
    /// The known leader of `term`.
    pub(crate) lead: u64,
    /// Messages to send, released by `RawNode::ready` after persistence.
    pub(crate) msgs: Vec<Message>,
    /// Async storage writes only: votes and append acks (and a candidate's own vote)
    /// that depend on state not yet durable. They leave as the `responses` of the next
    /// MsgStorageAppend, so the append thread releases them once that state is synced
    /// (etcd's `msgsAfterAppend`).
    pub(crate) msgs_after_append: Vec<Message>,
    /// The node a leader is transferring leadership to (`NONE`: none).
    pub(crate) lead_transferee: u64,
    /// The log index up to which a conf change may be pending (leader only): a new
    /// conf change is refused until the applied index reaches it.
    pub(crate) pending_conf_index: u64,
    /// Bytes of uncommitted entries on a leader.
    pub(crate) uncommitted_size: u64,
    /// Reads the application may serve, handed out (and cleared) by `RawNode::ready`.
    pub(crate) read_states: Vec<ReadState>,
    /// A leader's reads waiting for a heartbeat quorum, and how reads are served.
    pub(crate) read_only: ReadOnly,
    /// Reads a new leader holds until it has committed an entry of its own term (see
    /// `committed_entry_in_current_term`), released in arrival order.
    pub(crate) pending_read_index_messages: Vec<Message>,

    max_msg_size: u64,
    max_uncommitted_size: u64,
    check_quorum: bool,
    pre_vote: bool,
    disable_proposal_forwarding: bool,
    step_down_on_removal: bool,
    heartbeat_timeout: usize,
    election_timeout: usize,
    randomized_election_timeout: usize,
    election_elapsed: usize,
    heartbeat_elapsed: usize,
    /// A leader defers broadcasting MsgApp until the application asks for a Ready, so
    /// that many proposals travel in one message per follower.
    pending_append_bcast: bool,
    async_storage_writes: bool,
    rng: StdRng,
    bugs: RaftBugs,
}

impl<S: Storage> Raft<S> {
    /// A follower at the persisted term, with membership and log from `storage`.
    pub(crate) fn new(c: &Config, storage: S) -> Result<Raft<S>> {
        c.validate()?;
        let rs = storage.initial_state()?;
        let raft_log = RaftLog::new(storage, c.max_committed_size_per_ready)?;
        let seed = c.seed ^ c.id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut r = Raft {
            id: c.id,
            term: 0,
            vote: NONE,
            raft_log,
            trk: ProgressTracker::new(c.max_inflight_msgs, c.max_inflight_bytes),
            state: StateType::StateFollower,
            lead: NONE,
            msgs: Vec::new(),
            msgs_after_append: Vec::new(),
            lead_transferee: NONE,
            pending_conf_index: 0,
            uncommitted_size: 0,
            read_states: Vec::new(),
            read_only: ReadOnly::new(c.read_only_option),
            pending_read_index_messages: Vec::new(),
            max_msg_size: c.max_size_per_msg,
            max_uncommitted_size: c.max_uncommitted_entries_size,
            check_quorum: c.check_quorum,
            pre_vote: c.pre_vote,
            disable_proposal_forwarding: c.disable_proposal_forwarding,
            step_down_on_removal: c.step_down_on_removal,
            heartbeat_timeout: c.heartbeat_tick,
            election_timeout: c.election_tick,
            randomized_election_timeout: c.election_tick,
            election_elapsed: 0,
            heartbeat_elapsed: 0,
            pending_append_bcast: false,
            async_storage_writes: c.async_storage_writes,
            rng: StdRng::seed_from_u64(seed),
            bugs: c.bugs(),
        };
        let next = r.raft_log.last_index() + 1;
        r.trk.apply_conf_state(&rs.conf_state, next)?;
        if !rs.hard_state.is_empty() {
            r.load_state(rs.hard_state);
        }
        if c.applied > 0 {
            r.raft_log.applied_to(c.applied);
        }
        r.become_follower(r.term, NONE);
        info!(
            "newRaft {} [peers: {}, term: {}, commit: {}, applied: {}, lastindex: {}, lastterm: {}]",
            r.id,
            r.trk.config.voters,
            r.term,
            r.raft_log.committed,
            r.raft_log.applied,
            r.raft_log.last_index(),
            r.raft_log.last_term()
        );
        Ok(r)
    }

    fn load_state(&mut self, hs: HardState) {
        assert!(
            hs.commit >= self.raft_log.committed && hs.commit <= self.raft_log.last_index(),
            "{} state.commit {} is out of range [{}, {}]",
            self.id,
            hs.commit,
            self.raft_log.committed,
            self.raft_log.last_index()
        );
        self.raft_log.committed = hs.commit;
        self.term = hs.term;
        self.vote = hs.vote;
    }

    /// The soft state (leader and role).
    pub(crate) fn soft_state(&self) -> SoftState {
        SoftState {
            lead: self.lead,
            raft_state: self.state,
        }
    }

    /// The hard state (term, vote, commit).
    pub(crate) fn hard_state(&self) -> HardState {
        HardState {
            term: self.term,
            vote: self.vote,
            commit: self.raft_log.committed,
        }
    }

    /// The randomized election timeout currently in force, in ticks.
    pub(crate) fn randomized_election_timeout(&self) -> usize {
        self.randomized_election_timeout
    }

    /// Whether this node may become leader: it is a voter, and it is not installing a
    /// snapshot. A node whose log starts with a snapshot not yet persisted and applied
    /// could not serve that snapshot to followers from its storage, and its state
    /// machine would lag the log it leads with.
    pub(crate) fn promotable(&self) -> bool {
        self.trk.is_voter(self.id) && self.raft_log.unstable.snapshot.is_none()
    }

    /// Whether a deferred MsgApp broadcast is waiting for `flush_appends`.
    pub(crate) fn has_pending_appends(&self) -> bool {
        self.pending_append_bcast
    }

    /// Sends the MsgApps deferred since the last flush (one per follower, carrying every
    /// new entry and the latest commit index).
    pub(crate) fn flush_appends(&mut self) {
        if !std::mem::take(&mut self.pending_append_bcast) || self.state != StateType::StateLeader {
            return;
        }
        let committed = self.raft_log.committed;
        let peers: Vec<(u64, bool)> = self
            .trk
            .progress
            .iter()
            .filter(|(&id, _)| id != self.id)
            .map(|(&id, pr)| (id, pr.can_bump_commit(committed)))
            .collect();
        for (id, has_news) in peers {
            self.maybe_send_append(id, has_news);
        }
    }

    /// Flushes deferred appends and takes every outgoing message (tests).
    #[cfg(test)]
    pub(crate) fn take_messages(&mut self) -> Vec<Message> {
        self.flush_appends();
        std::mem::take(&mut self.msgs)
    }

    fn send(&mut self, mut m: Message) {
        if m.from == NONE {
            m.from = self.id;
        }
        match m.msg_type {
            MessageType::MsgVote
            | MessageType::MsgVoteResp
            | MessageType::MsgPreVote
            | MessageType::MsgPreVoteResp => {
                // The term of a vote is the term being campaigned for, set by the caller.
                assert_ne!(m.term, 0, "term should be set when sending {}", m.msg_type);
            }
            MessageType::MsgProp | MessageType::MsgReadIndex => {
                // Forwarded proposals keep term 0: they are local to whoever receives them.
            }
            _ => {
                assert_eq!(
                    m.term, 0,
                    "term should not be set when sending {}",
                    m.msg_type
                );
                m.term = self.term;
            }
        }
        if self.async_storage_writes {
            self.send_async(m);
            return;
        }
        self.msgs.push(m);
    }

    // ---- replication ----

    /// Sends a MsgApp (or a snapshot) to `to` if its progress allows. With
    /// `send_if_empty` false, nothing is sent when there are no new entries.
    fn maybe_send_append(&mut self, to: u64, send_if_empty: bool) -> bool {
        let Some(pr) = self.trk.progress.get(&to) else {
            return false;
        };
        if pr.is_paused() {
            return false;
        }
        let next = pr.next_idx;
        let prev_index = next - 1;
        let prev_term = self.raft_log.term(prev_index);
        // A throttled Replicate follower (full window) gets an empty MsgApp only: if every
        // message in the window was lost, its answer still clears the window.
        let throttled = pr.state == ProgressState::Replicate && pr.inflights.full();
        let ents = if throttled {
            crate::probe!(ReplicateWindowFull);
            Ok(Vec::new())
        } else {
            self.raft_log.entries(next, self.max_msg_size)
        };
        let (prev_term, ents) = match (prev_term, ents) {
            (Ok(t), Ok(e)) => (t, e),
            _ => return self.maybe_send_snapshot(to),
        };
        if ents.is_empty() && !send_if_empty {
            return false;
        }
        if ents
            .last()
            .is_some_and(|e| e.index < self.raft_log.last_index())
        {
            crate::probe!(MsgAppSplitBySize);
        }
        let committed = self.raft_log.committed;
        let (n, last, bytes) = (
            ents.len(),
            ents.last().map_or(prev_index, |e| e.index),
            ents.iter().map(Entry::payload_size).sum(),
        );
        let pr = self.trk.progress.get_mut(&to).expect("checked above");
        pr.sent_entries(n, last, bytes);
        pr.record_sent_commit(committed);
        self.send(Message {
            msg_type: MessageType::MsgApp,
            to,
            index: prev_index,
            log_term: prev_term,
            entries: ents,
            commit: committed,
            ..Message::default()
        });
        true
    }

    fn maybe_send_snapshot(&mut self, to: u64) -> bool {
        let pr = &self.trk.progress[&to];
        if !pr.recent_active {
            debug!("ignore sending snapshot to {to} since it is not recently active");
            return false;
        }
        let snapshot = match self.raft_log.snapshot(pr.next_idx - 1) {
            Ok(s) => s,
            Err(Error::Store(StorageError::SnapshotTemporarilyUnavailable)) => {
                debug!(
                    "{} failed to send snapshot to {to} because snapshot is temporarily unavailable",
                    self.id
                );
                return false;
            }
            Err(e) => panic!("{} cannot read snapshot: {e}", self.id),
        };
        assert!(!snapshot.is_empty(), "need non-empty snapshot");
        let (sindex, sterm) = (snapshot.metadata.index, snapshot.metadata.term);
        debug!(
            "{} [firstindex: {}, commit: {}] sent snapshot[index: {sindex}, term: {sterm}] to {to}",
            self.id,
            self.raft_log.first_index(),
            self.raft_log.committed
        );
        self.trk
            .progress
            .get_mut(&to)
            .expect("checked above")
            .become_snapshot(sindex);
        self.send(Message {
            msg_type: MessageType::MsgSnap,
            to,
            snapshot: Some(Box::new(snapshot)),
            ..Message::default()
        });
        true
    }

    fn send_append(&mut self, to: u64) {
        self.maybe_send_append(to, true);
    }

    /// Sends a heartbeat; `ctx` (the newest pending read's context, if any) comes back
    /// in the answer, which then confirms this leadership for every read up to it.
    fn send_heartbeat(&mut self, to: u64, ctx: Option<bytes::Bytes>) {
        // A follower may lack entries up to our commit index (or hold different ones
        // there): it must never be told to commit past what it provably matches.
        let matched = self.trk.progress.get(&to).map_or(0, |p| p.matched);
        if matched < self.raft_log.committed {
            crate::probe!(HeartbeatCommitBoundedByMatch);
        }
        let commit = if self.bugs.has(RaftBug::HeartbeatCommitUnbounded) {
            self.raft_log.committed
        } else {
            matched.min(self.raft_log.committed)
        };
        if let Some(pr) = self.trk.progress.get_mut(&to) {
            pr.record_sent_commit(commit);
        }
        self.send(Message {
            msg_type: MessageType::MsgHeartbeat,
            to,
            commit,
            context: ctx.unwrap_or_default(),
            ..Message::default()
        });
    }

    /// Defers a MsgApp to every follower until the next flush.
    fn bcast_append(&mut self) {
        self.pending_append_bcast = true;
    }

    fn bcast_heartbeat(&mut self) {
        let ctx = self.read_only.last_pending_request_ctx();
        self.bcast_heartbeat_with_ctx(ctx);
    }

    fn bcast_heartbeat_with_ctx(&mut self, ctx: Option<bytes::Bytes>) {
        let peers: Vec<u64> = self.peer_ids();
        for id in peers {
            self.send_heartbeat(id, ctx.clone());
        }
    }

    fn peer_ids(&self) -> Vec<u64> {
        self.trk
            .progress
            .keys()
            .copied()
            .filter(|&id| id != self.id)
            .collect()
    }

    fn maybe_commit(&mut self) -> bool {
        let mci = if self.bugs.has(RaftBug::LearnerCountsInQuorum) {
            crate::bugs::committed_counting_learners(&self.trk)
        } else if self.bugs.has(RaftBug::JointCommitIncomingOnly) {
            crate::bugs::committed_incoming_only(&self.trk)
        } else {
            self.trk.committed()
        };
        if self.bugs.has(RaftBug::CommitEarlierTerm)
            && mci > self.raft_log.committed
            && mci <= self.raft_log.last_index()
        {
            // Bug: counting replicas commits any entry, whatever its term.
            self.raft_log.commit_to(mci);
            return true;
        }
        self.raft_log.maybe_commit(mci, self.term)
    }

    /// Appends proposed entries to the leader's log. The leader's own progress advances
    /// only once they are durable (`on_persisted`), so it never counts an unsynced copy
    /// of itself toward a quorum.
    fn append_entry(&mut self, es: &mut [Entry]) -> bool {
        let li = self.raft_log.last_index();
        for (i, e) in es.iter_mut().enumerate() {
            e.term = self.term;
            e.index = li + 1 + i as u64;
        }
        if !self.increase_uncommitted_size(es) {
            crate::probe!(ProposalDroppedUncommittedLimit);
            debug!(
                "{} appending new entries to log would exceed uncommitted entry size limit; dropping proposal",
                self.id
            );
            return false;
        }
        self.raft_log.append(es);
        true
    }

    fn increase_uncommitted_size(&mut self, es: &[Entry]) -> bool {
        let s: u64 = es.iter().map(Entry::payload_size).sum();
        if self.uncommitted_size > 0
            && s > 0
            && self.max_uncommitted_size > 0
            && self.uncommitted_size + s > self.max_uncommitted_size
        {
            return false;
        }
        self.uncommitted_size += s;
        true
    }

    /// Releases the uncommitted budget of entries that were applied.
    pub(crate) fn reduce_uncommitted_size(&mut self, applied: &[Entry]) {
        if self.state != StateType::StateLeader {
            return;
        }
        let s: u64 = applied.iter().map(Entry::payload_size).sum();
        self.uncommitted_size = self.uncommitted_size.saturating_sub(s);
    }

    /// Called when the application has made the log durable up to `(index, term)`.
    pub(crate) fn on_persisted(&mut self, index: u64, term: u64) {
        self.raft_log.stable_to(index, term);
        self.on_self_progress();
    }

    /// Called when a snapshot at `index` is durable.
    pub(crate) fn on_persisted_snapshot(&mut self, index: u64) {
        self.raft_log.stable_snap_to(index);
        self.on_self_progress();
    }

    fn on_self_progress(&mut self) {
        if self.state != StateType::StateLeader {
            return;
        }
        let persisted = self.raft_log.persisted;
        let id = self.id;
        if let Some(pr) = self.trk.progress.get_mut(&id) {
            if pr.maybe_update(persisted) && self.maybe_commit() {
                self.on_leader_commit_advanced();
            }
        }
    }

    /// A leader's commit index moved: reads held for a commit in this term may go, and
    /// followers must hear of the new commit index.
    fn on_leader_commit_advanced(&mut self) {
        self.release_pending_read_index_messages();
        self.bcast_append();
    }

    // ---- roles ----

    fn reset(&mut self, term: u64) {
        if self.term != term {
            self.term = term;
            self.vote = NONE;
        }
        self.lead = NONE;
        self.election_elapsed = 0;
        self.heartbeat_elapsed = 0;
        self.reset_randomized_election_timeout();
        self.abort_leader_transfer();
        self.trk.reset_votes();
        self.pending_append_bcast = false;
        let last = self.raft_log.last_index();
        let persisted = self.raft_log.persisted;
        let (id, max_inflight, max_bytes) =
            (self.id, self.trk.max_inflight, self.trk.max_inflight_bytes);
        for (&pid, pr) in self.trk.progress.iter_mut() {
            let is_learner = pr.is_learner;
            *pr = crate::tracker::Progress::new(last + 1, max_inflight, max_bytes);
            pr.is_learner = is_learner;
            if pid == id {
                pr.matched = persisted;
            }
        }
        self.pending_conf_index = 0;
        self.uncommitted_size = 0;
        // Reads pending in an old role or term are dropped, never answered: the read
        // index they would get was not confirmed by this term's quorum. The client
        // retries them (etcd keeps held reads across terms; dropping is as safe and
        // leaves no read waiting on a node that may never lead again).
        self.read_only = ReadOnly::new(self.read_only.option);
        self.pending_read_index_messages.clear();
    }

    fn reset_randomized_election_timeout(&mut self) {
        self.randomized_election_timeout =
            self.election_timeout + self.rng.random_range(0..self.election_timeout);
    }

    /// Becomes a follower of `lead` at `term`.
    pub(crate) fn become_follower(&mut self, term: u64, lead: u64) {
        self.reset(term);
        self.lead = lead;
        self.state = StateType::StateFollower;
        info!("{} became follower at term {}", self.id, self.term);
    }

    /// Becomes a candidate at `term + 1`, voting for itself.
    pub(crate) fn become_candidate(&mut self) {
        assert_ne!(
            self.state,
            StateType::StateLeader,
            "invalid transition [leader -> candidate]"
        );
        let term = self.term + 1;
        self.reset(term);
        self.vote = self.id;
        self.state = StateType::StateCandidate;
        info!("{} became candidate at term {}", self.id, self.term);
    }

    /// Becomes a pre-candidate: polls for votes without changing term or vote.
    pub(crate) fn become_pre_candidate(&mut self) {
        assert_ne!(
            self.state,
            StateType::StateLeader,
            "invalid transition [leader -> pre-candidate]"
        );
        self.trk.reset_votes();
        self.lead = NONE;
        self.state = StateType::StatePreCandidate;
        self.pending_append_bcast = false;
        info!("{} became pre-candidate at term {}", self.id, self.term);
    }

    /// Becomes leader of the current term and appends an empty entry, which commits
    /// every earlier entry once replicated (Raft §5.4.2).
    pub(crate) fn become_leader(&mut self) {
        assert_ne!(
            self.state,
            StateType::StateFollower,
            "invalid transition [follower -> leader]"
        );
        let term = self.term;
        self.reset(term);
        self.lead = self.id;
        self.state = StateType::StateLeader;
        let id = self.id;
        if let Some(pr) = self.trk.progress.get_mut(&id) {
            pr.become_replicate();
            pr.recent_active = true;
        }
        self.pending_conf_index = self.raft_log.last_index();
        let mut empty = [Entry::default()];
        assert!(self.append_entry(&mut empty), "empty entry was dropped");
        // The empty entry carries no payload and does not count against the budget.
        self.uncommitted_size = 0;
        info!("{} became leader at term {}", self.id, self.term);
    }

    fn hup(&mut self, t: CampaignType) {
        if self.state == StateType::StateLeader {
            debug!("{} ignoring MsgHup because already leader", self.id);
            return;
        }
        if !self.promotable() {
            if self.raft_log.unstable.snapshot.is_some() {
                crate::probe!(CampaignRefusedPendingSnapshot);
            }
            warn!("{} is unpromotable and can not campaign", self.id);
            return;
        }
        if self.has_unapplied_conf_changes() {
            // Until it applies them, this node does not know the configuration it
            // would lead: it could count votes of the wrong voters.
            crate::probe!(CampaignRefusedUnappliedConfChange);
            warn!(
                "{} cannot campaign at term {} since there are still pending configuration changes to apply",
                self.id, self.term
            );
            return;
        }
        info!(
            "{} is starting a new election at term {}",
            self.id, self.term
        );
        self.campaign(t);
    }

    fn campaign(&mut self, t: CampaignType) {
        let (vote_msg, term) = if t == CampaignType::PreElection {
            self.become_pre_candidate();
            // PreVote RPCs are sent for the next term before we bump our own.
            (MessageType::MsgPreVote, self.term + 1)
        } else {
            self.become_candidate();
            (MessageType::MsgVote, self.term)
        };
        let id = self.id;
        if self.defer_self_vote(vote_msg.vote_response(), term) {
            // Async storage writes: our own vote counts once it is durable.
        } else if self.poll(id, vote_msg.vote_response(), true) == VoteResult::Won {
            // Single-node cluster: won outright.
            if t == CampaignType::PreElection {
                self.campaign(CampaignType::Election);
            } else {
                self.become_leader();
            }
            return;
        }
        let voters: Vec<u64> = self
            .trk
            .voter_ids()
            .into_iter()
            .filter(|&v| v != id)
            .collect();
        let (last_index, last_term) = (self.raft_log.last_index(), self.raft_log.last_term());
        for to in voters {
            info!(
                "{} [logterm: {}, index: {}] sent {} request to {} at term {}",
                id, last_term, last_index, vote_msg, to, self.term
            );
            let context = if t == CampaignType::Transfer {
                bytes::Bytes::from_static(CAMPAIGN_TRANSFER)
            } else {
                bytes::Bytes::new()
            };
            self.send(Message {
                msg_type: vote_msg,
                to,
                term,
                index: last_index,
                log_term: last_term,
                context,
                ..Message::default()
            });
        }
    }

    fn poll(&mut self, id: u64, t: MessageType, granted: bool) -> VoteResult {
        if granted {
            info!(
                "{} received {} from {} at term {}",
                self.id, t, id, self.term
            );
        } else {
            info!(
                "{} received {} rejection from {} at term {}",
                self.id, t, id, self.term
            );
        }
        self.trk.record_vote(id, granted);
        self.trk.tally_votes().2
    }

    // ---- time ----

    /// Advances the logical clock by one tick.
    pub(crate) fn tick(&mut self) {
        match self.state {
            StateType::StateLeader => self.tick_heartbeat(),
            _ => self.tick_election(),
        }
    }

    fn past_election_timeout(&self) -> bool {
        self.election_elapsed >= self.randomized_election_timeout
    }

    fn tick_election(&mut self) {
        self.election_elapsed += 1;
        if self.promotable() && self.past_election_timeout() {
            self.election_elapsed = 0;
            let m = Message {
                msg_type: MessageType::MsgHup,
                from: self.id,
                ..Message::default()
            };
            let _ = self.step(m);
        }
    }

    fn tick_heartbeat(&mut self) {
        self.heartbeat_elapsed += 1;
        self.election_elapsed += 1;
        if self.election_elapsed >= self.election_timeout {
            self.election_elapsed = 0;
            if self.check_quorum {
                let m = Message {
                    msg_type: MessageType::MsgCheckQuorum,
                    from: self.id,
                    ..Message::default()
                };
                let _ = self.step(m);
            }
            // A transfer that did not finish within an election timeout is abandoned.
            if self.state == StateType::StateLeader
                && self.lead_transferee != NONE
                && !self.bugs.has(RaftBug::TransferNeverAborts)
            {
                crate::probe!(TransferTimedOut);
                self.abort_leader_transfer();
                // A leave of an auto-leave joint configuration that the transfer
                // dropped is proposed now. etcd tries again only on the next applied
                // entry, which an idle cluster never has: the joint configuration (and
                // the refusal of every later membership change) would last until some
                // client writes. (Only here, where this node stays leader: an abort
                // on the way to becoming a follower must not propose.)
                if self.trk.config.auto_leave && self.raft_log.applied >= self.pending_conf_index {
                    crate::probe!(AutoLeaveRetriedAfterTransfer);
                    self.maybe_auto_leave();
                }
            }
        }
        if self.state != StateType::StateLeader {
            return;
        }
        if self.heartbeat_elapsed >= self.heartbeat_timeout {
            self.heartbeat_elapsed = 0;
            let m = Message {
                msg_type: MessageType::MsgBeat,
                from: self.id,
                ..Message::default()
            };
            let _ = self.step(m);
        }
    }

    // ---- step ----

    /// The entry point of every message, local or remote.
    pub(crate) fn step(&mut self, m: Message) -> Result<()> {
        if m.msg_type.is_storage_response() {
            self.step_storage_response(m);
            return Ok(());
        }
        // Raft §5.1: handle the message's term first.
        if m.term == 0 {
            // Local message.
        } else if m.term > self.term {
            if matches!(m.msg_type, MessageType::MsgVote | MessageType::MsgPreVote) {
                let force = m.context == CAMPAIGN_TRANSFER;
                let in_lease = self.check_quorum
                    && self.lead != NONE
                    && self.election_elapsed < self.election_timeout;
                if !force && in_lease {
                    // We heard from a live leader within the minimum election timeout:
                    // do not update the term or grant the vote (CheckQuorum's lease).
                    crate::probe!(VoteIgnoredInLease);
                    info!(
                        "{} [logterm: {}, index: {}, vote: {}] ignored {} from {} [logterm: {}, index: {}] at term {}: lease is not expired (remaining ticks: {})",
                        self.id,
                        self.raft_log.last_term(),
                        self.raft_log.last_index(),
                        self.vote,
                        m.msg_type,
                        m.from,
                        m.log_term,
                        m.index,
                        self.term,
                        self.election_timeout - self.election_elapsed
                    );
                    return Ok(());
                }
            }
            match m.msg_type {
                // A pre-vote never changes our term.
                MessageType::MsgPreVote => {}
                // A granted pre-vote at a future term: we bump our term only on winning.
                MessageType::MsgPreVoteResp if !m.reject => {}
                _ => {
                    info!(
                        "{} [term: {}] received a {} message with higher term from {} [term: {}]",
                        self.id, self.term, m.msg_type, m.from, m.term
                    );
                    if self.state == StateType::StateLeader {
                        crate::probe!(LeaderSteppedDownHigherTerm);
                    }
                    if matches!(
                        m.msg_type,
                        MessageType::MsgApp | MessageType::MsgHeartbeat | MessageType::MsgSnap
                    ) {
                        self.become_follower(m.term, m.from);
                    } else {
                        self.become_follower(m.term, NONE);
                    }
                }
            }
        } else if m.term < self.term {
            if self.bugs.has(RaftBug::AcceptStaleAppend) && m.msg_type == MessageType::MsgApp {
                return self.accept_stale_append(m);
            }
            if (self.check_quorum || self.pre_vote)
                && matches!(m.msg_type, MessageType::MsgHeartbeat | MessageType::MsgApp)
            {
                // A stale leader (e.g. after a partition) learns of our higher term
                // from this response and steps down; without it, a node whose
                // elections were suppressed by pre-vote or check-quorum could stay
                // cut off forever.
                crate::probe!(StaleLeaderToldNewerTerm);
                self.send(Message {
                    msg_type: MessageType::MsgAppResp,
                    to: m.from,
                    ..Message::default()
                });
            } else if m.msg_type == MessageType::MsgPreVote {
                crate::probe!(PreVoteRejectedStaleTerm);
                info!(
                    "{} [logterm: {}, index: {}, vote: {}] rejected {} from {} [logterm: {}, index: {}] at term {}",
                    self.id,
                    self.raft_log.last_term(),
                    self.raft_log.last_index(),
                    self.vote,
                    m.msg_type,
                    m.from,
                    m.log_term,
                    m.index,
                    self.term
                );
                let term = self.term;
                self.send(Message {
                    msg_type: MessageType::MsgPreVoteResp,
                    to: m.from,
                    term,
                    reject: true,
                    ..Message::default()
                });
            } else {
                crate::probe!(StaleTermMessageIgnored);
                debug!(
                    "{} [term: {}] ignored a {} message with lower term from {} [term: {}]",
                    self.id, self.term, m.msg_type, m.from, m.term
                );
            }
            return Ok(());
        }

        match m.msg_type {
            MessageType::MsgHup => {
                if self.pre_vote {
                    self.hup(CampaignType::PreElection);
                } else {
                    self.hup(CampaignType::Election);
                }
                Ok(())
            }
            MessageType::MsgVote | MessageType::MsgPreVote => {
                self.handle_vote_request(m);
                Ok(())
            }
            _ => match self.state {
                StateType::StateLeader => self.step_leader(m),
                StateType::StateCandidate | StateType::StatePreCandidate => self.step_candidate(m),
                StateType::StateFollower => self.step_follower(m),
            },
        }
    }

    fn handle_vote_request(&mut self, m: Message) {
        // We can vote if this is a repeat of a vote we cast, if we have not voted and
        // know no leader in this term, or if this is a pre-vote for a future term.
        let can_vote = self.vote == m.from
            || (self.vote == NONE && self.lead == NONE)
            || (m.msg_type == MessageType::MsgPreVote && m.term > self.term)
            || (self.bugs.has(RaftBug::VoteTwice) && m.msg_type == MessageType::MsgVote);
        let resp = m.msg_type.vote_response();
        let up_to_date = self.raft_log.is_up_to_date(m.index, m.log_term)
            || self.bugs.has(RaftBug::VoteStaleLog);
        if !can_vote {
            crate::probe!(VoteRejectedAlreadyVoted);
        } else if !up_to_date {
            crate::probe!(VoteRejectedStaleLog);
        }
        if can_vote && up_to_date {
            if m.msg_type == MessageType::MsgVote && self.vote == m.from {
                crate::probe!(VoteRepeatedSameTerm);
            }
            info!(
                "{} [logterm: {}, index: {}, vote: {}] cast {} for {} [logterm: {}, index: {}] at term {}",
                self.id,
                self.raft_log.last_term(),
                self.raft_log.last_index(),
                self.vote,
                m.msg_type,
                m.from,
                m.log_term,
                m.index,
                self.term
            );
            // The response carries the term of the request, not ours: for a pre-vote
            // that is the future term the pre-candidate will campaign at.
            self.send(Message {
                msg_type: resp,
                to: m.from,
                term: m.term,
                ..Message::default()
            });
            if m.msg_type == MessageType::MsgVote {
                self.election_elapsed = 0;
                self.vote = m.from;
            }
        } else {
            info!(
                "{} [logterm: {}, index: {}, vote: {}] rejected {} from {} [logterm: {}, index: {}] at term {}",
                self.id,
                self.raft_log.last_term(),
                self.raft_log.last_index(),
                self.vote,
                m.msg_type,
                m.from,
                m.log_term,
                m.index,
                self.term
            );
            let term = self.term;
            self.send(Message {
                msg_type: resp,
                to: m.from,
                term,
                reject: true,
                ..Message::default()
            });
        }
    }

    fn step_leader(&mut self, mut m: Message) -> Result<()> {
        match m.msg_type {
            MessageType::MsgBeat => {
                self.bcast_heartbeat();
                return Ok(());
            }
            MessageType::MsgCheckQuorum => {
                if !self.trk.quorum_active(self.id) {
                    crate::probe!(LeaderSteppedDownCheckQuorum);
                    info!(
                        "{} stepped down to follower since quorum is not active",
                        self.id
                    );
                    let term = self.term;
                    self.become_follower(term, NONE);
                }
                // Mark everyone inactive: they must prove liveness again before the next check.
                let id = self.id;
                for (&pid, pr) in self.trk.progress.iter_mut() {
                    if pid != id {
                        pr.recent_active = false;
                    }
                }
                return Ok(());
            }
            MessageType::MsgProp => {
                assert!(!m.entries.is_empty(), "{} stepped empty MsgProp", self.id);
                if !self.trk.progress.contains_key(&self.id) {
                    // We were removed from the configuration while serving as leader.
                    crate::probe!(ProposalDroppedRemovedLeader);
                    return Err(Error::ProposalDropped);
                }
                if self.lead_transferee != NONE {
                    crate::probe!(ProposalDroppedTransfer);
                    debug!(
                        "{} [term {}] transfer leadership to {} is in progress; dropping proposal",
                        self.id, self.term, self.lead_transferee
                    );
                    return Err(Error::ProposalDropped);
                }
                if m.entries.iter().any(Entry::is_conf_change) {
                    self.vet_conf_changes(&mut m.entries)?;
                }
                if !self.append_entry(&mut m.entries) {
                    return Err(Error::ProposalDropped);
                }
                self.bcast_append();
                return Ok(());
            }
            MessageType::MsgReadIndex => {
                self.leader_read_index(m);
                return Ok(());
            }
            MessageType::MsgForgetLeader => return Ok(()),
            _ => {}
        }

        let from = m.from;
        if !self.trk.progress.contains_key(&from) {
            debug!("{} no progress available for {}", self.id, from);
            return Ok(());
        }
        match m.msg_type {
            MessageType::MsgAppResp => self.handle_append_response(m),
            MessageType::MsgHeartbeatResp => {
                let last = self.raft_log.last_index();
                let pr = self.trk.progress.get_mut(&from).expect("checked above");
                pr.recent_active = true;
                if !self.bugs.has(RaftBug::ProbeStuck) {
                    pr.msg_app_flow_paused = false;
                }
                // A follower caught up but left in Probe (after ReportUnreachable) gets
                // an empty MsgApp too: its answer moves it back to Replicate.
                if pr.matched < last || pr.state == ProgressState::Probe {
                    self.send_append(from);
                }
                self.read_index_heartbeat_ack(from, &m.context);
            }
            MessageType::MsgSnapStatus => {
                let pr = self.trk.progress.get_mut(&from).expect("checked above");
                if pr.state != ProgressState::Snapshot {
                    return Ok(());
                }
                if m.reject {
                    pr.pending_snapshot = 0;
                }
                pr.become_probe();
                // Wait for the follower's MsgAppResp (or a heartbeat) before probing.
                pr.msg_app_flow_paused = true;
            }
            MessageType::MsgUnreachable => {
                let pr = self.trk.progress.get_mut(&from).expect("checked above");
                if pr.state == ProgressState::Replicate {
                    pr.become_probe();
                }
                debug!(
                    "{} failed to send message to {} because it is unreachable [{}]",
                    self.id, from, pr
                );
            }
            MessageType::MsgTransferLeader => self.handle_transfer_leader(from),
            _ => {}
        }
        Ok(())
    }

    fn handle_append_response(&mut self, m: Message) {
        let from = m.from;
        let pr = self.trk.progress.get_mut(&from).expect("caller checked");
        pr.recent_active = true;
        if m.reject {
            debug!(
                "{} received MsgAppResp(rejected, hint: (index {}, term {})) from {} for index {}",
                self.id, m.reject_hint, m.log_term, from, m.index
            );
            let mut next_probe_idx = m.reject_hint;
            if m.log_term > 0 {
                // Fast backtracking: skip every entry of ours whose term exceeds the
                // follower's term at the hint; they cannot match.
                next_probe_idx = self
                    .raft_log
                    .find_conflict_by_term(m.reject_hint, m.log_term)
                    .0;
                if next_probe_idx < m.reject_hint {
                    crate::probe!(AppendBacktrackedByTerm);
                }
            }
            let pr = self.trk.progress.get_mut(&from).expect("caller checked");
            if pr.maybe_decr_to(m.index, next_probe_idx) {
                debug!("{} decreased progress of {} to [{}]", self.id, from, pr);
                if pr.state == ProgressState::Replicate {
                    crate::probe!(ReplicateFellBackToProbe);
                    pr.become_probe();
                }
                self.send_append(from);
            }
            return;
        }
        let updated = pr.maybe_update(m.index);
        // An ack at the match itself carries no news, except from a follower in Probe:
        // a caught-up follower sent back to Probe (ReportUnreachable) only ever acks its
        // match, and this ack is what moves it back to Replicate (etcd's
        // heartbeat_resp_recovers_from_probing). Snapshot state is left alone: an ack
        // at the match proves nothing about the snapshot being installed.
        let probe_at_match = !updated && pr.matched == m.index && pr.state == ProgressState::Probe;
        if !updated && !probe_at_match {
            crate::probe!(AppendAckStale);
            return;
        }
        if probe_at_match {
            crate::probe!(ProbeRecoveredAtMatch);
        }
        match pr.state {
            ProgressState::Probe => pr.become_replicate(),
            ProgressState::Snapshot if pr.matched + 1 >= self.raft_log.first_index() => {
                debug!(
                    "{} recovered from needing snapshot, resumed sending replication messages to {}",
                    self.id, from
                );
                pr.become_probe();
                pr.become_replicate();
            }
            ProgressState::Snapshot => {}
            ProgressState::Replicate => {
                pr.inflights.free_le(m.index);
                pr.msg_app_flow_paused = pr.inflights.full();
            }
        }
        if self.maybe_commit() {
            self.on_leader_commit_advanced();
        } else if !self.pending_append_bcast
            && self.trk.progress[&from].can_bump_commit(self.raft_log.committed)
        {
            // The follower may lack our commit index: tell it now rather than at the
            // next heartbeat (a broadcast already due will tell it anyway).
            self.send_append(from);
        }
        // Stream as much as the inflight window allows.
        while self.maybe_send_append(from, false) {}
        let matched = self.trk.progress[&from].matched;
        if from == self.lead_transferee && matched == self.raft_log.last_index() {
            info!(
                "{} sent MsgTimeoutNow to {} after received MsgAppResp",
                self.id, from
            );
            self.send_timeout_now(from);
        }
    }

    fn handle_transfer_leader(&mut self, transferee: u64) {
        if self.trk.progress[&transferee].is_learner {
            debug!("{} is learner. Ignored transferring leadership", transferee);
            return;
        }
        let last = self.lead_transferee;
        if last != NONE {
            if last == transferee {
                info!(
                    "{} [term {}] transfer leadership to {} is in progress, ignores request to same node",
                    self.id, self.term, transferee
                );
                return;
            }
            self.abort_leader_transfer();
        }
        if transferee == self.id {
            debug!(
                "{} is already leader. Ignored transferring leadership to self",
                self.id
            );
            return;
        }
        crate::probe!(TransferStarted);
        info!(
            "{} [term {}] starts to transfer leadership to {}",
            self.id, self.term, transferee
        );
        // The transfer must finish within one election timeout.
        self.election_elapsed = 0;
        self.lead_transferee = transferee;
        if self.trk.progress[&transferee].matched == self.raft_log.last_index() {
            self.send_timeout_now(transferee);
        } else {
            self.send_append(transferee);
        }
    }

    // ---- reads (ReadIndex, see read_only.rs) ----

    /// Whether the entry at our commit index is of our term. Until it is, a new
    /// leader's commit index may be behind the cluster's: a previous leader may have
    /// committed (and answered clients for) entries we hold without knowing they are
    /// committed. Once an entry of our term commits, every earlier one has too (§5.4.2).
    pub(crate) fn committed_entry_in_current_term(&self) -> bool {
        self.raft_log
            .term(self.raft_log.committed)
            .is_ok_and(|t| t == self.term)
    }

    /// A leader's answer to a MsgReadIndex (local, or forwarded by a follower).
    fn leader_read_index(&mut self, m: Message) {
        if self.trk.is_singleton() {
            // The only voter: nobody else can lead or commit, the commit index is it.
            let committed = self.raft_log.committed;
            self.respond_to_read_index(m, committed);
            return;
        }
        if !self.committed_entry_in_current_term()
            && !self.bugs.has(RaftBug::ReadIndexBeforeTermCommit)
        {
            // Our commit index may be stale (see `committed_entry_in_current_term`):
            // a read answered now could miss a write already acknowledged.
            crate::probe!(ReadIndexHeldUntilCommitInTerm);
            debug!(
                "{} [term {}] holds a read until it commits an entry of its term",
                self.id, self.term
            );
            self.pending_read_index_messages.push(m);
            return;
        }
        self.serve_read_index(m);
    }

    /// Serves a read at the current commit index: after a heartbeat round (Safe), or
    /// at once from the lease (LeaseBased).
    fn serve_read_index(&mut self, m: Message) {
        let committed = self.raft_log.committed;
        match self.read_only.option {
            ReadOnlyOption::Safe if self.bugs.has(RaftBug::ReadIndexWithoutQuorum) => {
                // Bug: no heartbeat round; a deposed leader answers from its own state.
                self.respond_to_read_index(m, committed);
            }
            ReadOnlyOption::Safe => {
                let ctx = request_ctx(&m);
                self.read_only.add_request(committed, m);
                // The leader acknowledges its own leadership.
                let id = self.id;
                self.read_only.recv_ack(id, &ctx);
                self.bcast_heartbeat_with_ctx(Some(ctx));
            }
            ReadOnlyOption::LeaseBased => {
                // No round trip: CheckQuorum's lease says no other leader can have
                // been elected yet. That holds only while clocks run at the same rate.
                crate::probe!(ReadIndexServedByLease);
                self.respond_to_read_index(m, committed);
            }
        }
    }

    /// Serves the reads held since this leader took office, once it has committed an
    /// entry of its term.
    fn release_pending_read_index_messages(&mut self) {
        if self.pending_read_index_messages.is_empty() {
            return;
        }
        if !self.committed_entry_in_current_term() {
            error!(
                "pending MsgReadIndex should be released only after first commit in current term"
            );
            return;
        }
        crate::probe!(ReadIndexReleasedAfterCommitInTerm);
        for m in std::mem::take(&mut self.pending_read_index_messages) {
            self.serve_read_index(m);
        }
    }

    /// Counts a heartbeat answer toward the pending reads (Safe only): once a quorum
    /// of voters answered a heartbeat carrying `ctx`, that read and every read queued
    /// before it are confirmed.
    fn read_index_heartbeat_ack(&mut self, from: u64, ctx: &[u8]) {
        if self.read_only.option != ReadOnlyOption::Safe || ctx.is_empty() {
            return;
        }
        let Some(acks) = self.read_only.recv_ack(from, ctx) else {
            return;
        };
        if !self.trk.has_quorum(acks) {
            return;
        }
        crate::probe!(ReadIndexConfirmedByQuorum);
        for rs in self.read_only.advance(ctx) {
            self.respond_to_read_index(rs.req, rs.index);
        }
    }

    /// Hands a confirmed read to whoever asked: a `ReadState` here, or a
    /// MsgReadIndexResp to the follower that forwarded it.
    fn respond_to_read_index(&mut self, req: Message, index: u64) {
        if req.from == NONE || req.from == self.id {
            self.read_states.push(ReadState {
                index,
                request_ctx: request_ctx(&req),
            });
            return;
        }
        self.send(Message {
            msg_type: MessageType::MsgReadIndexResp,
            to: req.from,
            index,
            entries: req.entries,
            ..Message::default()
        });
    }

    fn send_timeout_now(&mut self, to: u64) {
        self.send(Message {
            msg_type: MessageType::MsgTimeoutNow,
            to,
            ..Message::default()
        });
    }

    /// Abandons a leadership transfer in progress.
    pub(crate) fn abort_leader_transfer(&mut self) {
        self.lead_transferee = NONE;
    }

    fn step_candidate(&mut self, m: Message) -> Result<()> {
        let my_vote_resp = if self.state == StateType::StatePreCandidate {
            MessageType::MsgPreVoteResp
        } else {
            MessageType::MsgVoteResp
        };
        match m.msg_type {
            MessageType::MsgProp => {
                crate::probe!(ProposalDroppedNoLeader);
                info!(
                    "{} no leader at term {}; dropping proposal",
                    self.id, self.term
                );
                return Err(Error::ProposalDropped);
            }
            MessageType::MsgApp => {
                self.become_follower(m.term, m.from);
                self.handle_append_entries(m);
            }
            MessageType::MsgHeartbeat => {
                self.become_follower(m.term, m.from);
                self.handle_heartbeat(m);
            }
            MessageType::MsgSnap => {
                self.become_follower(m.term, m.from);
                self.handle_snapshot(m);
            }
            t if t == my_vote_resp => {
                let result = self.poll(m.from, t, !m.reject);
                let (granted, rejected, _) = self.trk.tally_votes();
                info!(
                    "{} has received {} {} votes and {} vote rejections",
                    self.id, granted, t, rejected
                );
                match result {
                    VoteResult::Won => {
                        if self.state == StateType::StatePreCandidate {
                            crate::probe!(PreVoteWonThenCampaigned);
                            self.campaign(CampaignType::Election);
                        } else {
                            self.become_leader();
                            self.bcast_append();
                        }
                    }
                    VoteResult::Lost => {
                        crate::probe!(CandidateLostElection);
                        // A pre-candidate that lost goes back to follower at its term.
                        let term = self.term;
                        self.become_follower(term, NONE);
                    }
                    VoteResult::Pending => {}
                }
            }
            MessageType::MsgTimeoutNow => {
                debug!(
                    "{} [term {} state {}] ignored MsgTimeoutNow from {}",
                    self.id, self.term, self.state, m.from
                );
            }
            _ => {}
        }
        Ok(())
    }

    fn step_follower(&mut self, mut m: Message) -> Result<()> {
        match m.msg_type {
            MessageType::MsgProp => {
                if self.lead == NONE {
                    crate::probe!(ProposalDroppedNoLeader);
                    info!(
                        "{} no leader at term {}; dropping proposal",
                        self.id, self.term
                    );
                    return Err(Error::ProposalDropped);
                }
                if self.disable_proposal_forwarding {
                    info!(
                        "{} not forwarding to leader {} at term {}; dropping proposal",
                        self.id, self.lead, self.term
                    );
                    return Err(Error::ProposalDropped);
                }
                crate::probe!(ProposalForwarded);
                m.to = self.lead;
                self.send(m);
            }
            MessageType::MsgApp => {
                self.election_elapsed = 0;
                self.lead = m.from;
                self.handle_append_entries(m);
            }
            MessageType::MsgHeartbeat => {
                self.election_elapsed = 0;
                self.lead = m.from;
                self.handle_heartbeat(m);
            }
            MessageType::MsgSnap => {
                self.election_elapsed = 0;
                self.lead = m.from;
                self.handle_snapshot(m);
            }
            MessageType::MsgTransferLeader => {
                if self.lead == NONE {
                    info!(
                        "{} no leader at term {}; dropping leader transfer msg",
                        self.id, self.term
                    );
                    return Ok(());
                }
                m.to = self.lead;
                self.send(m);
            }
            MessageType::MsgForgetLeader => {
                if self.read_only.option == ReadOnlyOption::LeaseBased {
                    // The leader's lease rests on followers refusing votes while they
                    // know a leader (see `step`): a follower that forgets its leader
                    // could help elect another while the old one still serves reads.
                    crate::probe!(ForgetLeaderRefusedLeaseRead);
                    error!("ignoring MsgForgetLeader due to ReadOnlyLeaseBased");
                    return Ok(());
                }
                if self.lead != NONE {
                    info!(
                        "{} forgetting leader {} at term {}",
                        self.id, self.lead, self.term
                    );
                    self.lead = NONE;
                }
            }
            MessageType::MsgReadIndex => {
                if self.lead == NONE {
                    crate::probe!(ReadIndexDroppedNoLeader);
                    info!(
                        "{} no leader at term {}; dropping index reading msg",
                        self.id, self.term
                    );
                    return Ok(());
                }
                if self.bugs.has(RaftBug::FollowerReadOwnCommit) {
                    // Bug: answered from this follower's commit index, which may lag
                    // what the leader has committed.
                    self.read_states.push(ReadState {
                        index: self.raft_log.committed,
                        request_ctx: request_ctx(&m),
                    });
                    return Ok(());
                }
                m.to = self.lead;
                self.send(m);
            }
            MessageType::MsgReadIndexResp => {
                if m.entries.len() != 1 {
                    error!(
                        "{} invalid format of MsgReadIndexResp from {}, entries count: {}",
                        self.id,
                        m.from,
                        m.entries.len()
                    );
                    return Ok(());
                }
                self.read_states.push(ReadState {
                    index: m.index,
                    request_ctx: request_ctx(&m),
                });
            }
            MessageType::MsgTimeoutNow => {
                info!(
                    "{} [term {}] received MsgTimeoutNow from {} and starts an election to get leadership",
                    self.id, self.term, m.from
                );
                // Leadership transfers never use pre-vote: the leader asked for this.
                crate::probe!(CampaignByTimeoutNow);
                self.hup(CampaignType::Transfer);
            }
            _ => {}
        }
        Ok(())
    }

    fn handle_append_entries(&mut self, m: Message) {
        if m.index < self.raft_log.committed {
            // Everything up to our commit index matches the leader's log already (it was
            // committed): acknowledge that, and never truncate below it.
            crate::probe!(AppendBelowCommitAcked);
            let committed = self.raft_log.committed;
            self.send(Message {
                msg_type: MessageType::MsgAppResp,
                to: m.from,
                index: committed,
                ..Message::default()
            });
            return;
        }
        if self.bugs.has(RaftBug::NoTruncateConflict)
            && self.raft_log.match_term(m.index, m.log_term)
        {
            let last_new = crate::bugs::append_without_truncating(
                &mut self.raft_log,
                m.index,
                m.commit,
                &m.entries,
            );
            self.send(Message {
                msg_type: MessageType::MsgAppResp,
                to: m.from,
                index: last_new,
                ..Message::default()
            });
            return;
        }
        if let Some(last_new) = self
            .raft_log
            .maybe_append(m.index, m.log_term, m.commit, &m.entries)
        {
            self.send(Message {
                msg_type: MessageType::MsgAppResp,
                to: m.from,
                index: last_new,
                ..Message::default()
            });
            return;
        }
        // Reject, with a hint of the largest index at or before m.index whose term is at
        // most m.log_term: the leader can skip everything after it.
        crate::probe!(AppendRejectedPrevMismatch);
        let hint_index = m.index.min(self.raft_log.last_index());
        let (hint_index, hint_term) = self.raft_log.find_conflict_by_term(hint_index, m.log_term);
        debug!(
            "{} [logterm: {}, index: {}] rejected MsgApp [logterm: {}, index: {}] from {}",
            self.id,
            self.raft_log.term(m.index).unwrap_or(0),
            m.index,
            m.log_term,
            m.index,
            m.from
        );
        self.send(Message {
            msg_type: MessageType::MsgAppResp,
            to: m.from,
            index: m.index,
            reject: true,
            reject_hint: hint_index,
            log_term: hint_term,
            ..Message::default()
        });
    }

    fn handle_heartbeat(&mut self, m: Message) {
        self.raft_log.commit_to(m.commit);
        self.send(Message {
            msg_type: MessageType::MsgHeartbeatResp,
            to: m.from,
            context: m.context,
            ..Message::default()
        });
    }

    fn handle_snapshot(&mut self, m: Message) {
        let snap: Box<Snapshot> = m.snapshot.unwrap_or_default();
        let (sindex, sterm) = (snap.metadata.index, snap.metadata.term);
        if self.restore(*snap) {
            info!(
                "{} [commit: {}] restored snapshot [index: {}, term: {}]",
                self.id, self.raft_log.committed, sindex, sterm
            );
            let last = self.raft_log.last_index();
            self.send(Message {
                msg_type: MessageType::MsgAppResp,
                to: m.from,
                index: last,
                ..Message::default()
            });
        } else {
            info!(
                "{} [commit: {}] ignored snapshot [index: {}, term: {}]",
                self.id, self.raft_log.committed, sindex, sterm
            );
            let committed = self.raft_log.committed;
            self.send(Message {
                msg_type: MessageType::MsgAppResp,
                to: m.from,
                index: committed,
                ..Message::default()
            });
        }
    }

    /// Installs a snapshot if it is newer than our commit index. Returns whether it did.
    pub(crate) fn restore(&mut self, snap: Snapshot) -> bool {
        if snap.metadata.index <= self.raft_log.committed {
            crate::probe!(SnapshotRefusedStale);
            return false;
        }
        if self.state != StateType::StateFollower {
            // Defense in depth: only a follower of this term's leader gets here.
            warn!(
                "{} attempted to restore snapshot as leader; should never happen",
                self.id
            );
            let term = self.term + 1;
            self.become_follower(term, NONE);
            return false;
        }
        // Defense in depth: a snapshot whose membership does not contain us would leave
        // this node without a progress of its own, which much of this code assumes.
        let cs = &snap.metadata.conf_state;
        let member = [&cs.voters, &cs.learners, &cs.voters_outgoing]
            .iter()
            .any(|ids| ids.contains(&self.id));
        if !member {
            crate::probe!(SnapshotRefusedNotInConfig);
            warn!(
                "{} attempted to restore snapshot but it is not in the ConfState {:?}; should never happen",
                self.id, cs
            );
            return false;
        }
        let (sindex, sterm) = (snap.metadata.index, snap.metadata.term);
        if self.raft_log.match_term(sindex, sterm) {
            // We already have the entries: fast-forward the commit instead.
            self.raft_log.commit_to(sindex);
            return false;
        }
        // Build the snapshot's configuration before touching the log, so that an
        // invalid one leaves this node as it was.
        let Some(mut trk) = self.tracker_for_snapshot(&snap, sindex + 1) else {
            return false;
        };
        if self.bugs.has(RaftBug::SnapshotKeepsOldLearners) {
            crate::bugs::keep_old_learners(&self.trk, &mut trk);
        }
        self.raft_log.restore(snap);
        self.trk.config = trk.config;
        self.trk.progress = trk.progress;
        let id = self.id;
        if let Some(pr) = self.trk.progress.get_mut(&id) {
            pr.matched = sindex;
        }
        true
    }

    /// The `AcceptStaleAppend` bug: handles a MsgApp of an older term as if it came
    /// from the current leader, and answers in the sender's term, so the deposed leader
    /// counts the answer toward its quorum.
    fn accept_stale_append(&mut self, m: Message) -> Result<()> {
        let (from, term) = (m.from, m.term);
        let (before, before_after_append) = (self.msgs.len(), self.msgs_after_append.len());
        self.handle_append_entries(m);
        let sent = self.msgs[before..]
            .iter_mut()
            .chain(&mut self.msgs_after_append[before_after_append..]);
        for resp in sent {
            if resp.to == from {
                resp.term = term;
            }
        }
        Ok(())
    }
}
