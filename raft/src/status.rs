//! A read-only picture of a node, as etcd's `Status`.

use crate::eraftpb::{ConfState, HardState};
use crate::raft::{Raft, SoftState, StateType};
use crate::storage::Storage;
use crate::tracker::Progress;
use std::collections::BTreeMap;
use std::fmt;

/// The state of one node at a moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The node id.
    pub id: u64,
    /// Term, vote, commit.
    pub hard_state: HardState,
    /// Leader and role.
    pub soft_state: SoftState,
    /// The last applied index.
    pub applied: u64,
    /// Every member's progress (leaders only; empty otherwise).
    pub progress: BTreeMap<u64, Progress>,
    /// The node a leadership transfer targets (0: none).
    pub lead_transferee: u64,
    /// The membership this node has applied.
    pub config: ConfState,
}

impl Status {
    /// The status of `r`.
    pub(crate) fn of<S: Storage>(r: &Raft<S>) -> Status {
        Status {
            id: r.id,
            hard_state: r.hard_state(),
            soft_state: r.soft_state(),
            applied: r.raft_log.applied,
            progress: if r.state == StateType::StateLeader {
                r.trk.progress.clone()
            } else {
                BTreeMap::new()
            },
            lead_transferee: r.lead_transferee,
            config: r.trk.conf_state(),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} term={} vote={} commit={} applied={} lead={}",
            self.id,
            self.soft_state.raft_state,
            self.hard_state.term,
            self.hard_state.vote,
            self.hard_state.commit,
            self.applied,
            self.soft_state.lead
        )?;
        for (id, pr) in &self.progress {
            write!(f, "\n  {id}: {pr}")?;
        }
        Ok(())
    }
}
