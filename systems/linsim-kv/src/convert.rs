//! linsim-raft's types in the framework's words (the Raft observation API's types),
//! and the framework's membership changes in raft's: the one place the two meet.

use linsim_raft::{
    ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2, ConfState, Entry,
    Message, MessageType, StateType,
};
use linsim_sim::system::{self, Config, LogEntry, Promise, Role, Sent};

/// A role.
pub fn role(state: StateType) -> Role {
    match state {
        StateType::StateFollower => Role::Follower,
        StateType::StateCandidate => Role::Candidate,
        StateType::StateLeader => Role::Leader,
        StateType::StatePreCandidate => Role::PreCandidate,
    }
}

/// A hard state.
pub fn hard_state(hs: linsim_raft::HardState) -> system::HardState {
    system::HardState {
        term: hs.term,
        vote: hs.vote,
        commit: hs.commit,
    }
}

/// A configuration.
pub fn config(cs: &ConfState) -> Config {
    Config {
        voters: cs.voters.clone(),
        learners: cs.learners.clone(),
        voters_outgoing: cs.voters_outgoing.clone(),
        learners_next: cs.learners_next.clone(),
        auto_leave: cs.auto_leave,
    }
}

/// A log entry, as the checks see it.
pub fn entry(e: &Entry) -> LogEntry<'_> {
    LogEntry {
        index: e.index,
        term: e.term,
        data: &e.data,
        conf_change: e.is_conf_change(),
    }
}

/// A message leaving a server, with what it promises about the sender's durable
/// state.
pub fn sent(m: &Message) -> Sent {
    let promise = match m.msg_type {
        MessageType::MsgVoteResp if !m.reject => Promise::VoteGranted,
        MessageType::MsgVote => Promise::VoteRequested,
        MessageType::MsgAppResp if !m.reject => Promise::Appended { index: m.index },
        _ => Promise::Nothing,
    };
    Sent {
        kind: message_name(m.msg_type),
        to: m.to,
        term: m.term,
        promise,
    }
}

fn message_name(t: MessageType) -> &'static str {
    match t {
        MessageType::MsgVoteResp => "MsgVoteResp",
        MessageType::MsgVote => "MsgVote",
        MessageType::MsgAppResp => "MsgAppResp",
        MessageType::MsgApp => "MsgApp",
        MessageType::MsgHeartbeat => "MsgHeartbeat",
        MessageType::MsgHeartbeatResp => "MsgHeartbeatResp",
        MessageType::MsgPreVote => "MsgPreVote",
        MessageType::MsgPreVoteResp => "MsgPreVoteResp",
        MessageType::MsgSnap => "MsgSnap",
        MessageType::MsgProp => "MsgProp",
        MessageType::MsgTimeoutNow => "MsgTimeoutNow",
        MessageType::MsgReadIndex => "MsgReadIndex",
        MessageType::MsgReadIndexResp => "MsgReadIndexResp",
        MessageType::MsgTransferLeader => "MsgTransferLeader",
        _ => "message",
    }
}

/// A membership change, as raft takes it.
pub fn conf_change(cc: &system::ConfChange) -> ConfChangeV2 {
    let transition = match cc.transition {
        system::ConfChangeTransition::Auto => ConfChangeTransition::Auto,
        system::ConfChangeTransition::Implicit => ConfChangeTransition::Implicit,
        system::ConfChangeTransition::Explicit => ConfChangeTransition::Explicit,
    };
    let changes = cc
        .changes
        .iter()
        .map(|c| {
            let t = match c.change_type {
                system::ConfChangeType::AddNode => ConfChangeType::AddNode,
                system::ConfChangeType::RemoveNode => ConfChangeType::RemoveNode,
                system::ConfChangeType::UpdateNode => ConfChangeType::UpdateNode,
                system::ConfChangeType::AddLearnerNode => ConfChangeType::AddLearnerNode,
            };
            ConfChangeSingle::new(t, c.node_id)
        })
        .collect();
    ConfChangeV2::new(transition, changes)
}
