//! The Raft observation API's vocabulary: what a Raft system tells the framework about
//! itself (roles, hard states, log entries, configurations, the promises its messages
//! carry) in the framework's own types, so that the invariant checks read no Raft
//! library's internals. A system converts its library's types at the boundary (see
//! `crate::system::RaftEvents` for the events that carry them).
//!
//! The shapes follow etcd's raftpb (`HardState`, `ConfState`, `ConfChangeV2`), and so
//! do the names a trace prints (`StateLeader`), so that what linsim reports reads the
//! same whichever Raft runs underneath.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A Raft server's role. Display prints etcd's names (`StateLeader`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Follows a leader (or waits for one).
    #[default]
    Follower,
    /// Campaigning at a new term.
    Candidate,
    /// Leads its term.
    Leader,
    /// Polling for votes before bumping its term (PreVote).
    PreCandidate,
}

impl Role {
    /// etcd's name of the role.
    pub fn etcd_name(self) -> &'static str {
        match self {
            Role::Follower => "StateFollower",
            Role::Candidate => "StateCandidate",
            Role::Leader => "StateLeader",
            Role::PreCandidate => "StatePreCandidate",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.etcd_name())
    }
}

/// What a Raft server must hold durably before it acts on it: its term, its vote in
/// that term (0: none) and the commit index it knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HardState {
    /// The current term.
    pub term: u64,
    /// Whom it voted for in `term` (0: nobody).
    pub vote: u64,
    /// The highest index it knows committed.
    pub commit: u64,
}

/// A log entry as the checks see it: its position, its payload (compared by hash
/// across servers) and whether it changes membership.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogEntry<'a> {
    /// The entry's index.
    pub index: u64,
    /// The term it was proposed in.
    pub term: u64,
    /// Its payload, as the log holds it.
    pub data: &'a [u8],
    /// Whether it is a membership change.
    pub conf_change: bool,
}

/// A cluster configuration, as etcd's `ConfState`: the voters (both halves of a
/// joint configuration) and the learners.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Config {
    /// Voters of the incoming (or only) configuration.
    pub voters: Vec<u64>,
    /// Learners: they receive the log but do not vote.
    pub learners: Vec<u64>,
    /// Voters of the outgoing configuration during a joint transition.
    pub voters_outgoing: Vec<u64>,
    /// Learners to be added when the joint configuration is left.
    pub learners_next: Vec<u64>,
    /// Whether the joint configuration is left automatically.
    pub auto_leave: bool,
}

impl Config {
    /// A configuration of the given voters and no learners.
    pub fn from_voters(voters: impl IntoIterator<Item = u64>) -> Config {
        Config {
            voters: voters.into_iter().collect(),
            ..Config::default()
        }
    }

    /// Whether this is a joint configuration (it has outgoing voters).
    pub fn is_joint(&self) -> bool {
        !self.voters_outgoing.is_empty()
    }
}

/// What one change does to one server (etcd's `ConfChangeType`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum ConfChangeType {
    /// Make the server a voter (adding it, or promoting a learner).
    #[default]
    AddNode,
    /// Remove the server from the configuration.
    RemoveNode,
    /// No membership effect.
    UpdateNode,
    /// Make the server a learner (adding it, or demoting a voter).
    AddLearnerNode,
}

/// How a change moves between configurations (etcd's `ConfChangeTransition`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum ConfChangeTransition {
    /// A simple change if at most one voter changes, else a joint configuration left
    /// automatically.
    #[default]
    Auto,
    /// Always a joint configuration, left automatically.
    Implicit,
    /// Always a joint configuration, left only by an explicit empty change.
    Explicit,
}

/// One change of a `ConfChange`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConfChangeSingle {
    /// What to do.
    pub change_type: ConfChangeType,
    /// To which server.
    pub node_id: u64,
}

impl ConfChangeSingle {
    /// A change of `change_type` for `node_id`.
    pub fn new(change_type: ConfChangeType, node_id: u64) -> ConfChangeSingle {
        ConfChangeSingle {
            change_type,
            node_id,
        }
    }
}

/// A membership change of any number of servers, possibly through a joint
/// configuration (Raft thesis §4.3), as etcd's `ConfChangeV2`; the empty change leaves
/// a joint configuration. This is what the membership nemesis asks a system for
/// (`crate::system::MembershipChanges`) and what a schedule records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConfChange {
    /// How to move to the new configuration.
    pub transition: ConfChangeTransition,
    /// The changes, applied in order.
    pub changes: Vec<ConfChangeSingle>,
    /// Opaque application context, hex (empty for every change linsim makes).
    #[serde(default)]
    pub context: String,
}

impl ConfChange {
    /// A change with the given transition and changes.
    pub fn new(transition: ConfChangeTransition, changes: Vec<ConfChangeSingle>) -> ConfChange {
        ConfChange {
            transition,
            changes,
            context: String::new(),
        }
    }

    /// The change that leaves a joint configuration (the empty one).
    pub fn leave() -> ConfChange {
        ConfChange::default()
    }

    /// Whether this change leaves a joint configuration (no changes, `Auto`).
    pub fn leave_joint(&self) -> bool {
        self.transition == ConfChangeTransition::Auto && self.changes.is_empty()
    }

    /// `Some(auto_leave)` if this change goes through a joint configuration (a
    /// non-auto transition, or more than one change); `auto_leave` says whether the
    /// joint configuration is left by itself.
    pub fn enter_joint(&self) -> Option<bool> {
        if self.transition == ConfChangeTransition::Auto && self.changes.len() <= 1 {
            return None;
        }
        Some(self.transition != ConfChangeTransition::Explicit)
    }
}

/// `v1` (voter), `l2` (learner), `r3` (removed), `u4` (updated): etcd's notation.
impl fmt::Display for ConfChangeSingle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = match self.change_type {
            ConfChangeType::AddNode => 'v',
            ConfChangeType::RemoveNode => 'r',
            ConfChangeType::UpdateNode => 'u',
            ConfChangeType::AddLearnerNode => 'l',
        };
        write!(f, "{c}{}", self.node_id)
    }
}

/// The changes as `v1 l2 r3`, with the transition when it is not `Auto`
/// (`[explicit] v2 v3`); the empty change prints as `leave-joint`.
impl fmt::Display for ConfChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.leave_joint() {
            return f.write_str("leave-joint");
        }
        match self.transition {
            ConfChangeTransition::Auto => {}
            ConfChangeTransition::Implicit => f.write_str("[implicit] ")?,
            ConfChangeTransition::Explicit => f.write_str("[explicit] ")?,
        }
        let parts: Vec<String> = self.changes.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join(" "))
    }
}

/// What a message leaving a server promises about that server's durable state
/// (durable-before-send: a crash right after the send must not make it false).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Promise {
    /// Nothing durable (a heartbeat, an append, a refusal).
    Nothing,
    /// A granted vote for the message's term: the durable hard state holds the term and
    /// the vote for the message's addressee (or a later term).
    VoteGranted,
    /// A candidate's vote request for the message's term: the durable hard state holds
    /// the term and the vote for itself.
    VoteRequested,
    /// An acknowledgement of the log up to `index`: the durable log holds `index` with
    /// the term the server's log has there. Acknowledgements of a term older than the
    /// durable one vouch for nothing still owed (the server moved on durably).
    Appended {
        /// The last index acknowledged.
        index: u64,
    },
}

/// A message leaving a server, as the durable-before-send check sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sent {
    /// Its kind, as the system's Raft names it (`MsgVoteResp`), for the report.
    pub kind: &'static str,
    /// The addressee.
    pub to: u64,
    /// The message's term.
    pub term: u64,
    /// What it promises.
    pub promise: Promise,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_serializes_as_etcds_conf_change_v2_does_in_a_schedule() {
        let cc = ConfChange::new(
            ConfChangeTransition::Explicit,
            vec![ConfChangeSingle::new(ConfChangeType::AddLearnerNode, 4)],
        );
        let json = serde_json::to_string(&cc).unwrap();
        assert_eq!(
            json,
            r#"{"transition":"Explicit","changes":[{"change_type":"AddLearnerNode","node_id":4}],"context":""}"#
        );
        assert_eq!(serde_json::from_str::<ConfChange>(&json).unwrap(), cc);
        assert_eq!(ConfChange::leave().enter_joint(), None);
        assert!(ConfChange::leave().leave_joint());
        assert_eq!(cc.enter_joint(), Some(false));
        assert_eq!(Role::Leader.to_string(), "StateLeader");
    }
}
