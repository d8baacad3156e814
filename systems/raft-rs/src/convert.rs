//! raft-rs's types in the framework's words (the Raft observation API's types), and
//! the framework's membership changes in raft-rs's: the one place the two meet.

use linsim_sim::system::{self, Config, LogEntry, Promise, Role, Sent};
use raft::eraftpb::{
    ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2, ConfState, Entry,
    EntryType, HardState, Message, MessageType,
};
use raft::StateRole;

/// A role.
pub fn role(state: StateRole) -> Role {
    match state {
        StateRole::Follower => Role::Follower,
        StateRole::Candidate => Role::Candidate,
        StateRole::Leader => Role::Leader,
        StateRole::PreCandidate => Role::PreCandidate,
    }
}

/// A hard state.
pub fn hard_state(hs: &HardState) -> system::HardState {
    system::HardState {
        term: hs.term,
        vote: hs.vote,
        commit: hs.commit,
    }
}

fn sorted(ids: &[u64]) -> Vec<u64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids
}

/// A configuration. raft-rs lists a configuration's members in its hash sets' order,
/// which depends on each server's history; the framework compares configurations
/// across servers, so they are sorted here.
pub fn config(cs: &ConfState) -> Config {
    Config {
        voters: sorted(&cs.voters),
        learners: sorted(&cs.learners),
        voters_outgoing: sorted(&cs.voters_outgoing),
        learners_next: sorted(&cs.learners_next),
        auto_leave: cs.auto_leave,
    }
}

/// Whether an entry changes membership.
pub fn is_conf_change(e: &Entry) -> bool {
    e.get_entry_type() != EntryType::EntryNormal
}

/// A log entry, as the checks see it.
pub fn entry(e: &Entry) -> LogEntry<'_> {
    LogEntry {
        index: e.index,
        term: e.term,
        data: &e.data,
        conf_change: is_conf_change(e),
    }
}

/// A message leaving a server, with what it promises about the sender's durable
/// state: a granted vote (the vote is durable), a vote request (the candidate's own
/// vote is durable), an append acknowledgement (the acknowledged log is durable).
/// Pre-votes promise nothing: raft-rs persists neither side of one.
pub fn sent(m: &Message) -> Sent {
    let promise = match m.get_msg_type() {
        MessageType::MsgRequestVoteResponse if !m.reject => Promise::VoteGranted,
        MessageType::MsgRequestVote => Promise::VoteRequested,
        MessageType::MsgAppendResponse if !m.reject => Promise::Appended { index: m.index },
        _ => Promise::Nothing,
    };
    Sent {
        kind: message_name(m.get_msg_type()),
        to: m.to,
        term: m.term,
        promise,
    }
}

/// raft-rs's name of a message type.
pub fn message_name(t: MessageType) -> &'static str {
    use MessageType::*;
    match t {
        MsgHup => "MsgHup",
        MsgBeat => "MsgBeat",
        MsgPropose => "MsgPropose",
        MsgAppend => "MsgAppend",
        MsgAppendResponse => "MsgAppendResponse",
        MsgRequestVote => "MsgRequestVote",
        MsgRequestVoteResponse => "MsgRequestVoteResponse",
        MsgSnapshot => "MsgSnapshot",
        MsgHeartbeat => "MsgHeartbeat",
        MsgHeartbeatResponse => "MsgHeartbeatResponse",
        MsgUnreachable => "MsgUnreachable",
        MsgSnapStatus => "MsgSnapStatus",
        MsgCheckQuorum => "MsgCheckQuorum",
        MsgTransferLeader => "MsgTransferLeader",
        MsgTimeoutNow => "MsgTimeoutNow",
        MsgReadIndex => "MsgReadIndex",
        MsgReadIndexResp => "MsgReadIndexResp",
        MsgRequestPreVote => "MsgRequestPreVote",
        MsgRequestPreVoteResponse => "MsgRequestPreVoteResponse",
    }
}

/// A membership change, as raft-rs takes it. raft-rs has no `UpdateNode` (a change
/// with no membership effect): such a change is left out.
pub fn conf_change(cc: &system::ConfChange) -> ConfChangeV2 {
    let mut v2 = ConfChangeV2::default();
    v2.set_transition(match cc.transition {
        system::ConfChangeTransition::Auto => ConfChangeTransition::Auto,
        system::ConfChangeTransition::Implicit => ConfChangeTransition::Implicit,
        system::ConfChangeTransition::Explicit => ConfChangeTransition::Explicit,
    });
    v2.changes = cc
        .changes
        .iter()
        .filter_map(|c| {
            let t = match c.change_type {
                system::ConfChangeType::AddNode => ConfChangeType::AddNode,
                system::ConfChangeType::RemoveNode => ConfChangeType::RemoveNode,
                system::ConfChangeType::AddLearnerNode => ConfChangeType::AddLearnerNode,
                system::ConfChangeType::UpdateNode => return None,
            };
            let mut single = ConfChangeSingle::default();
            single.set_change_type(t);
            single.node_id = c.node_id;
            Some(single)
        })
        .collect();
    v2
}

#[cfg(test)]
mod tests {
    use super::*;
    use system::{ConfChangeSingle as Single, ConfChangeType as Type};

    #[test]
    fn a_joint_change_converts_and_configurations_sort() {
        let cc = system::ConfChange::new(
            system::ConfChangeTransition::Explicit,
            vec![
                Single::new(Type::AddNode, 4),
                Single::new(Type::RemoveNode, 1),
            ],
        );
        let v2 = conf_change(&cc);
        assert_eq!(v2.get_transition(), ConfChangeTransition::Explicit);
        assert_eq!(v2.changes.len(), 2);
        assert_eq!(v2.changes[1].get_change_type(), ConfChangeType::RemoveNode);
        let cs = ConfState {
            voters: vec![3, 1, 2],
            ..ConfState::default()
        };
        assert_eq!(config(&cs).voters, vec![1, 2, 3]);
    }
}
