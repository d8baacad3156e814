//! The read-only view raft has of durable state, and an in-memory implementation.
//!
//! Raft only reads storage. The application writes to it after persisting what a
//! `Ready` asked for (entries, hard state, snapshot).

use crate::eraftpb::{ConfState, Entry, HardState, Snapshot};
use crate::errors::{Error, Result, StorageError};
use crate::util::limit_size;

/// The durable state raft starts from: hard state and membership.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RaftState {
    /// Term, vote and commit as last persisted.
    pub hard_state: HardState,
    /// The membership as last persisted.
    pub conf_state: ConfState,
}

/// What raft needs to read of the durable log. As etcd's `raft.Storage`.
pub trait Storage {
    /// The persisted hard state and membership.
    fn initial_state(&self) -> Result<RaftState>;
    /// Entries in `[lo, hi)`, limited to `max_size` bytes (at least one entry if any).
    fn entries(&self, lo: u64, hi: u64, max_size: u64) -> Result<Vec<Entry>>;
    /// The term of the entry at `idx`, which must be in `[first_index - 1, last_index]`.
    fn term(&self, idx: u64) -> Result<u64>;
    /// The index of the first entry still available (older ones are in a snapshot).
    fn first_index(&self) -> Result<u64>;
    /// The index of the last entry in the log.
    fn last_index(&self) -> Result<u64>;
    /// The most recent snapshot, at least as new as `request_index`.
    fn snapshot(&self, request_index: u64) -> Result<Snapshot>;
}

/// An in-memory `Storage`, as etcd's `MemoryStorage`. `entries[0]` is a dummy entry
/// whose index and term are those of the last compacted (snapshotted) entry.
#[derive(Clone, Debug)]
pub struct MemStorage {
    hard_state: HardState,
    snapshot: Snapshot,
    entries: Vec<Entry>,
}

impl Default for MemStorage {
    fn default() -> MemStorage {
        MemStorage {
            hard_state: HardState::default(),
            snapshot: Snapshot::default(),
            entries: vec![Entry::default()],
        }
    }
}

impl MemStorage {
    /// An empty storage with no membership.
    pub fn new() -> MemStorage {
        MemStorage::default()
    }

    /// An empty storage whose membership is the given voters: the usual way to boot a
    /// fresh cluster.
    pub fn new_with_voters(voters: impl IntoIterator<Item = u64>) -> MemStorage {
        MemStorage::new_with_conf_state(ConfState::from_voters(voters))
    }

    /// An empty storage whose membership is `cs` (voters, learners, even a joint
    /// configuration): a cluster's initial membership, before index 1. It is the
    /// ConfState of the empty snapshot at index 0, so it can never disagree with that
    /// snapshot's index or data (as etcd's `newTestMemoryStorage(withPeers(..),
    /// withLearners(..))`).
    pub fn new_with_conf_state(cs: ConfState) -> MemStorage {
        let mut s = MemStorage::new();
        s.snapshot.metadata.conf_state = cs;
        s
    }

    /// The persisted hard state.
    pub fn hard_state(&self) -> HardState {
        self.hard_state
    }

    /// Records a persisted hard state.
    pub fn set_hard_state(&mut self, hs: HardState) {
        self.hard_state = hs;
    }

    fn offset(&self) -> u64 {
        self.entries[0].index
    }

    fn last(&self) -> u64 {
        self.offset() + self.entries.len() as u64 - 1
    }

    /// Appends entries, truncating any existing suffix that they overlap. Entries
    /// already compacted are skipped. Panics on a gap: that is a caller bug.
    pub fn append(&mut self, ents: &[Entry]) {
        let Some(first_new) = ents.first().map(|e| e.index) else {
            return;
        };
        let first = self.offset() + 1;
        let last_new = first_new + ents.len() as u64 - 1;
        if last_new < first {
            return;
        }
        let ents = if first > first_new {
            &ents[(first - first_new) as usize..]
        } else {
            ents
        };
        let start = ents[0].index - self.offset();
        assert!(
            start <= self.entries.len() as u64,
            "missing log entry [last: {}, append at: {}]",
            self.last(),
            ents[0].index
        );
        self.entries.truncate(start as usize);
        self.entries.extend_from_slice(ents);
    }

    /// Discards entries up to and including `compact_index`, which must be applied by
    /// the caller (normally after `create_snapshot`).
    pub fn compact(&mut self, compact_index: u64) -> Result<()> {
        if compact_index <= self.offset() {
            return Err(Error::Store(StorageError::Compacted));
        }
        assert!(
            compact_index <= self.last(),
            "compact {} is out of bound lastindex({})",
            compact_index,
            self.last()
        );
        let i = (compact_index - self.offset()) as usize;
        let dummy = Entry {
            index: self.entries[i].index,
            term: self.entries[i].term,
            ..Entry::default()
        };
        self.entries.drain(..i);
        self.entries[0] = dummy;
        Ok(())
    }

    /// Replaces the whole log with a snapshot received from the leader.
    pub fn apply_snapshot(&mut self, snap: Snapshot) -> Result<()> {
        if self.snapshot.metadata.index >= snap.metadata.index {
            return Err(Error::Store(StorageError::SnapOutOfDate));
        }
        self.entries = vec![Entry {
            index: snap.metadata.index,
            term: snap.metadata.term,
            ..Entry::default()
        }];
        if self.hard_state.commit < snap.metadata.index {
            self.hard_state.commit = snap.metadata.index;
        }
        self.snapshot = snap;
        Ok(())
    }

    /// Records a snapshot of the state machine at `index` (which must be applied):
    /// `data` is the state machine as of `index`, and `conf_state` the membership as of
    /// `index` (`None` keeps the previous snapshot's, right only if no conf change was
    /// applied after it). Index, data and membership travel together: a leader ships
    /// this snapshot to a follower that lacks the entries up to `index`, and that
    /// follower then applies the entries after `index` on top of this membership, so
    /// a membership from any other index would have it apply some changes twice, or
    /// miss them.
    ///
    /// There is deliberately no way to change the stored membership alone (etcd's
    /// `MemoryStorage` has none either): a server records each new membership with
    /// the next snapshot it creates at its applied index.
    pub fn create_snapshot(
        &mut self,
        index: u64,
        conf_state: Option<ConfState>,
        data: impl Into<bytes::Bytes>,
    ) -> Result<Snapshot> {
        if index <= self.snapshot.metadata.index {
            return Err(Error::Store(StorageError::SnapOutOfDate));
        }
        assert!(
            index <= self.last(),
            "snapshot {} is out of bound lastindex({})",
            index,
            self.last()
        );
        self.snapshot.metadata.index = index;
        self.snapshot.metadata.term = self.entries[(index - self.offset()) as usize].term;
        if let Some(cs) = conf_state {
            self.snapshot.metadata.conf_state = cs;
        }
        self.snapshot.data = data.into();
        Ok(self.snapshot.clone())
    }
}

impl Storage for MemStorage {
    fn initial_state(&self) -> Result<RaftState> {
        Ok(RaftState {
            hard_state: self.hard_state,
            conf_state: self.snapshot.metadata.conf_state.clone(),
        })
    }

    fn entries(&self, lo: u64, hi: u64, max_size: u64) -> Result<Vec<Entry>> {
        let offset = self.offset();
        if lo <= offset {
            return Err(Error::Store(StorageError::Compacted));
        }
        if hi > self.last() + 1 {
            return Err(Error::Store(StorageError::Unavailable));
        }
        let slice = &self.entries[(lo - offset) as usize..(hi - offset) as usize];
        let n = limit_size(slice, max_size);
        Ok(slice[..n].to_vec())
    }

    fn term(&self, idx: u64) -> Result<u64> {
        let offset = self.offset();
        if idx < offset {
            return Err(Error::Store(StorageError::Compacted));
        }
        if idx > self.last() {
            return Err(Error::Store(StorageError::Unavailable));
        }
        Ok(self.entries[(idx - offset) as usize].term)
    }

    fn first_index(&self) -> Result<u64> {
        Ok(self.offset() + 1)
    }

    fn last_index(&self) -> Result<u64> {
        Ok(self.last())
    }

    fn snapshot(&self, _request_index: u64) -> Result<Snapshot> {
        Ok(self.snapshot.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ents(spec: &[(u64, u64)]) -> Vec<Entry> {
        spec.iter()
            .map(|&(index, term)| Entry {
                index,
                term,
                ..Entry::default()
            })
            .collect()
    }

    fn storage_with(spec: &[(u64, u64)]) -> MemStorage {
        MemStorage {
            entries: ents(spec),
            ..MemStorage::default()
        }
    }

    #[test]
    fn term_reports_compacted_and_unavailable() {
        let s = storage_with(&[(3, 3), (4, 4), (5, 5)]);
        assert_eq!(s.term(2), Err(Error::Store(StorageError::Compacted)));
        assert_eq!(s.term(3), Ok(3));
        assert_eq!(s.term(5), Ok(5));
        assert_eq!(s.term(6), Err(Error::Store(StorageError::Unavailable)));
    }

    #[test]
    fn entries_respects_bounds_and_size() {
        let mut s = storage_with(&[(3, 3), (4, 4), (5, 5), (6, 6)]);
        for e in &mut s.entries {
            e.data = vec![0; 10].into();
        }
        assert_eq!(
            s.entries(3, 4, u64::MAX),
            Err(Error::Store(StorageError::Compacted))
        );
        assert_eq!(s.entries(4, 7, u64::MAX).unwrap().len(), 3);
        assert_eq!(s.entries(4, 7, 0).unwrap().len(), 1, "at least one entry");
        assert_eq!(s.entries(4, 7, 68).unwrap().len(), 2);
        assert_eq!(
            s.entries(4, 8, u64::MAX),
            Err(Error::Store(StorageError::Unavailable))
        );
    }

    #[test]
    fn append_truncates_conflicts_and_skips_compacted() {
        let mut s = storage_with(&[(3, 3), (4, 4), (5, 5)]);
        s.append(&ents(&[(4, 6), (5, 6)]));
        assert_eq!(s.entries, ents(&[(3, 3), (4, 6), (5, 6)]));
        s.append(&ents(&[(2, 3), (3, 3), (4, 6), (5, 6), (6, 6)]));
        assert_eq!(s.entries, ents(&[(3, 3), (4, 6), (5, 6), (6, 6)]));
        s.append(&ents(&[(7, 7)]));
        assert_eq!(s.last_index(), Ok(7));
    }

    #[test]
    fn compact_and_snapshot_move_the_dummy_entry() {
        let mut s = storage_with(&[(3, 3), (4, 4), (5, 5)]);
        assert_eq!(s.compact(3), Err(Error::Store(StorageError::Compacted)));
        s.compact(4).unwrap();
        assert_eq!(s.first_index(), Ok(5));
        assert_eq!(s.term(4), Ok(4));
        let snap = s
            .create_snapshot(5, Some(ConfState::from_voters([1, 2, 3])), b"sm".to_vec())
            .unwrap();
        assert_eq!((snap.metadata.index, snap.metadata.term), (5, 5));
        let mut other = MemStorage::new();
        other.apply_snapshot(snap.clone()).unwrap();
        assert_eq!(other.first_index(), Ok(6));
        assert_eq!(other.last_index(), Ok(5));
        assert_eq!(other.hard_state().commit, 5);
        assert_eq!(
            other.apply_snapshot(snap),
            Err(Error::Store(StorageError::SnapOutOfDate))
        );
    }
}
