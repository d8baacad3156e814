//! The leader's view of every member: progress, votes, and the configuration.

mod inflights;
mod progress;

pub use inflights::Inflights;
pub use progress::{Progress, ProgressState};

use crate::eraftpb::ConfState;
use crate::quorum::{majority, VoteResult};
use std::collections::{BTreeMap, BTreeSet};

/// The voters and learners of the current configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Configuration {
    /// Voting members.
    pub voters: BTreeSet<u64>,
    /// Non-voting members that receive the log.
    pub learners: BTreeSet<u64>,
}

/// Progress of every member plus election bookkeeping, as etcd's `ProgressTracker`.
#[derive(Clone, Debug)]
pub struct ProgressTracker {
    /// The membership.
    pub config: Configuration,
    /// Progress by node id (voters and learners).
    pub progress: BTreeMap<u64, Progress>,
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

    /// Replaces the membership with `cs`, giving every member a fresh progress that
    /// will next send `next_idx`.
    pub fn apply_conf_state(&mut self, cs: &ConfState, next_idx: u64) {
        self.config.voters = cs.voters.iter().copied().collect();
        self.config.learners = cs.learners.iter().copied().collect();
        self.progress.clear();
        let members: Vec<(u64, bool)> = (self.config.voters.iter().map(|&id| (id, false)))
            .chain(self.config.learners.iter().map(|&id| (id, true)))
            .collect();
        for (id, is_learner) in members {
            let mut pr = Progress::new(next_idx, self.max_inflight, self.max_inflight_bytes);
            pr.is_learner = is_learner;
            self.progress.insert(id, pr);
        }
    }

    /// The membership as a `ConfState`.
    pub fn conf_state(&self) -> ConfState {
        ConfState {
            voters: self.config.voters.iter().copied().collect(),
            learners: self.config.learners.iter().copied().collect(),
            ..ConfState::default()
        }
    }

    /// Whether `id` is a voter.
    pub fn is_voter(&self, id: u64) -> bool {
        self.config.voters.contains(&id)
    }

    /// Whether the configuration has exactly one voter (the leader decides alone).
    pub fn is_singleton(&self) -> bool {
        self.config.voters.len() == 1
    }

    /// Whether the members in `acked` include a quorum of voters (learners in it do
    /// not count).
    pub fn has_quorum(&self, acked: &BTreeSet<u64>) -> bool {
        let votes: BTreeMap<u64, bool> = acked.iter().map(|&id| (id, true)).collect();
        majority::vote_result(&self.config.voters, &votes) == VoteResult::Won
    }

    /// The highest index replicated on a quorum of voters.
    pub fn committed(&self) -> u64 {
        majority::committed_index(&self.config.voters, |id| {
            self.progress.get(&id).map(|p| p.matched)
        })
    }

    /// Whether a quorum of voters was recently active (`self_id` always counts).
    pub fn quorum_active(&self, self_id: u64) -> bool {
        let votes: BTreeMap<u64, bool> = self
            .config
            .voters
            .iter()
            .map(|&id| {
                let active =
                    id == self_id || self.progress.get(&id).is_some_and(|p| p.recent_active);
                (id, active)
            })
            .collect();
        majority::vote_result(&self.config.voters, &votes) == VoteResult::Won
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
        for id in &self.config.voters {
            match self.votes.get(id) {
                Some(true) => granted += 1,
                Some(false) => rejected += 1,
                None => {}
            }
        }
        (
            granted,
            rejected,
            majority::vote_result(&self.config.voters, &self.votes),
        )
    }
}
