//! `LearnerCountsInQuorum`: learners' acknowledgements counted toward commit.
//!
//! Correct raft (etcd's `ProgressTracker.Committed`): only voters form the commit
//! quorum; a learner receives the log but its copy proves nothing about the next
//! election, which only voters decide. This variant treats learners as voters of the
//! incoming half when computing the commit index: with voters (1 2 3) and learners 4
//! and 5, the leader 1 commits what only 1, 4 and 5 hold, and voters 2 and 3 can then
//! elect a leader without the entry.

use crate::tracker::ProgressTracker;

/// The commit index with learners counted as incoming voters.
pub(crate) fn committed_counting_learners(trk: &ProgressTracker) -> u64 {
    let mut voters = trk.config.voters.clone();
    voters.incoming.extend(trk.config.learners.iter().copied());
    voters.committed_index(|id| trk.progress.get(&id).map(|p| p.matched))
}
