//! linsim-raft: an etcd-style Raft consensus state machine, written fresh in Rust.
//!
//! The core (`Raft`, internal to the crate) is a pure state machine: no I/O, no
//! clocks, no threads. Time is `tick()`; everything else is a `Message` passed to
//! `step()`. What the application must persist, send and apply comes out of
//! `RawNode::ready()` and is acknowledged with `RawNode::advance()`. Storage is
//! read-only to raft: the application writes it. An observer (an invariant checker, a
//! tracer) reads a node's state through `RawNode`'s read-only inspection methods
//! (`term`, `role`, `committed`, `term_at`, `conf_state`, `progress`, ...).
//!
//! Modelled on etcd's raft package: the same roles (`StateType`), the same 24 message
//! types with etcd's numbers (`MessageType`), the same Message and Entry fields, PreVote,
//! CheckQuorum, Probe/Replicate/Snapshot flow control with an inflight window, fast log
//! backtracking, proposal forwarding, leadership transfer, and linearizable reads
//! through ReadIndex (`RawNode::read_index`, answered in `Ready::read_states`).
//!
//! Two ways to drive a node: `RawNode` on the caller's loop, or `Node`, an async handle
//! to a `RawNode` in a task of its own (runtime-agnostic: it runs under madsim). Either
//! may use asynchronous storage writes (`Config::async_storage_writes`, see
//! `async_storage`), where appends and applies run off the raft loop.
//!
//! ```
//! use linsim_raft::{Config, MemStorage, RawNode, StateType};
//!
//! let mut node = RawNode::new(&Config::new(1), MemStorage::new_with_voters([1])).unwrap();
//! node.campaign().unwrap();
//! assert_eq!(node.status().soft_state.raft_state, StateType::StateLeader);
//! node.propose(b"hello".to_vec()).unwrap();
//! // Persist, send, apply, advance until the proposal is applied.
//! let mut applied = Vec::new();
//! while node.has_ready() {
//!     let rd = node.ready();
//!     if let Some(hs) = rd.hard_state {
//!         node.store_mut().set_hard_state(hs);
//!     }
//!     node.store_mut().append(&rd.entries);
//!     applied.extend(rd.committed_entries.into_iter().filter(|e| !e.data.is_empty()));
//!     node.advance();
//! }
//! assert_eq!(&applied[0].data[..], b"hello");
//! ```
//!
//! # Membership changes
//!
//! Membership changes travel through the log, as in etcd (module `confchange` holds
//! the transitions, `quorum::joint` the joint quorum arithmetic). A server drives them
//! in three steps:
//!
//! 1. **Propose** a `ConfChange` (one node) or a `ConfChangeV2` (any number, through a
//!    joint configuration: `ConfChangeTransition::Auto` uses one only when more than one
//!    change is asked, `Implicit` always and leaves it automatically, `Explicit` always
//!    and waits for the empty `ConfChangeV2::leave()`) with
//!    `RawNode::propose_conf_change`. The leader accepts one change at a time: a change
//!    proposed while an earlier one is unapplied, or one that does not fit the joint
//!    state, is appended as an empty normal entry instead (as etcd does), so a server
//!    that waits for its change must treat a commit of its index that is not a conf
//!    change as "refused" and retry.
//! 2. **Apply on commit**: for every entry of `Ready::committed_entries`, in order,
//!    `Entry::conf_change()` says whether it is a change (`Some(Ok(cc))`); pass `cc` to
//!    `RawNode::apply_conf_change`, which returns the new `ConfState` (or an error, the
//!    same on every node, if the change does not fit: then nothing changed). Never apply
//!    a change when it is appended (`Ready::entries`): it may still be truncated. A
//!    joint configuration entered with auto-leave is left by the leader by itself once
//!    it is reported applied (by `advance`, or with async storage writes by the apply
//!    thread's response); followers apply that entry like any other.
//! 3. **Persist the `ConfState` with a snapshot**, so that after a restart every change
//!    is applied exactly once, on top of the membership it was made for. Raft takes a
//!    node's membership from its storage's snapshot (`Storage::initial_state`) and
//!    hands out for applying only the entries after it (or after `Config::applied`).
//!    So the membership is recorded only with a snapshot created at the applied index,
//!    together with the state machine as of that same index
//!    (`MemStorage::create_snapshot(index, Some(cs), data)`), never on its own: a
//!    leader ships its latest snapshot, with that snapshot's index, to a follower
//!    behind its compacted log, which then applies the entries after that index on
//!    top of the snapshot's membership; a membership from a later index would have it
//!    apply the changes in between a second time. A server that replays its log from
//!    its last snapshot when it restarts (`Config::applied` 0) needs nothing more:
//!    the replay applies the later changes again, in order. A server that restarts
//!    with its persisted applied index (`Config::applied` = A) is not handed the
//!    entries up to A again, so its last snapshot must already hold the membership as
//!    of A: no conf change may lie between that snapshot and A. It creates a snapshot
//!    at the index of every conf change it applies (or at A whenever it persists A).
//!    Snapshots carry joint configurations whole, and a node restoring one
//!    (installing one from its leader, or `RawNode::new` over storage holding one)
//!    rebuilds both halves.
//!
//! A new node boots with the cluster's initial membership
//! (`MemStorage::new_with_conf_state`: it replays every change from index 1) or with
//! an empty one (the leader then sends it a snapshot). It is not a
//! voter until a change makes it one, so it never campaigns before. A removed leader
//! steps down if `Config::step_down_on_removal` is set, otherwise it keeps leading
//! (and dropping proposals) until a leader of a higher term deposes it; a removed node
//! that never learns of its removal keeps campaigning with the old membership, so a
//! server should stop a node once its removal is applied. A node does not campaign
//! while a committed change is unapplied.
//!
//! ```
//! use linsim_raft::{ConfChange, ConfChangeType, Config, MemStorage, RawNode};
//!
//! let mut node = RawNode::new(&Config::new(1), MemStorage::new_with_voters([1])).unwrap();
//! node.campaign().unwrap();
//! let add_learner = ConfChange {
//!     change_type: ConfChangeType::AddLearnerNode,
//!     node_id: 2,
//!     ..ConfChange::default()
//! };
//! let mut proposed = false;
//! while node.has_ready() {
//!     let rd = node.ready();
//!     if let Some(hs) = rd.hard_state {
//!         node.store_mut().set_hard_state(hs);
//!     }
//!     node.store_mut().append(&rd.entries);
//!     for e in &rd.committed_entries {
//!         if let Some(cc) = e.conf_change() {
//!             let cs = node.apply_conf_change(&cc.unwrap()).unwrap();
//!             // Step 3: the new membership is recorded with a snapshot at the
//!             // change's own index, beside the state machine as of that index (this
//!             // example's state machine holds nothing).
//!             let state_machine = Vec::new();
//!             node.store_mut()
//!                 .create_snapshot(e.index, Some(cs), state_machine)
//!                 .unwrap();
//!         }
//!     }
//!     node.advance();
//!     if !proposed && node.applied() >= 1 {
//!         // The leader's empty entry is applied: conf changes are accepted now.
//!         node.propose_conf_change(&add_learner).unwrap();
//!         proposed = true;
//!     }
//! }
//! assert_eq!(node.status().config.learners, vec![2]);
//! ```

#![warn(missing_docs)]

pub mod async_storage;
#[cfg(feature = "bugs")]
pub mod bugs;
#[cfg(not(feature = "bugs"))]
mod bugs;
pub mod confchange;
pub mod config;
pub mod describe;
pub mod eraftpb;
pub mod errors;
mod log;
mod log_unstable;
pub mod node;
pub mod probes;
pub mod quorum;
pub mod raft;
pub mod raw_node;
mod read_only;
pub mod shared_storage;
pub mod status;
pub mod storage;
pub mod tracker;
mod util;

#[cfg(test)]
mod tests;

pub use async_storage::{LOCAL_APPEND_THREAD, LOCAL_APPLY_THREAD};
#[cfg(feature = "bugs")]
pub use bugs::{RaftBug, RaftBugs};
pub use confchange::ConfChangeError;
pub use config::{Config, ReadOnlyOption};
pub use eraftpb::{
    ConfChange, ConfChangeDecodeError, ConfChangeI, ConfChangeSingle, ConfChangeTransition,
    ConfChangeType, ConfChangeV2, ConfState, Entry, EntryType, HardState, Message, MessageType,
    Snapshot, SnapshotMetadata,
};
pub use errors::{Error, Result, StorageError};
pub use node::{Node, ReadyStream};
pub use raft::{SoftState, StateType, NONE};
pub use raw_node::{RawNode, Ready};
pub use read_only::ReadState;
pub use shared_storage::SharedStorage;
pub use status::Status;
pub use storage::{MemStorage, RaftState, Storage};
