//! `SnapshotKeepsOldLearners`: a restored snapshot's membership taken for its voters
//! only, the node's own learners kept.
//!
//! Correct raft (etcd's `confchange.Restore`): the configuration a node restores from a
//! snapshot is the snapshot's, whole: voters of both halves, learners, learners to be.
//! This variant keeps the learners the node had before (those the snapshot does not
//! make voters), as if learners were local bookkeeping: the node then runs a
//! configuration no other server has at that index, and replicates to, or waits for,
//! members that were added or removed while it lagged.

use crate::tracker::ProgressTracker;

/// `restored` with the learners of `old` that it does not make voters.
pub(crate) fn keep_old_learners(old: &ProgressTracker, restored: &mut ProgressTracker) {
    let voters = restored.config.voters.ids();
    for &id in &old.config.learners {
        if voters.contains(&id) || restored.config.learners_next.contains(&id) {
            continue;
        }
        restored.config.learners.insert(id);
        if let Some(pr) = old.progress.get(&id) {
            restored.progress.entry(id).or_insert_with(|| pr.clone());
        }
    }
}
