//! Membership changes in the raft state machine, as etcd's raft.go does them.
//!
//! A change travels through the log: the leader appends it (one pending change at a
//! time, `vet_conf_changes`), every node applies it when it is committed
//! (`apply_conf_change`, called by the application), and the tracker switches to the
//! new configuration (`switch_to_config`). A node does not campaign while a committed
//! change is unapplied, a leader that removed itself may step down, and a joint
//! configuration entered with auto-leave is left by a change the leader proposes once
//! the joint one is applied (`maybe_auto_leave`).

use super::{Raft, StateType, NONE};
use crate::bugs::RaftBug;
use crate::confchange::Changer;
use crate::eraftpb::{ConfChangeI, ConfChangeV2, ConfState, Entry, Message, MessageType, Snapshot};
use crate::errors::Result;
use crate::storage::Storage;
use crate::tracker::{Configuration, ProgressMap, ProgressTracker};
use tracing::{debug, info, warn};

impl<S: Storage> Raft<S> {
    /// Checks the conf changes of a proposal on the leader: a change proposed while an
    /// earlier one is unapplied, a change other than leaving while joint, or leaving
    /// while not joint, is replaced by an empty normal entry (the proposal still
    /// succeeds, as in etcd; the application sees the change never applied). An accepted
    /// change becomes the pending one. Data that does not decode refuses the proposal.
    pub(super) fn vet_conf_changes(&mut self, entries: &mut [Entry]) -> Result<()> {
        // Decode everything first: a refused proposal must leave no pending index.
        if let Some(Err(e)) = entries
            .iter()
            .filter_map(Entry::conf_change)
            .find(|cc| cc.is_err())
        {
            return Err(e.into());
        }
        for (i, e) in entries.iter_mut().enumerate() {
            let Some(Ok(cc)) = e.conf_change() else {
                continue;
            };
            let already_pending = self.pending_conf_index > self.raft_log.applied;
            let already_joint = self.trk.config.voters.is_joint();
            let wants_leave_joint = cc.changes.is_empty();
            let refused = if already_pending {
                crate::probe!(ConfChangeRefusedPending);
                Some(format!(
                    "possible unapplied conf change at index {} (applied to {})",
                    self.pending_conf_index, self.raft_log.applied
                ))
            } else if already_joint && !wants_leave_joint {
                crate::probe!(ConfChangeRefusedJointState);
                Some("must transition out of joint config first".to_string())
            } else if !already_joint && wants_leave_joint {
                crate::probe!(ConfChangeRefusedJointState);
                Some("not in joint state; refusing empty conf change".to_string())
            } else {
                None
            };
            match refused {
                Some(why) => {
                    info!(
                        "{} ignoring conf change {} at config {}: {}",
                        self.id, cc, self.trk.config, why
                    );
                    *e = Entry::default();
                }
                None => self.pending_conf_index = self.raft_log.last_index() + i as u64 + 1,
            }
        }
        Ok(())
    }

    /// Whether a committed entry not yet applied is a conf change: until it is applied
    /// this node does not know its configuration.
    pub(super) fn has_unapplied_conf_changes(&self) -> bool {
        // Entries before the log's first index are in a snapshot, whose ConfState
        // already includes their changes.
        let mut lo = (self.raft_log.applied + 1).max(self.raft_log.first_index());
        let hi = self.raft_log.committed + 1;
        // Paged, so that a long unapplied tail is not read into memory at once.
        let page = self.raft_log.max_next_ents_size;
        while lo < hi {
            let ents = self.raft_log.slice(lo, hi, page).unwrap_or_else(|e| {
                panic!(
                    "{} cannot read unapplied entries [{lo}, {hi}): {e}",
                    self.id
                )
            });
            if ents.iter().any(Entry::is_conf_change) {
                return true;
            }
            lo = ents.last().map_or(hi, |e| e.index + 1);
        }
        false
    }

    /// Applies a committed conf change to the tracker and returns the new membership
    /// (which the application persists with its next snapshot). A change that is not
    /// valid in the current configuration is refused and changes nothing; every node
    /// applying the same log refuses it alike.
    pub(crate) fn apply_conf_change(&mut self, cc: &impl ConfChangeI) -> Result<ConfState> {
        let cc = cc.as_v2();
        let changer = Changer::new(&self.trk, self.raft_log.last_index());
        let next = if cc.leave_joint() {
            changer.leave_joint()
        } else if let Some(auto_leave) = cc.enter_joint() {
            if self.bugs.has(RaftBug::ConfChangeWithoutJoint)
                && cc.transition == crate::eraftpb::ConfChangeTransition::Auto
            {
                crate::bugs::apply_without_joint(&changer, &cc.changes)
            } else {
                changer.enter_joint(auto_leave, &cc.changes)
            }
        } else {
            changer.simple(&cc.changes)
        };
        // Logged as information, not a warning: refusing a change not valid in the
        // configuration is raft doing its job (an operator's mistake, or a change
        // overtaken by another), and every server refuses it alike.
        let (cfg, prs) = next.inspect_err(|e| {
            info!(
                "{} refused conf change {} at config {}: {e}",
                self.id, cc, self.trk.config
            );
        })?;
        Ok(self.switch_to_config(cfg, prs))
    }

    /// Makes `cfg` the configuration. A leader removed or demoted by it steps down (if
    /// configured to); a leader still in it commits what the new quorum allows and
    /// probes new members at once rather than at the next heartbeat.
    fn switch_to_config(&mut self, cfg: Configuration, prs: ProgressMap) -> ConfState {
        match (self.trk.config.voters.is_joint(), cfg.voters.is_joint()) {
            (false, true) => crate::probe!(JointConfigEntered),
            (true, false) => crate::probe!(JointConfigLeft),
            _ => {}
        }
        self.trk.config = cfg;
        self.trk.progress = prs;
        info!("{} switched to configuration {}", self.id, self.trk.config);
        let cs = self.trk.conf_state();
        let is_voter = self
            .trk
            .progress
            .get(&self.id)
            .is_some_and(|pr| !pr.is_learner);
        if !is_voter && self.state == StateType::StateLeader {
            if self.step_down_on_removal {
                crate::probe!(LeaderSteppedDownRemoved);
                info!(
                    "{} was removed from the configuration and steps down",
                    self.id
                );
                let term = self.term;
                self.become_follower(term, NONE);
            }
            return cs;
        }
        if self.state != StateType::StateLeader || cs.voters.is_empty() {
            return cs;
        }
        if self.maybe_commit() {
            self.on_leader_commit_advanced();
        } else {
            for id in self.peer_ids() {
                self.maybe_send_append(id, false);
            }
        }
        if self.lead_transferee != NONE && !self.trk.is_voter(self.lead_transferee) {
            self.abort_leader_transfer();
        }
        cs
    }

    /// Records that the application applied the log up to `index` (never moving the
    /// applied index back: an apply answer may trail a snapshot that went further); a
    /// leader in a joint configuration to be left automatically then proposes leaving
    /// it. As etcd's `appliedTo`, this is the one way every path reports an apply
    /// (`RawNode::advance`, and the apply and append threads' answers in async mode):
    /// a path that moved the log's applied index alone would leave such a joint
    /// configuration in force for good, since nothing else proposes leaving it.
    pub(crate) fn applied_to(&mut self, index: u64) {
        let applied = self.raft_log.applied.max(index);
        self.raft_log.applied_to(applied);
        self.maybe_auto_leave();
    }

    /// Proposes leaving the joint configuration if it is to be left automatically and
    /// the leader has applied it (and every change it proposed before).
    pub(crate) fn maybe_auto_leave(&mut self) {
        if !self.trk.config.auto_leave
            || self.raft_log.applied < self.pending_conf_index
            || self.state != StateType::StateLeader
        {
            return;
        }
        // The empty change has empty data: no size limit can refuse it. A transfer in
        // progress can; then the next applied entry tries again.
        let m = Message {
            msg_type: MessageType::MsgProp,
            from: self.id,
            entries: vec![ConfChangeV2::leave().to_entry()],
            ..Message::default()
        };
        match self.step(m) {
            Ok(()) => {
                crate::probe!(AutoLeaveProposed);
                info!(
                    "{} initiating automatic transition out of joint configuration {}",
                    self.id, self.trk.config
                );
            }
            Err(e) => {
                // Only a leadership transfer in progress drops it. Every later apply
                // checks again: either the transfer succeeds and the new leader leaves
                // the joint configuration once it applied its log, or it is abandoned
                // and this leader proposes leaving then (`abort_leader_transfer`).
                crate::probe!(AutoLeaveDeferred);
                debug!(
                    "{} not initiating automatic transition out of joint configuration {}: {e}",
                    self.id, self.trk.config
                )
            }
        }
    }

    /// The tracker a snapshot's membership describes, or `None` (and a warning) if it
    /// is not a valid configuration. New progresses will next send `next_idx`.
    pub(super) fn tracker_for_snapshot(
        &self,
        snap: &Snapshot,
        next_idx: u64,
    ) -> Option<ProgressTracker> {
        let mut cs = snap.metadata.conf_state.clone();
        if self.bugs.has(RaftBug::SnapshotDropsJointConfig) {
            crate::bugs::drop_joint_config(&mut cs);
        }
        let mut trk = ProgressTracker::new(self.trk.max_inflight, self.trk.max_inflight_bytes);
        if let Err(e) = trk.apply_conf_state(&cs, next_idx) {
            crate::probe!(SnapshotRefusedInvalidConfig);
            warn!(
                "{} refused snapshot [index: {}]: its ConfState {:?} is invalid: {}",
                self.id, snap.metadata.index, cs, e
            );
            return None;
        }
        if trk.config.voters.is_joint() {
            crate::probe!(SnapshotRestoredJointConfig);
        }
        Some(trk)
    }
}
