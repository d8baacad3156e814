//! What a leader knows of one follower's log.

use super::inflights::Inflights;
use std::fmt;

/// How the leader is currently replicating to a follower.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProgressState {
    /// Unknown match: send one MsgApp at a time and wait for its answer.
    #[default]
    Probe,
    /// Known match: stream MsgApps optimistically, bounded by the inflight window.
    Replicate,
    /// The follower needs a snapshot; send nothing else until it reports.
    Snapshot,
}

impl fmt::Display for ProgressState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ProgressState::Probe => "StateProbe",
            ProgressState::Replicate => "StateReplicate",
            ProgressState::Snapshot => "StateSnapshot",
        };
        f.write_str(name)
    }
}

/// A follower's progress as the leader sees it, as etcd's `tracker.Progress`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The highest index known replicated on the follower.
    pub matched: u64,
    /// The next index to send.
    pub next_idx: u64,
    /// The replication state.
    pub state: ProgressState,
    /// In Snapshot state: the index of the snapshot being sent.
    pub pending_snapshot: u64,
    /// Whether the follower was heard from since the last quorum check.
    pub recent_active: bool,
    /// In Probe state: a MsgApp is out and unanswered; in Replicate state: the
    /// inflight window is full.
    pub msg_app_flow_paused: bool,
    /// MsgApps in flight (Replicate state).
    pub inflights: Inflights,
    /// Whether the follower is a learner (does not vote).
    pub is_learner: bool,
    /// The highest commit index in flight to the follower (in a MsgApp, a heartbeat or
    /// a snapshot), so that the leader sends an empty MsgApp only when it could move
    /// the follower's commit. Mostly monotonic, but it goes back with `next_idx` when
    /// the follower returns to Probe, and a heartbeat sets it to what it carried.
    pub sent_commit: u64,
}

impl Progress {
    /// A probe-state progress that will next send `next_idx`.
    pub fn new(next_idx: u64, max_inflight: usize, max_inflight_bytes: u64) -> Progress {
        Progress {
            matched: 0,
            next_idx,
            state: ProgressState::Probe,
            pending_snapshot: 0,
            recent_active: false,
            msg_app_flow_paused: false,
            inflights: Inflights::new(max_inflight, max_inflight_bytes),
            is_learner: false,
            sent_commit: 0,
        }
    }

    fn reset_state(&mut self, state: ProgressState) {
        self.msg_app_flow_paused = false;
        self.pending_snapshot = 0;
        self.state = state;
        self.inflights.reset();
    }

    /// Back to probing, from the match (or past a snapshot just sent).
    pub fn become_probe(&mut self) {
        if self.state == ProgressState::Snapshot {
            let pending = self.pending_snapshot;
            self.reset_state(ProgressState::Probe);
            self.next_idx = (self.matched + 1).max(pending + 1);
        } else {
            self.reset_state(ProgressState::Probe);
            self.next_idx = self.matched + 1;
        }
        // What was sent past the new `next_idx` may never arrive (that is why we
        // probe): forget it, or `can_bump_commit` would never let the commit through.
        self.sent_commit = self.sent_commit.min(self.next_idx - 1);
    }

    /// Start streaming after the match.
    pub fn become_replicate(&mut self) {
        self.reset_state(ProgressState::Replicate);
        self.next_idx = self.matched + 1;
    }

    /// Wait for the snapshot at `snapshot_index` to be installed.
    pub fn become_snapshot(&mut self, snapshot_index: u64) {
        self.reset_state(ProgressState::Snapshot);
        self.pending_snapshot = snapshot_index;
        self.next_idx = snapshot_index + 1;
        // A snapshot carries committed state: installing it commits up to its index.
        self.sent_commit = snapshot_index;
    }

    /// Whether sending commit index `index` could move the follower's commit: it is
    /// news, and what we already sent does not cover every entry in flight (the
    /// follower cannot commit past the entries it has, about `next_idx - 1`).
    pub fn can_bump_commit(&self, index: u64) -> bool {
        index > self.sent_commit && self.sent_commit < self.next_idx - 1
    }

    /// Records that commit index `commit` was sent to the follower.
    pub fn record_sent_commit(&mut self, commit: u64) {
        self.sent_commit = commit;
    }

    /// Records that a MsgApp with `entries` entries ending at `last_index` (carrying
    /// `bytes` bytes) was sent.
    pub fn sent_entries(&mut self, entries: usize, last_index: u64, bytes: u64) {
        match self.state {
            ProgressState::Replicate => {
                if entries > 0 {
                    self.next_idx = last_index + 1;
                    self.inflights.add(last_index, bytes);
                }
                self.msg_app_flow_paused = self.inflights.full();
            }
            ProgressState::Probe => {
                if entries > 0 {
                    self.msg_app_flow_paused = true;
                }
            }
            ProgressState::Snapshot => {
                panic!("sending append in unhandled state {}", self.state)
            }
        }
    }

    /// Records an acknowledgement up to `n`. Returns whether the match advanced.
    pub fn maybe_update(&mut self, n: u64) -> bool {
        let updated = self.matched < n;
        if updated {
            self.matched = n;
            self.msg_app_flow_paused = false;
        }
        self.next_idx = self.next_idx.max(n + 1);
        updated
    }

    /// Handles a rejection of the MsgApp at `rejected`, with the follower's hint of
    /// where to probe next. Returns false if the rejection is stale.
    pub fn maybe_decr_to(&mut self, rejected: u64, match_hint: u64) -> bool {
        if self.state == ProgressState::Replicate {
            if rejected <= self.matched {
                // The follower has since acknowledged past this index: a late rejection.
                crate::probe!(AppendRejectionStale);
                return false;
            }
            self.next_idx = self.matched + 1;
            self.sent_commit = self.sent_commit.min(self.next_idx - 1);
            return true;
        }
        if self.next_idx == 0 || self.next_idx - 1 != rejected {
            // Not the probe we are waiting for: a duplicate or reordered rejection.
            crate::probe!(AppendRejectionStale);
            return false;
        }
        self.next_idx = rejected.min(match_hint + 1).max(self.matched + 1).max(1);
        self.sent_commit = self.sent_commit.min(self.next_idx - 1);
        self.msg_app_flow_paused = false;
        true
    }

    /// Whether sending MsgApps to this follower is paused.
    pub fn is_paused(&self) -> bool {
        match self.state {
            ProgressState::Probe | ProgressState::Replicate => self.msg_app_flow_paused,
            ProgressState::Snapshot => true,
        }
    }
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} match={} next={}",
            self.state, self.matched, self.next_idx
        )?;
        if self.is_learner {
            f.write_str(" learner")?;
        }
        if self.is_paused() {
            f.write_str(" paused")?;
        }
        if self.pending_snapshot > 0 {
            write!(f, " pendingSnap={}", self.pending_snapshot)?;
        }
        if !self.recent_active {
            f.write_str(" inactive")?;
        }
        if self.inflights.count() > 0 {
            write!(f, " inflight={}", self.inflights.count())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_pauses_after_one_message_until_answered() {
        let mut p = Progress::new(5, 4, 0);
        assert!(!p.is_paused());
        p.sent_entries(2, 6, 10);
        assert!(p.is_paused());
        assert!(p.maybe_update(6));
        assert!(!p.is_paused());
        assert_eq!(p.next_idx, 7);
    }

    #[test]
    fn replicate_streams_until_window_full() {
        let mut p = Progress::new(1, 2, 0);
        p.become_replicate();
        p.sent_entries(1, 1, 1);
        assert!(!p.is_paused());
        p.sent_entries(1, 2, 1);
        assert!(p.is_paused());
        p.maybe_update(1);
        p.inflights.free_le(1);
        p.msg_app_flow_paused = p.inflights.full();
        assert!(!p.is_paused());
    }

    #[test]
    fn decr_to_ignores_stale_rejections_and_uses_hint() {
        let mut p = Progress::new(10, 4, 0);
        assert!(!p.maybe_decr_to(5, 3), "we did not send index 5 last");
        assert!(p.maybe_decr_to(9, 3));
        assert_eq!(p.next_idx, 4);
        let mut r = Progress::new(10, 4, 0);
        r.matched = 6;
        r.become_replicate();
        assert!(!r.maybe_decr_to(6, 0), "below match: stale");
        assert!(r.maybe_decr_to(8, 0));
        assert_eq!(r.next_idx, 7);
    }
}
