//! The consensus side of asynchronous storage writes (see `crate::async_storage` for
//! the whole protocol and how a server drives it).
//!
//! Two rules keep async mode as safe as the synchronous `Ready` contract:
//! - a message that promises durable state (a vote, an append ack, and the
//!   candidate's own vote) waits in `msgs_after_append` and leaves only as a response
//!   of the next MsgStorageAppend, after the append thread synced everything before it;
//! - the leader counts its own log toward a quorum only once a MsgStorageAppendResp
//!   says it is durable (`on_self_progress`), never when it appends. etcd carries this
//!   self-ack as a MsgAppResp to itself among the same responses; here the
//!   MsgStorageAppendResp, which the append thread delivers last, does the same job
//!   through the path the synchronous `advance` already uses.

use super::Raft;
use crate::bugs::RaftBug;
use crate::eraftpb::{Message, MessageType};
use crate::storage::Storage;
use tracing::info;

impl<S: Storage> Raft<S> {
    /// The bugs injected into this node.
    pub(crate) fn bugs(&self) -> crate::bugs::RaftBugs {
        self.bugs
    }

    /// Whether this node runs with asynchronous storage writes.
    pub(crate) fn async_storage_writes(&self) -> bool {
        self.async_storage_writes
    }

    /// Queues an outgoing message in async mode: those that promise durable state wait
    /// for the append thread; the rest (MsgApp, heartbeats, vote requests, ...) may
    /// leave at once, even before this node's own writes are synced.
    pub(super) fn send_async(&mut self, m: Message) {
        if !m.msg_type.needs_durable_state() {
            self.msgs.push(m);
            return;
        }
        if self.bugs.has(RaftBug::AckBeforeAppend) {
            // Bug: released beside the MsgStorageAppend instead of after it.
            self.msgs.push(m);
            return;
        }
        crate::probe!(ResponseHeldUntilDurable);
        self.msgs_after_append.push(m);
    }

    /// In async mode, queues the candidate's own vote (`t` at `term`) to come back as a
    /// response once its term and vote are durable, and returns true; the caller then
    /// must not count it now. A candidate that counted an unsynced vote could win, and
    /// after a crash vote again in the same term for someone else.
    pub(super) fn defer_self_vote(&mut self, t: MessageType, term: u64) -> bool {
        if !self.async_storage_writes || self.bugs.has(RaftBug::AckBeforeAppend) {
            return false;
        }
        crate::probe!(SelfVoteHeldUntilDurable);
        let id = self.id;
        self.msgs_after_append.push(Message {
            msg_type: t,
            to: id,
            from: id,
            term,
            ..Message::default()
        });
        true
    }

    /// Records an apply a storage thread reported (entries applied, or a snapshot
    /// installed) through `Raft::applied_to`, as the synchronous `advance` does: it is
    /// what makes a leader propose leaving a joint configuration entered with
    /// auto-leave, and async mode has no `advance` to do it instead. A snapshot
    /// applied meanwhile may have moved the applied index past these entries.
    fn storage_applied_to(&mut self, index: u64) {
        if self.bugs.has(RaftBug::AsyncAutoLeaveMissed) {
            // Bug: the log's applied index alone; no auto-leave is ever proposed.
            let applied = self.raft_log.applied.max(index);
            self.raft_log.applied_to(applied);
            return;
        }
        self.applied_to(index);
    }

    /// Handles a storage thread's answer: an append is durable, or entries are applied.
    pub(super) fn step_storage_response(&mut self, m: Message) {
        match m.msg_type {
            MessageType::MsgStorageAppendResp => {
                // The snapshot first: while it is pending, the log ends at its index,
                // so entries written after it in the same append could not be matched
                // against the log (and would never count as durable) until it is
                // marked stable.
                if let Some(snap) = &m.snapshot {
                    // A snapshot is committed state: it stays valid across terms.
                    let index = snap.metadata.index;
                    self.raft_log.stable_snap_to(index);
                    self.storage_applied_to(index);
                }
                if m.index != 0 {
                    if m.term < self.term {
                        // The entries it names may have been replaced in the unstable
                        // log since (by a newer leader) while an append of the new ones
                        // is still in flight: marking them stable now could let a read
                        // of storage see the old ones. A later response will do it.
                        crate::probe!(StaleStorageAppendIgnored);
                        info!(
                            "{} [term: {}] ignored entry appends from a {} message with lower term [term: {}]",
                            self.id, self.term, m.msg_type, m.term
                        );
                    } else {
                        self.raft_log.stable_to(m.index, m.log_term);
                    }
                }
                self.on_self_progress();
            }
            MessageType::MsgStorageApplyResp => {
                if let Some(last) = m.entries.last() {
                    self.storage_applied_to(last.index);
                    self.reduce_uncommitted_size(&m.entries);
                }
            }
            other => unreachable!("{other} is not a storage response"),
        }
    }
}
