//! The synchronous node API: feed inputs, take a `Ready`, persist and send, `advance`.
//!
//! With `Config::async_storage_writes` the same `RawNode` hands out Readies whose
//! writes travel as messages to local storage threads instead (`async_ready`, and
//! `crate::async_storage` for the protocol); `advance` is then not needed. What a
//! node is (term, role, log indexes, membership, progress) an observer reads through
//! the read-only methods of `inspect`.

mod async_ready;
mod inspect;

use crate::config::Config;
use crate::eraftpb::{ConfChangeI, ConfState, Entry, HardState, Message, MessageType, Snapshot};
use crate::errors::{Error, Result};
use crate::raft::{Raft, SoftState};
use crate::read_only::ReadState;
use crate::status::Status;
use crate::storage::Storage;

/// Everything raft wants done since the last `advance`, as etcd's `Ready`.
///
/// The application must, in this order: persist `hard_state`, `entries` and `snapshot`
/// (and sync them when `must_sync`), then send `messages`, then apply `snapshot` and
/// `committed_entries`, then call `RawNode::advance`. Messages may depend on the
/// persisted state (a vote, an acknowledged entry), so they must not leave first.
/// A read in `read_states` may be served once everything up to its index is applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ready {
    /// The new leader and role, if they changed.
    pub soft_state: Option<SoftState>,
    /// The new term, vote and commit, if they changed.
    pub hard_state: Option<HardState>,
    /// Entries to append to durable storage.
    pub entries: Vec<Entry>,
    /// A snapshot to persist and apply.
    pub snapshot: Option<Snapshot>,
    /// Entries to apply to the state machine (already committed).
    pub committed_entries: Vec<Entry>,
    /// Messages to send once the above is durable.
    pub messages: Vec<Message>,
    /// Whether the writes must be synced to disk before messages go out.
    pub must_sync: bool,
    /// Reads confirmed since the last Ready (see `RawNode::read_index`): serve each
    /// once the applied index reaches its `index`.
    pub read_states: Vec<ReadState>,
}

/// What a `Ready` handed out, remembered until `advance`.
#[derive(Clone, Copy, Debug, Default)]
struct Handed {
    last_entry: Option<(u64, u64)>,
    snapshot_index: Option<u64>,
    applied_to: Option<u64>,
}

/// A raft node driven synchronously by its caller, as etcd's `RawNode`.
pub struct RawNode<S: Storage> {
    /// The state machine (observers read it through the methods of `inspect`).
    pub(crate) raft: Raft<S>,
    prev_soft: SoftState,
    prev_hard: HardState,
    handed: Option<Handed>,
}

impl<S: Storage> RawNode<S> {
    /// A node over `storage`, which holds its membership and durable log.
    pub fn new(config: &Config, storage: S) -> Result<RawNode<S>> {
        let raft = Raft::new(config, storage)?;
        let prev_soft = raft.soft_state();
        let prev_hard = raft.hard_state();
        Ok(RawNode {
            raft,
            prev_soft,
            prev_hard,
            handed: None,
        })
    }

    /// Advances the logical clock by one tick.
    pub fn tick(&mut self) {
        self.raft.tick();
    }

    /// Starts an election now (pre-vote first, if configured).
    pub fn campaign(&mut self) -> Result<()> {
        self.raft.step(Message {
            msg_type: MessageType::MsgHup,
            ..Message::default()
        })
    }

    /// Proposes `data` for the log. `Err(ProposalDropped)` means it surely was not
    /// appended here; `Ok` means it was appended or forwarded, not that it will commit.
    pub fn propose(&mut self, data: impl Into<bytes::Bytes>) -> Result<()> {
        let id = self.raft.id;
        self.raft.step(Message {
            msg_type: MessageType::MsgProp,
            from: id,
            entries: vec![Entry::normal(data)],
            ..Message::default()
        })
    }

    /// Proposes a membership change (`ConfChange` or `ConfChangeV2`). As with
    /// `propose`, `Ok` means appended or forwarded, not committed. The leader accepts
    /// one change at a time: a change proposed while an earlier one is unapplied (or a
    /// change that does not fit the joint state) is appended as an empty normal entry
    /// instead, so it is never applied; the caller sees it commit as `EntryNormal`.
    pub fn propose_conf_change(&mut self, cc: &impl ConfChangeI) -> Result<()> {
        let id = self.raft.id;
        self.raft.step(Message {
            msg_type: MessageType::MsgProp,
            from: id,
            entries: vec![cc.to_entry()],
            ..Message::default()
        })
    }

    /// Applies a committed conf change (decode it with `Entry::conf_change`) and
    /// returns the new membership, which the application must persist with its state
    /// (it is the `ConfState` of its next snapshot, and of its storage's initial state
    /// after a restart). Call it for every committed conf change entry, in log order,
    /// before `advance`. `Err` means the change is not valid in the current
    /// configuration: nothing changed, and every node refuses it alike.
    pub fn apply_conf_change(&mut self, cc: &impl ConfChangeI) -> Result<ConfState> {
        self.raft.apply_conf_change(cc)
    }

    /// Steps a message received from a peer, or a response of a local storage thread
    /// (async storage writes). Other local-only message types are refused.
    pub fn step(&mut self, m: Message) -> Result<()> {
        // Only a storage thread's answer may come from a storage thread (etcd accepts
        // any local type from those ids; a forged MsgHup has no business here).
        let from_storage_thread =
            crate::async_storage::is_local_msg_target(m.from) && m.msg_type.is_storage_response();
        if m.msg_type.is_local() && !from_storage_thread {
            return Err(Error::StepLocalMsg);
        }
        if m.msg_type.is_response()
            && !from_storage_thread
            && !self.raft.trk.progress.contains_key(&m.from)
        {
            return Err(Error::StepPeerNotFound);
        }
        self.raft.step(m)
    }

    /// Asks the leader to hand leadership to `transferee`.
    pub fn transfer_leader(&mut self, transferee: u64) {
        let _ = self.raft.step(Message {
            msg_type: MessageType::MsgTransferLeader,
            from: transferee,
            ..Message::default()
        });
    }

    /// Makes a follower forget its leader, so that it may grant votes before its
    /// election timeout (useful when the application knows the leader is gone).
    pub fn forget_leader(&mut self) -> Result<()> {
        self.raft.step(Message {
            msg_type: MessageType::MsgForgetLeader,
            ..Message::default()
        })
    }

    /// Asks for a linearizable read. `ctx` identifies the read (make it unique): it
    /// comes back in a `ReadState` of a later `Ready`, with the index the application
    /// must have applied before serving the read. The read may be dropped (no leader,
    /// a lost message, a change of leader): the caller retries after a timeout.
    pub fn read_index(&mut self, ctx: impl Into<bytes::Bytes>) {
        let _ = self.raft.step(Message {
            msg_type: MessageType::MsgReadIndex,
            entries: vec![Entry::normal(ctx)],
            ..Message::default()
        });
    }

    /// Reports that the last message to `id` could not be delivered.
    pub fn report_unreachable(&mut self, id: u64) {
        let _ = self.raft.step(Message {
            msg_type: MessageType::MsgUnreachable,
            from: id,
            ..Message::default()
        });
    }

    /// Reports whether the snapshot sent to `id` was installed.
    pub fn report_snapshot(&mut self, id: u64, success: bool) {
        let _ = self.raft.step(Message {
            msg_type: MessageType::MsgSnapStatus,
            from: id,
            reject: !success,
            ..Message::default()
        });
    }

    /// Whether a `Ready` has anything in it.
    pub fn has_ready(&self) -> bool {
        if self.raft.async_storage_writes() {
            return self.has_ready_async();
        }
        let r = &self.raft;
        r.soft_state() != self.prev_soft
            || (r.hard_state() != self.prev_hard && !r.hard_state().is_empty())
            || r.raft_log.unstable.snapshot.is_some()
            || !r.raft_log.unstable.entries.is_empty()
            || !r.msgs.is_empty()
            || r.has_pending_appends()
            || r.raft_log.has_next_committed_entries()
            || !r.read_states.is_empty()
    }

    /// Collects everything to persist, send and apply. Must be followed by `advance`
    /// before the next call (except with async storage writes: see `async_ready`).
    pub fn ready(&mut self) -> Ready {
        if self.raft.async_storage_writes() {
            return self.ready_async();
        }
        assert!(
            self.handed.is_none(),
            "ready() called twice without advance()"
        );
        self.raft.flush_appends();
        let r = &mut self.raft;
        let mut rd = Ready {
            entries: r.raft_log.unstable.entries.clone(),
            snapshot: r.raft_log.unstable.snapshot.clone(),
            committed_entries: r.raft_log.next_committed_entries(),
            messages: std::mem::take(&mut r.msgs),
            // Taken here rather than at `advance`, so that a read confirmed between
            // the two goes out in the next Ready instead of being lost.
            read_states: std::mem::take(&mut r.read_states),
            ..Ready::default()
        };
        self.take_state_changes(&mut rd);
        self.handed = Some(Handed {
            last_entry: rd.entries.last().map(|e| (e.index, e.term)),
            snapshot_index: rd.snapshot.as_ref().map(|s| s.metadata.index),
            applied_to: rd.committed_entries.last().map(|e| e.index),
        });
        // Entries handed out for applying release their share of the uncommitted budget.
        self.raft.reduce_uncommitted_size(&rd.committed_entries);
        rd
    }

    /// Fills in the soft and hard state that changed since the last Ready, and whether
    /// the Ready's writes must be synced.
    fn take_state_changes(&mut self, rd: &mut Ready) {
        let ss = self.raft.soft_state();
        if ss != self.prev_soft {
            rd.soft_state = Some(ss);
            self.prev_soft = ss;
        }
        let hs = self.raft.hard_state();
        if hs != self.prev_hard {
            rd.must_sync = hs.term != self.prev_hard.term || hs.vote != self.prev_hard.vote;
            rd.hard_state = Some(hs);
            self.prev_hard = hs;
        }
        rd.must_sync |= !rd.entries.is_empty() || rd.snapshot.is_some();
    }

    /// Acknowledges the last `Ready`: its writes are durable, its messages sent, its
    /// committed entries applied. A no-op with async storage writes, where the storage
    /// threads' responses acknowledge the work instead.
    pub fn advance(&mut self) {
        let Some(h) = self.handed.take() else {
            return;
        };
        if let Some(i) = h.snapshot_index {
            // An installed snapshot is applied up to its index, as etcd's appliedSnap.
            self.raft.on_persisted_snapshot(i);
            self.raft.applied_to(i);
        }
        if let Some((index, term)) = h.last_entry {
            self.raft.on_persisted(index, term);
        }
        if let Some(i) = h.applied_to {
            self.raft.applied_to(i);
        }
    }

    /// A snapshot of the node's state for display and tests.
    pub fn status(&self) -> Status {
        Status::of(&self.raft)
    }

    /// The storage, for reads.
    pub fn store(&self) -> &S {
        &self.raft.raft_log.storage
    }

    /// The storage, for the application to write what a `Ready` asked it to persist.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.raft.raft_log.storage
    }
}
