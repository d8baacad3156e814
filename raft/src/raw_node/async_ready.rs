//! `Ready` with asynchronous storage writes: the writes and applies of each Ready are
//! messages to the local append and apply threads (`crate::async_storage`).
//!
//! Unlike the synchronous path, a Ready is accepted the moment it is handed out: what
//! it carries is marked in progress (`Unstable::accept_in_progress`, the log's
//! `applying` index), so the next Ready carries only what is new, and no `advance` is
//! needed. Work becomes done only when a storage thread's response is stepped back.

use super::{RawNode, Ready};
use crate::async_storage::{LOCAL_APPEND_THREAD, LOCAL_APPLY_THREAD};
use crate::bugs::RaftBug;
use crate::eraftpb::{Entry, Message, MessageType};
use crate::storage::Storage;

impl<S: Storage> RawNode<S> {
    /// `has_ready` in async mode: new (not in-progress) work, or messages to release.
    pub(super) fn has_ready_async(&self) -> bool {
        let r = &self.raft;
        let hs = r.hard_state();
        let unstable = &r.raft_log.unstable;
        r.soft_state() != self.prev_soft
            || (hs != self.prev_hard && !hs.is_empty())
            || unstable.next_snapshot().is_some()
            || !unstable.next_entries().is_empty()
            || !r.msgs.is_empty()
            || !r.msgs_after_append.is_empty()
            || r.has_pending_appends()
            || self.appliable_index() > r.raft_log.applying
            || !r.read_states.is_empty()
    }

    /// The highest index the apply thread may be given: committed, and durable here.
    ///
    /// A leader may learn an entry is committed from its followers' acks before its own
    /// append of it is durable; applying it then could leave the state machine ahead of
    /// the log this node restarts from. Nothing is applied while a snapshot is pending:
    /// the entries after it wait for it to be installed.
    fn appliable_index(&self) -> u64 {
        let log = &self.raft.raft_log;
        if log.unstable.snapshot.is_some() {
            return log.applying;
        }
        if self.raft.bugs().has(RaftBug::ApplyBeforeDurable) {
            // Bug: everything committed, durable here or not.
            return log.committed;
        }
        log.committed.min(log.persisted)
    }

    /// `ready` in async mode: hands out the new work as storage messages and accepts it.
    pub(super) fn ready_async(&mut self) -> Ready {
        self.raft.flush_appends();
        let appliable = self.appliable_index();
        let log = &self.raft.raft_log;
        if log.committed > appliable && log.committed > log.applying {
            crate::probe!(ApplyHeldUntilDurable);
        }
        let committed_entries = log.committed_entries_between(log.applying, appliable);
        let r = &mut self.raft;
        let mut rd = Ready {
            entries: r.raft_log.unstable.next_entries().to_vec(),
            snapshot: r.raft_log.unstable.next_snapshot().cloned(),
            committed_entries,
            messages: std::mem::take(&mut r.msgs),
            read_states: std::mem::take(&mut r.read_states),
            ..Ready::default()
        };
        self.take_state_changes(&mut rd);
        if let Some(m) = self.storage_append_msg(&rd) {
            rd.messages.push(m);
        }
        if let Some(last) = rd.committed_entries.last() {
            self.raft.raft_log.applying = last.index;
            rd.messages
                .push(self.storage_apply_msg(&rd.committed_entries));
        }
        self.raft.raft_log.unstable.accept_in_progress();
        rd
    }

    /// The MsgStorageAppend for `rd`, if it has anything to persist or any message
    /// waits for durability. Its responses are the held votes and acks, then (when
    /// unstable state is in flight) a MsgStorageAppendResp back to raft.
    fn storage_append_msg(&mut self, rd: &Ready) -> Option<Message> {
        let r = &mut self.raft;
        if rd.entries.is_empty()
            && rd.hard_state.is_none()
            && rd.snapshot.is_none()
            && r.msgs_after_append.is_empty()
        {
            return None;
        }
        let mut m = Message {
            msg_type: MessageType::MsgStorageAppend,
            to: LOCAL_APPEND_THREAD,
            from: r.id,
            entries: rd.entries.clone(),
            snapshot: rd.snapshot.clone().map(Box::new),
            responses: std::mem::take(&mut r.msgs_after_append),
            ..Message::default()
        };
        if let Some(hs) = rd.hard_state {
            (m.term, m.vote, m.commit) = (hs.term, hs.vote, hs.commit);
        }
        let unstable_entries = !r.raft_log.unstable.entries.is_empty();
        if unstable_entries || rd.snapshot.is_some() {
            let mut resp = Message {
                msg_type: MessageType::MsgStorageAppendResp,
                to: r.id,
                from: LOCAL_APPEND_THREAD,
                // An answer from an earlier term is not trusted to mark entries stable.
                term: r.term,
                snapshot: rd.snapshot.clone().map(Box::new),
                ..Message::default()
            };
            if unstable_entries {
                // The whole unstable tail, not only this Ready's entries: an earlier
                // append's answer may have been dropped after a term change, and this
                // one attests at the current term that the tail is as written.
                resp.index = r.raft_log.last_index();
                resp.log_term = r.raft_log.last_term();
            }
            m.responses.push(resp);
        }
        Some(m)
    }

    /// The MsgStorageApply for `ents`, answered by a MsgStorageApplyResp naming them.
    fn storage_apply_msg(&self, ents: &[Entry]) -> Message {
        let id = self.raft.id;
        Message {
            msg_type: MessageType::MsgStorageApply,
            to: LOCAL_APPLY_THREAD,
            from: id,
            entries: ents.to_vec(),
            responses: vec![Message {
                msg_type: MessageType::MsgStorageApplyResp,
                to: id,
                from: LOCAL_APPLY_THREAD,
                entries: ents.to_vec(),
                ..Message::default()
            }],
            ..Message::default()
        }
    }
}
