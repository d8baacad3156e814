//! Linearizable reads without writing to the log (ReadIndex, Raft thesis §6.4), as
//! etcd's read_only.go.
//!
//! A read is served at a *read index*: the leader's commit index when the read arrived.
//! The application may answer the read once it has applied up to that index. This is
//! linearizable only if the node was the leader when it recorded the index: a deposed
//! leader that does not know it yet would hand out a stale index. So under
//! [`ReadOnlyOption::Safe`] the leader proves it still leads with a round of heartbeats
//! carrying the read's context, and releases the read once a quorum of voters answered
//! that round. Under [`ReadOnlyOption::LeaseBased`] it trusts its lease (CheckQuorum)
//! and answers at once, which is only as safe as the clocks are.
//!
//! This file holds the leader's queue of reads waiting for their heartbeat round; the
//! step logic that feeds it lives in `raft.rs`.

use crate::config::ReadOnlyOption;
use crate::eraftpb::Message;
use bytes::Bytes;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A read the application may now serve: once it has applied up to `index`, the state
/// it sees is at least as new as the state when the read was requested. The caller
/// tells its reads apart by `request_ctx` (give every read a unique one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadState {
    /// The read index: apply up to here, then serve the read.
    pub index: u64,
    /// The context passed to `RawNode::read_index`.
    pub request_ctx: Bytes,
}

/// A read recorded by the leader, waiting for a quorum to confirm its leadership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ReadIndexStatus {
    /// The MsgReadIndex that asked for it (its single entry carries the context; its
    /// `from` says whom to answer).
    pub(crate) req: Message,
    /// The leader's commit index when the read arrived.
    pub(crate) index: u64,
    /// The members that answered a heartbeat carrying this read's context (the leader
    /// counts itself). Learners may be here; only voters count toward the quorum.
    pub(crate) acks: BTreeSet<u64>,
}

/// The leader's pending reads, in arrival order, as etcd's `readOnly`.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReadOnly {
    /// How reads are served.
    pub(crate) option: ReadOnlyOption,
    /// Pending reads by context.
    pending_read_index: BTreeMap<Bytes, ReadIndexStatus>,
    /// Contexts of pending reads, oldest first.
    read_index_queue: VecDeque<Bytes>,
}

impl ReadOnly {
    /// An empty queue serving reads as `option` says.
    pub(crate) fn new(option: ReadOnlyOption) -> ReadOnly {
        ReadOnly {
            option,
            ..ReadOnly::default()
        }
    }

    /// Records a read that arrived when the commit index was `index`. A second read
    /// with a context already pending is ignored: it will be answered with the first.
    pub(crate) fn add_request(&mut self, index: u64, req: Message) {
        let ctx = request_ctx(&req);
        if self.pending_read_index.contains_key(&ctx) {
            return;
        }
        self.pending_read_index.insert(
            ctx.clone(),
            ReadIndexStatus {
                req,
                index,
                acks: BTreeSet::new(),
            },
        );
        self.read_index_queue.push_back(ctx);
    }

    /// Records that `from` answered a heartbeat carrying `ctx`, and returns everyone
    /// who acknowledged that read so far (`None` if no such read is pending: it was
    /// already released, or belongs to an earlier term).
    pub(crate) fn recv_ack(&mut self, from: u64, ctx: &[u8]) -> Option<&BTreeSet<u64>> {
        let rs = self.pending_read_index.get_mut(ctx)?;
        rs.acks.insert(from);
        Some(&rs.acks)
    }

    /// Releases the read whose context `ctx` a quorum acknowledged, together with every
    /// read queued before it: those were recorded earlier, so the same heartbeat round
    /// confirmed the leadership they need too. Returned oldest first.
    pub(crate) fn advance(&mut self, ctx: &[u8]) -> Vec<ReadIndexStatus> {
        let Some(pos) = self.read_index_queue.iter().position(|c| c[..] == *ctx) else {
            return Vec::new();
        };
        self.read_index_queue
            .drain(..=pos)
            .map(|c| {
                self.pending_read_index
                    .remove(&c)
                    .expect("every queued read is pending")
            })
            .collect()
    }

    /// The context of the newest pending read: a heartbeat carrying it confirms every
    /// pending read at once.
    pub(crate) fn last_pending_request_ctx(&self) -> Option<Bytes> {
        self.read_index_queue.back().cloned()
    }

    /// How many reads wait for a quorum (tests).
    #[cfg(test)]
    pub(crate) fn pending_count(&self) -> usize {
        self.read_index_queue.len()
    }
}

/// The context of a MsgReadIndex: the data of its single entry.
pub(crate) fn request_ctx(req: &Message) -> Bytes {
    req.entries
        .first()
        .map(|e| e.data.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eraftpb::{Entry, MessageType};

    fn read(ctx: &'static str) -> Message {
        Message {
            msg_type: MessageType::MsgReadIndex,
            entries: vec![Entry::normal(ctx.as_bytes())],
            ..Message::default()
        }
    }

    #[test]
    fn acks_are_collected_per_read() {
        let mut ro = ReadOnly::new(ReadOnlyOption::Safe);
        ro.add_request(5, read("a"));
        assert_eq!(ro.recv_ack(1, b"a").map(|a| a.len()), Some(1));
        assert_eq!(ro.recv_ack(2, b"a").map(|a| a.len()), Some(2));
        assert_eq!(ro.recv_ack(2, b"a").map(|a| a.len()), Some(2), "idempotent");
        assert!(ro.recv_ack(2, b"unknown").is_none());
    }

    #[test]
    fn advance_releases_the_acked_read_and_everything_before_it() {
        let mut ro = ReadOnly::new(ReadOnlyOption::Safe);
        ro.add_request(5, read("a"));
        ro.add_request(6, read("b"));
        ro.add_request(7, read("c"));
        assert_eq!(ro.last_pending_request_ctx().as_deref(), Some(&b"c"[..]));
        let released: Vec<u64> = ro.advance(b"b").iter().map(|rs| rs.index).collect();
        assert_eq!(released, vec![5, 6]);
        assert_eq!(ro.pending_count(), 1);
        assert!(ro.advance(b"a").is_empty(), "already released");
        assert_eq!(ro.advance(b"c").len(), 1);
        assert_eq!(ro.last_pending_request_ctx(), None);
    }

    #[test]
    fn a_duplicate_context_is_answered_with_the_first_read() {
        let mut ro = ReadOnly::new(ReadOnlyOption::Safe);
        ro.add_request(5, read("a"));
        ro.add_request(9, read("a"));
        assert_eq!(ro.pending_count(), 1);
        assert_eq!(ro.advance(b"a")[0].index, 5);
    }
}
