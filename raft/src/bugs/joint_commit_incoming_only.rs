//! `JointCommitIncomingOnly`: in a joint configuration, the commit index taken from
//! the incoming half alone.
//!
//! Correct raft (etcd's `JointConfig.CommittedIndex`): while joint, an entry commits
//! only once a majority of the incoming voters and a majority of the outgoing voters
//! hold it, the smaller of the two halves' indexes. Joint consensus exists because
//! either half may elect the next leader until the joint configuration is left: with
//! (1 2 4)&&(2 3 4), the leader 1 commits what 1 and 2 hold, and 3 and 4 (a majority
//! of the outgoing half, with 2 lagging) can then elect a leader without it.

use crate::quorum::majority;
use crate::tracker::ProgressTracker;

/// The commit index of the incoming half only.
pub(crate) fn committed_incoming_only(trk: &ProgressTracker) -> u64 {
    majority::committed_index(&trk.config.voters.incoming, |id| {
        trk.progress.get(&id).map(|p| p.matched)
    })
}
