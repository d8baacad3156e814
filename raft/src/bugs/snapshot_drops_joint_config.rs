//! `SnapshotDropsJointConfig`: a snapshot restore that forgets the joint configuration.
//!
//! Correct raft (etcd's `confchange.Restore`): a snapshot taken during a joint
//! transition carries both halves, and the restoring node needs a majority of each
//! until the cluster leaves the joint configuration. This variant keeps only the
//! incoming voters and learners: the restored node, as candidate or leader, counts
//! votes and acknowledgements of the new voters alone.

use crate::eraftpb::ConfState;

/// Turns a joint `cs` into its incoming half (outgoing voters and the learners staged
/// for leaving are dropped).
pub(crate) fn drop_joint_config(cs: &mut ConfState) {
    cs.voters_outgoing.clear();
    cs.learners_next.clear();
    cs.auto_leave = false;
}
