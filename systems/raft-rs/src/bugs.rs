//! The raft-rs system's named bugs (`--bug NAME`): defects of the adapter around
//! raft-rs, each reproducing a way to misuse raft-rs 0.7 that its documentation leaves
//! open, with the check that finds it.

use linsim_sim::{BugSet, BugSpec};

/// The bugs, by index (`BugSet` holds these indexes).
pub const BUGS: &[BugSpec] = &[BugSpec {
    name: "removed-leader-stays",
    layer: "membership",
    description: "a leader that applies its own removal (or demotion) stays in office, as raft-rs 0.7 leaves it, instead of stepping down",
    provenance: "raft-rs 0.7 keeps such a leader (post_conf_change: 'TODO(tbg): step down ... untested') and then panics in Raft::maybe_commit or on_persist_entries unwrapping its own missing progress; its maintainers expect the application to clean up (tikv/raft-rs#373); etcd's raft has StepDownOnRemoval for it",
    workload: "kv",
    nemesis: "membership",
    knobs: &[],
    nodes: None,
    voters: None,
    check: "no-panic",
}, BugSpec {
    name: "read-context-reused",
    layer: "reads",
    description: "a server asks raft-rs's ReadIndex again with the same context when a client resends its read to it (rare: an overloaded leader deposed with acknowledgements in its backlog; sweeps with --nodes 3 find it, register seed 230)",
    provenance: "raft-rs 0.7 matches heartbeat acknowledgements to pending reads by context alone (ReadOnly::recv_ack, advance): a context asked again re-enters the leader's queue behind newer reads, and a delayed acknowledgement from the first ask's round, sent before a newer leader was elected, confirms it and every read queued before it (Raft thesis §6.4 wants a quorum heard after the read arrives); etcd and TiKV give every read a unique id",
    workload: "register",
    nemesis: "all",
    knobs: &["reads=read-index"],
    nodes: Some(3),
    voters: None,
    check: "read-index",
}];

/// `removed-leader-stays`'s index in `BUGS`.
const REMOVED_LEADER_STAYS: usize = 0;
/// `read-context-reused`'s index in `BUGS`.
const READ_CONTEXT_REUSED: usize = 1;

/// The bugs a server runs with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bugs {
    /// A leader that applied its own removal stays leader.
    pub removed_leader_stays: bool,
    /// A read asked again at a server reuses its ReadIndex context.
    pub read_context_reused: bool,
}

impl Bugs {
    /// The bugs `set` turns on.
    pub fn of(set: &BugSet) -> Bugs {
        Bugs {
            removed_leader_stays: set.has(REMOVED_LEADER_STAYS),
            read_context_reused: set.has(READ_CONTEXT_REUSED),
        }
    }
}
