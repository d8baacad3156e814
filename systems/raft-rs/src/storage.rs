//! raft-rs's `Storage` over the server's simulated disk: raft reads its stable log,
//! hard state, configuration and snapshot from what the disk holds durably, and from
//! nothing else.
//!
//! That is exactly raft-rs's contract in the synchronous Ready loop: the server
//! persists a Ready's snapshot, entries and hard state and fsyncs them before it calls
//! `advance` (which is when raft moves them from its unstable log to "stable" and
//! starts reading them from here). So the stable log raft sees is the durable log, and
//! a crash cannot take away anything raft already counts as persisted.

use crate::durable::Stored;
use linsim_sim::disk::DiskHandle;
use raft::eraftpb::{ConfState, Entry, Snapshot};
use raft::{GetEntriesContext, RaftState, Storage, StorageError};

/// raft-rs's storage: a view of one server's durable state.
pub struct DiskStorage {
    disk: DiskHandle<Stored>,
    /// The configuration every server boots with (the initial voters), in force until
    /// a snapshot records another.
    initial: ConfState,
}

impl DiskStorage {
    /// The storage of the server whose disk is `disk`; `voters` are the initial voters.
    pub fn new(disk: DiskHandle<Stored>, voters: impl IntoIterator<Item = u64>) -> DiskStorage {
        let initial = ConfState {
            voters: voters.into_iter().collect(),
            ..ConfState::default()
        };
        DiskStorage { disk, initial }
    }

    /// The disk underneath (for the server's writes).
    pub fn disk(&self) -> &DiskHandle<Stored> {
        &self.disk
    }

    /// The configuration the server restarts with: its durable snapshot's, or the
    /// initial one.
    pub fn conf_state(&self) -> ConfState {
        self.disk.durable(|s| s.conf_state(&self.initial))
    }
}

impl Storage for DiskStorage {
    fn initial_state(&self) -> raft::Result<RaftState> {
        Ok(self.disk.durable(|s| RaftState {
            hard_state: s.hard_state(),
            conf_state: s.conf_state(&self.initial),
        }))
    }

    fn entries(
        &self,
        low: u64,
        high: u64,
        max_size: impl Into<Option<u64>>,
        _context: GetEntriesContext,
    ) -> raft::Result<Vec<Entry>> {
        let max_size = max_size.into();
        self.disk.durable(|s| {
            if low < s.first_index() {
                return Err(raft::Error::Store(StorageError::Compacted));
            }
            // As raft-rs's MemStorage: raft never asks past what it made stable.
            assert!(
                high <= s.last_index() + 1,
                "index out of bound (last: {}, high: {high})",
                s.last_index()
            );
            let mut ents = s.entries(low, high).to_vec();
            raft::util::limit_size(&mut ents, max_size);
            Ok(ents)
        })
    }

    fn term(&self, idx: u64) -> raft::Result<u64> {
        self.disk.durable(|s| match s.term(idx) {
            Some(t) => Ok(t),
            None if idx < s.compacted_to() => Err(raft::Error::Store(StorageError::Compacted)),
            None => Err(raft::Error::Store(StorageError::Unavailable)),
        })
    }

    fn first_index(&self) -> raft::Result<u64> {
        Ok(self.disk.durable(|s| s.first_index()))
    }

    fn last_index(&self) -> raft::Result<u64> {
        Ok(self.disk.durable(|s| s.last_index()))
    }

    /// The durable snapshot, if it reaches `request_index`. A server snapshots (and
    /// compacts) its state machine every `snapshot_every` applied entries and at every
    /// membership change, and the durable snapshot is always at or past the compaction
    /// point, so a follower the log no longer reaches is sent the newest one.
    fn snapshot(&self, request_index: u64, _to: u64) -> raft::Result<Snapshot> {
        self.disk.durable(|s| {
            let snap = s.snapshot();
            if snap.is_empty() || snap.get_metadata().index < request_index {
                return Err(raft::Error::Store(
                    StorageError::SnapshotTemporarilyUnavailable,
                ));
            }
            Ok(snap.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::durable::Writes;
    use linsim_sim::disk::Disks;
    use std::sync::Arc;
    use std::time::Duration;

    fn entry(index: u64, term: u64) -> Entry {
        Entry {
            index,
            term,
            ..Entry::default()
        }
    }

    #[test]
    fn raft_reads_only_what_is_durable() {
        let disk = DiskHandle::<Stored>::open(1, Arc::new(Disks::default()), Duration::ZERO);
        let s = DiskStorage::new(disk.clone(), [1, 2, 3]);
        assert_eq!(s.initial_state().unwrap().conf_state.voters, vec![1, 2, 3]);
        disk.with(|d| d.write_entries(&[entry(1, 1), entry(2, 1), entry(3, 2)]));
        assert_eq!(
            (s.first_index().unwrap(), s.last_index().unwrap()),
            (1, 0),
            "not synced"
        );
        disk.with(|d| d.sync(false));
        assert_eq!(s.last_index().unwrap(), 3);
        assert_eq!(s.term(3).unwrap(), 2);
        let ctx = || GetEntriesContext::empty(false);
        assert_eq!(s.entries(2, 4, None, ctx()).unwrap().len(), 2);
        assert_eq!(
            s.entries(1, 4, Some(0), ctx()).unwrap().len(),
            1,
            "at least one"
        );
        let none = s.snapshot(0, 2);
        assert_eq!(
            none.unwrap_err(),
            raft::Error::Store(StorageError::SnapshotTemporarilyUnavailable)
        );
        let mut snap = Snapshot::default();
        snap.mut_metadata().index = 2;
        snap.mut_metadata().term = 1;
        snap.mut_metadata().mut_conf_state().voters = vec![1, 2];
        disk.with(|d| {
            d.write_compaction(snap, 2);
            d.sync(false)
        });
        assert_eq!(s.first_index().unwrap(), 3);
        assert_eq!(s.term(2).unwrap(), 1, "the compaction point keeps its term");
        assert_eq!(
            s.term(1).unwrap_err(),
            raft::Error::Store(StorageError::Compacted)
        );
        assert_eq!(s.snapshot(2, 2).unwrap().get_metadata().index, 2);
        let state = s.initial_state().unwrap();
        assert_eq!(
            (state.hard_state.commit, state.conf_state.voters),
            (2, vec![1, 2])
        );
    }
}
