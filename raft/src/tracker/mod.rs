//! The leader's view of every member: progress, votes, and the configuration.

mod inflights;
mod progress;

pub use inflights::Inflights;
pub use progress::{Progress, ProgressState};

use crate::confchange::{self, ConfChangeError};
use crate::eraftpb::ConfState;
use crate::quorum::{JointConfig, VoteResult};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Progress by node id, of every voter and learner.
pub type ProgressMap = BTreeMap<u64, Progress>;

/// The voters and learners of the current configuration, as etcd's `tracker.Config`.
///
/// During a joint transition (Raft thesis §4.3) `voters.outgoing` holds the old voters
/// and every decision (commit, election, quorum activity, read confirmation) needs a
/// majority of both halves. Outside one it is empty, and an empty half agrees to
/// everything, so the same arithmetic serves both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Configuration {
    /// Voting members: the incoming half, and the outgoing one during a transition.
    pub voters: JointConfig,
    /// Non-voting members that receive the log. Never voters of either half.
    pub learners: BTreeSet<u64>,
    /// Outgoing voters to become learners when the joint configuration is left (they
    /// vote in the outgoing half until then).
    pub learners_next: BTreeSet<u64>,
    /// Whether the joint configuration is left automatically (the leader proposes
    /// leaving once the joint configuration is applied).
    pub auto_leave: bool,
}

/// `voters=(1 2)&&(1 3) learners=(4) learners_next=(3) autoleave`, as etcd prints it.
impl fmt::Display for Configuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |s: &BTreeSet<u64>| {
            let ids: Vec<String> = s.iter().map(u64::to_string).collect();
            format!("({})", ids.join(" "))
        };
        write!(f, "voters={}", self.voters)?;
        if !self.learners.is_empty() {
            write!(f, " learners={}", set(&self.learners))?;
        }
        if !self.learners_next.is_empty() {
            write!(f, " learners_next={}", set(&self.learners_next))?;
        }
        if self.auto_leave {
            f.write_str(" autoleave")?;
        }
        Ok(())
    }
}

/// Progress of every member plus election bookkeeping, as etcd's `ProgressTracker`.
#[derive(Clone, Debug)]
pub struct ProgressTracker {
    /// The membership.
    pub config: Configuration,
    /// Progress by node id (voters and learners).
    pub progress: ProgressMap,
    /// Votes received in the current election, by voter id.
    pub votes: BTreeMap<u64, bool>,
    /// The inflight window of new progresses.
    pub max_inflight: usize,
    /// The inflight byte limit of new progresses.
    pub max_inflight_bytes: u64,
}

impl ProgressTracker {
    /// An empty tracker.
    pub fn new(max_inflight: usize, max_inflight_bytes: u64) -> ProgressTracker {
        ProgressTracker {
            config: Configuration::default(),
            progress: BTreeMap::new(),
            votes: BTreeMap::new(),
            max_inflight,
            max_inflight_bytes,
        }
    }

    /// Replaces the membership with `cs` (as etcd's `confchange.Restore`), giving every
    /// member a fresh progress that will next send `next_idx`. An invalid `cs` (say a
    /// node that is both voter and learner) is refused and changes nothing.
    pub fn apply_conf_state(
        &mut self,
        cs: &ConfState,
        next_idx: u64,
    ) -> Result<(), ConfChangeError> {
        let empty = ProgressTracker::new(self.max_inflight, self.max_inflight_bytes);
        let (config, progress) = confchange::restore(&empty, next_idx, cs)?;
        self.config = config;
        self.progress = progress
            .into_iter()
            .map(|(id, old)| {
                let mut pr = Progress::new(next_idx, self.max_inflight, self.max_inflight_bytes);
                pr.is_learner = old.is_learner;
                (id, pr)
            })
            .collect();
        Ok(())
    }

    /// The membership as a `ConfState`.
    pub fn conf_state(&self) -> ConfState {
        ConfState {
            voters: self.config.voters.incoming.iter().copied().collect(),
            learners: self.config.learners.iter().copied().collect(),
            voters_outgoing: self.config.voters.outgoing.iter().copied().collect(),
            learners_next: self.config.learners_next.iter().copied().collect(),
            auto_leave: self.config.auto_leave,
        }
    }

    /// Every voter, of either half of a joint configuration.
    pub fn voter_ids(&self) -> BTreeSet<u64> {
        self.config.voters.ids()
    }

    /// Whether `id` is a voter (of either half of a joint configuration).
    pub fn is_voter(&self, id: u64) -> bool {
        self.config.voters.contains(id)
    }

    /// Whether the configuration has exactly one voter (the leader decides alone).
    pub fn is_singleton(&self) -> bool {
        self.config.voters.incoming.len() == 1 && !self.config.voters.is_joint()
    }

    /// Whether the members in `acked` include a quorum of voters (learners in it do
    /// not count).
    pub fn has_quorum(&self, acked: &BTreeSet<u64>) -> bool {
        let votes: BTreeMap<u64, bool> = acked.iter().map(|&id| (id, true)).collect();
        self.config.voters.vote_result(&votes) == VoteResult::Won
    }

    /// The highest index replicated on a quorum of voters (of both halves).
    pub fn committed(&self) -> u64 {
        self.config
            .voters
            .committed_index(|id| self.progress.get(&id).map(|p: &Progress| p.matched))
    }

    /// Whether a quorum of voters was recently active (`self_id` always counts).
    pub fn quorum_active(&self, self_id: u64) -> bool {
        let votes: BTreeMap<u64, bool> = self
            .voter_ids()
            .into_iter()
            .map(|id| {
                let active =
                    id == self_id || self.progress.get(&id).is_some_and(|p| p.recent_active);
                (id, active)
            })
            .collect();
        self.config.voters.vote_result(&votes) == VoteResult::Won
    }

    /// Forgets the votes of the last election.
    pub fn reset_votes(&mut self) {
        self.votes.clear();
    }

    /// Records `id`'s vote (the first one counts).
    pub fn record_vote(&mut self, id: u64, granted: bool) {
        self.votes.entry(id).or_insert(granted);
    }

    /// Counts votes: (granted, rejected, result).
    pub fn tally_votes(&self) -> (usize, usize, VoteResult) {
        let mut granted = 0;
        let mut rejected = 0;
        for id in &self.voter_ids() {
            match self.votes.get(id) {
                Some(true) => granted += 1,
                Some(false) => rejected += 1,
                None => {}
            }
        }
        (
            granted,
            rejected,
            self.config.voters.vote_result(&self.votes),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joint() -> ProgressTracker {
        let mut t = ProgressTracker::new(8, 0);
        t.apply_conf_state(
            &ConfState {
                voters: vec![1, 2, 3],
                voters_outgoing: vec![3, 4, 5],
                learners: vec![6],
                auto_leave: false,
                ..ConfState::default()
            },
            1,
        )
        .expect("a valid joint configuration");
        t
    }

    #[test]
    fn joint_configuration_tracks_both_halves() {
        let t = joint();
        let ids: Vec<u64> = t.progress.keys().copied().collect();
        assert_eq!(ids, vec![1, 2, 3, 4, 5, 6]);
        assert!(t.is_voter(5) && !t.is_voter(6));
        assert!(!t.is_singleton());
        assert_eq!(t.conf_state().voters_outgoing, vec![3, 4, 5]);
    }

    #[test]
    fn joint_commit_and_votes_need_a_majority_of_both_halves() {
        let mut t = joint();
        for (id, m) in [(1, 5), (2, 5), (3, 5)] {
            t.progress.get_mut(&id).unwrap().matched = m;
        }
        assert_eq!(t.committed(), 0, "the outgoing half has only node 3");
        t.progress.get_mut(&4).unwrap().matched = 4;
        assert_eq!(t.committed(), 4);
        let acked: BTreeSet<u64> = [1, 2, 3].into_iter().collect();
        assert!(!t.has_quorum(&acked));
        let acked: BTreeSet<u64> = [1, 2, 3, 5].into_iter().collect();
        assert!(t.has_quorum(&acked));
        for id in [1, 2] {
            t.record_vote(id, true);
        }
        assert_eq!(t.tally_votes().2, VoteResult::Pending);
        t.record_vote(4, false);
        t.record_vote(5, false);
        assert_eq!(t.tally_votes().2, VoteResult::Lost);
    }
}
