//! linsim-raft: an etcd-style Raft consensus state machine, written fresh in Rust.
//!
//! The core (`Raft`) is a pure state machine: no I/O, no clocks, no threads. Time is
//! `tick()`; everything else is a `Message` passed to `step()`. What the application
//! must persist, send and apply comes out of `RawNode::ready()` and is acknowledged with
//! `RawNode::advance()`. Storage is read-only to raft: the application writes it.
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

#![warn(missing_docs)]

pub mod async_storage;
pub mod bugs;
pub mod config;
pub mod describe;
pub mod eraftpb;
pub mod errors;
pub mod log;
pub mod log_unstable;
pub mod node;
pub mod probes;
pub mod quorum;
pub mod raft;
pub mod raw_node;
pub mod read_only;
pub mod shared_storage;
pub mod status;
pub mod storage;
pub mod tracker;
pub mod util;

pub use async_storage::{LOCAL_APPEND_THREAD, LOCAL_APPLY_THREAD};
pub use bugs::{RaftBug, RaftBugs};
pub use config::{Config, ReadOnlyOption};
pub use eraftpb::{
    ConfState, Entry, EntryType, HardState, Message, MessageType, Snapshot, SnapshotMetadata,
};
pub use errors::{Error, Result, StorageError};
pub use node::{Node, ReadyStream};
pub use raft::{Raft, SoftState, StateType, NONE};
pub use raw_node::{RawNode, Ready};
pub use read_only::ReadState;
pub use shared_storage::SharedStorage;
pub use status::Status;
pub use storage::{MemStorage, RaftState, Storage};
