//! A `Storage` shared between a raft node and the application that writes it.
//!
//! `RawNode` owns its storage, and a synchronous driver writes it through
//! `RawNode::store_mut`. A `Node` runs its `RawNode` in a task of its own, so the
//! application keeps a clone of a `SharedStorage` instead and writes through `lock`,
//! as etcd's applications share a `MemoryStorage` (which has a mutex inside).

use crate::eraftpb::{Entry, Snapshot};
use crate::errors::Result;
use crate::storage::{RaftState, Storage};
use std::sync::{Arc, Mutex, MutexGuard};

/// A storage behind a mutex, cheap to clone; every clone is the same storage.
#[derive(Debug, Default)]
pub struct SharedStorage<S>(Arc<Mutex<S>>);

impl<S> Clone for SharedStorage<S> {
    fn clone(&self) -> SharedStorage<S> {
        SharedStorage(self.0.clone())
    }
}

impl<S: Storage> SharedStorage<S> {
    /// Shares `storage`.
    pub fn new(storage: S) -> SharedStorage<S> {
        SharedStorage(Arc::new(Mutex::new(storage)))
    }

    /// Locks the storage, for the application to write what raft asked it to persist.
    /// Never hold the guard across an `.await`: the node's task reads the storage too.
    pub fn lock(&self) -> MutexGuard<'_, S> {
        self.0
            .lock()
            .expect("storage mutex poisoned: a writer panicked while holding it")
    }
}

impl<S: Storage> Storage for SharedStorage<S> {
    fn initial_state(&self) -> Result<RaftState> {
        self.lock().initial_state()
    }

    fn entries(&self, lo: u64, hi: u64, max_size: u64) -> Result<Vec<Entry>> {
        self.lock().entries(lo, hi, max_size)
    }

    fn term(&self, idx: u64) -> Result<u64> {
        self.lock().term(idx)
    }

    fn first_index(&self) -> Result<u64> {
        self.lock().first_index()
    }

    fn last_index(&self) -> Result<u64> {
        self.lock().last_index()
    }

    fn snapshot(&self, request_index: u64) -> Result<Snapshot> {
        self.lock().snapshot(request_index)
    }
}
