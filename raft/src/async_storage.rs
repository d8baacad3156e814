//! Asynchronous storage writes, as etcd's `AsyncStorageWrites`: how a server drives a
//! node whose `Config::async_storage_writes` is on.
//!
//! In the synchronous contract a `Ready` is persisted, then its messages sent, then its
//! entries applied, then `advance` is called, all on the raft loop. In async mode the
//! raft loop never waits for the disk: each Ready's writes and applies are *messages*
//! to two local threads (any sequential workers: tasks, actors), and raft learns the
//! work is done when their responses are stepped back in. A leader thereby writes its
//! log in parallel with replicating it (Raft thesis §10.2.1).
//!
//! # Driving a node in async mode
//!
//! 1. Feed inputs as usual (`tick`, `step`, `propose`, `read_index`, ...).
//! 2. While `has_ready()`, take `rd = ready()`. The Ready is accepted at once: do **not**
//!    call `advance` (it is a no-op here), and call `ready` again whenever `has_ready`
//!    says so, even while earlier work is still in flight. Act on `rd.messages` only;
//!    `rd.entries`, `rd.hard_state`, `rd.snapshot` and `rd.committed_entries` mirror
//!    the storage messages, for observation. `rd.soft_state` and `rd.read_states` mean
//!    what they mean synchronously (serve a read once the apply thread has applied up
//!    to its index).
//! 3. Route each message of `rd.messages`, in order (`route` sorts them):
//!    - `to == LOCAL_APPEND_THREAD` (a `MsgStorageAppend`): queue it for the append
//!      thread;
//!    - `to == LOCAL_APPLY_THREAD` (a `MsgStorageApply`): queue it for the apply thread;
//!    - anything else: send it to its peer now. None of these promise durable state
//!      (MsgApp, heartbeats, vote requests, ...), so they need not wait for the disk.
//! 4. The append thread takes its MsgStorageAppends one at a time, in order. For each:
//!    write the hard state (`hard_state_of`, absent when unchanged), the snapshot (if
//!    any: persist it and install it in the state machine), and the entries (replacing
//!    any conflicting suffix); sync; make the same writes visible through the node's
//!    `Storage` (`RawNode::store_mut`); then deliver `m.responses` in order: a response
//!    addressed to this node's id (the `MsgStorageAppendResp`, a candidate's own vote)
//!    is stepped back with `RawNode::step`, any other is sent to its peer. The
//!    responses are the votes and append acks that promise what was just synced
//!    (etcd's `msgsAfterAppend`): releasing one any earlier breaks that promise.
//! 5. The apply thread takes its MsgStorageApplys one at a time, in order: apply
//!    `m.entries` to the state machine, then step each of `m.responses` (all addressed
//!    to this node) back with `RawNode::step`. Raft hands the apply thread only entries
//!    that are committed *and* durable on this node, so the state machine never runs
//!    ahead of the log a restart recovers.
//!
//! The two threads may run concurrently with each other and with the raft loop, and a
//! response may be stepped back at any later time; one that comes back after a term
//! change is handled safely (see `Raft::step` for `MsgStorageAppendResp`). On a crash,
//! everything not yet synced by the append thread is lost, and the node restarts from
//! its storage like any other; the threads' queued work and the responses of the
//! previous incarnation are dropped, never stepped into the new node. A restarted node
//! may run in either mode.
//!
//! Durable-before-send still holds, at a different moment: a vote or append ack leaves
//! a server only among the responses of the append that made it durable, so a checker
//! of that rule looks at messages when the append thread releases them (the peer
//! messages of `rd.messages` promise nothing durable).

use crate::eraftpb::{HardState, Message, MessageType};

/// The id that `MsgStorageAppend` messages are addressed to (and that their
/// `MsgStorageAppendResp` comes from): the local append thread, as etcd's.
pub const LOCAL_APPEND_THREAD: u64 = u64::MAX;

/// The id that `MsgStorageApply` messages are addressed to (and that their
/// `MsgStorageApplyResp` comes from): the local apply thread, as etcd's.
pub const LOCAL_APPLY_THREAD: u64 = u64::MAX - 1;

/// Whether `id` names a local storage thread rather than a node.
pub fn is_local_msg_target(id: u64) -> bool {
    id == LOCAL_APPEND_THREAD || id == LOCAL_APPLY_THREAD
}

/// The hard state a `MsgStorageAppend` asks to persist, if it carries one (its term,
/// vote and commit fields are all zero when the hard state did not change).
pub fn hard_state_of(m: &Message) -> Option<HardState> {
    debug_assert_eq!(m.msg_type, MessageType::MsgStorageAppend);
    let hs = HardState {
        term: m.term,
        vote: m.vote,
        commit: m.commit,
    };
    (!hs.is_empty()).then_some(hs)
}

/// The messages of an async-mode `Ready`, sorted by where they go (step 3 above).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Routed {
    /// `MsgStorageAppend`s for the append thread, in order.
    pub append: Vec<Message>,
    /// `MsgStorageApply`s for the apply thread, in order.
    pub apply: Vec<Message>,
    /// Messages to send to peers now.
    pub peers: Vec<Message>,
}

/// Sorts a Ready's messages for the append thread, the apply thread and the network,
/// keeping their order within each.
pub fn route(messages: Vec<Message>) -> Routed {
    let mut r = Routed::default();
    for m in messages {
        match m.to {
            LOCAL_APPEND_THREAD => r.append.push(m),
            LOCAL_APPLY_THREAD => r.apply.push(m),
            _ => r.peers.push(m),
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to(to: u64, msg_type: MessageType) -> Message {
        Message {
            msg_type,
            to,
            ..Message::default()
        }
    }

    #[test]
    fn route_sorts_by_destination_keeping_order() {
        let r = route(vec![
            to(2, MessageType::MsgApp),
            to(LOCAL_APPEND_THREAD, MessageType::MsgStorageAppend),
            to(3, MessageType::MsgApp),
            to(LOCAL_APPLY_THREAD, MessageType::MsgStorageApply),
        ]);
        let peers: Vec<u64> = r.peers.iter().map(|m| m.to).collect();
        assert_eq!(peers, vec![2, 3]);
        assert_eq!(r.append.len(), 1);
        assert_eq!(r.apply.len(), 1);
    }

    #[test]
    fn hard_state_is_absent_when_unchanged() {
        let mut m = to(LOCAL_APPEND_THREAD, MessageType::MsgStorageAppend);
        assert_eq!(hard_state_of(&m), None);
        m.term = 2;
        m.commit = 5;
        assert_eq!(
            hard_state_of(&m),
            Some(HardState {
                term: 2,
                vote: 0,
                commit: 5
            })
        );
    }
}
