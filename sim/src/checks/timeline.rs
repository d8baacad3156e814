//! The Raft lanes of a run's timeline (`timeline.html`): every node's role changes,
//! the cluster's commit index and every node's applied index over virtual time.
//!
//! The observer records into a plain vector as events arrive. Recording draws no
//! randomness and writes no trace line, so it changes no history and no trace hash.

use crate::system::Role;

/// What changed on a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaftChange {
    /// It took `role` in `term`.
    Role {
        /// The term.
        term: u64,
        /// The role (etcd's names).
        role: Role,
    },
    /// As leader, it advanced the cluster's commit index to `index`.
    Commit {
        /// The new commit index.
        index: u64,
    },
    /// It applied the entry at `index`.
    Applied {
        /// The index.
        index: u64,
    },
}

/// One change on one node at a virtual time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RaftEvent {
    /// Virtual nanoseconds since the run started.
    pub at_ns: u64,
    /// The server id.
    pub node: u64,
    /// What changed.
    pub change: RaftChange,
}

/// Every Raft lane event of a run, in the order they happened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RaftTimeline {
    /// The events, in time order.
    pub events: Vec<RaftEvent>,
}

impl RaftTimeline {
    /// Records `change` on `node` at `at_ns`.
    pub fn record(&mut self, at_ns: u64, node: u64, change: RaftChange) {
        self.events.push(RaftEvent {
            at_ns,
            node,
            change,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::observer::Observer;
    use crate::system::{Config, LogEntry};

    #[test]
    fn the_observer_records_roles_commits_and_applies_in_order() {
        let mut o = Observer::default();
        o.role(5, 2, 1, Role::Candidate, 1, |_| None, &Config::default());
        o.role(9, 2, 1, Role::Leader, 1, |_| Some(0), &Config::default());
        o.leader_committed(12, 2, 1, 1, |_| Some(1), None);
        // Not an advance of the cluster's commit index: nothing recorded.
        o.leader_committed(13, 2, 1, 1, |_| Some(1), None);
        let e = LogEntry {
            index: 1,
            term: 1,
            data: &[],
            conf_change: false,
        };
        o.applied(14, 3, &e);
        let lane: Vec<(u64, u64, RaftChange)> = o
            .take_trace()
            .1
            .events
            .iter()
            .map(|e| (e.at_ns, e.node, e.change))
            .collect();
        let role = |term, role| RaftChange::Role { term, role };
        assert_eq!(
            lane,
            vec![
                (5, 2, role(1, Role::Candidate)),
                (9, 2, role(1, Role::Leader)),
                (12, 2, RaftChange::Commit { index: 1 }),
                (14, 3, RaftChange::Applied { index: 1 }),
            ]
        );
    }
}
