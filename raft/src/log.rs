//! The replicated log: durable entries (in `Storage`) plus the unstable tail.

use crate::eraftpb::{Entry, Snapshot};
use crate::errors::{Error, Result, StorageError};
use crate::log_unstable::Unstable;
use crate::storage::Storage;
use crate::util::limit_size;

/// The log of one raft node, as etcd's `raftLog`.
///
/// Invariant: `applied <= committed <= last_index()`, and `persisted <= last_index()`.
pub(crate) struct RaftLog<S: Storage> {
    /// Durable entries, written by the application.
    pub(crate) storage: S,
    /// Entries not yet persisted.
    pub(crate) unstable: Unstable,
    /// The highest index known to be committed by a quorum.
    pub(crate) committed: u64,
    /// The highest index handed to the application for applying and acknowledged.
    pub(crate) applied: u64,
    /// The highest index handed to the apply thread (async storage writes only; the
    /// synchronous path hands out from `applied`).
    pub(crate) applying: u64,
    /// The highest index known durable on this node (acknowledged by `advance`).
    pub(crate) persisted: u64,
    /// Byte limit of committed entries returned at once.
    pub(crate) max_next_ents_size: u64,
}

impl<S: Storage> RaftLog<S> {
    /// A log over `storage`, with everything in storage taken as durable and everything
    /// before its first index as committed and applied.
    pub(crate) fn new(storage: S, max_next_ents_size: u64) -> Result<RaftLog<S>> {
        let first = storage.first_index()?;
        let last = storage.last_index()?;
        Ok(RaftLog {
            storage,
            unstable: Unstable::new(last + 1),
            committed: first - 1,
            applied: first - 1,
            applying: first - 1,
            persisted: last,
            max_next_ents_size,
        })
    }

    /// The first index still in the log.
    pub(crate) fn first_index(&self) -> u64 {
        self.unstable.maybe_first_index().unwrap_or_else(|| {
            self.storage
                .first_index()
                .expect("storage must report its first index")
        })
    }

    /// The last index in the log.
    pub(crate) fn last_index(&self) -> u64 {
        self.unstable.maybe_last_index().unwrap_or_else(|| {
            self.storage
                .last_index()
                .expect("storage must report its last index")
        })
    }

    /// The term of the last entry.
    pub(crate) fn last_term(&self) -> u64 {
        self.term(self.last_index())
            .expect("the last entry's term is always available")
    }

    /// The term of the entry at `i`: `Compacted` before the log, `Unavailable` after it.
    pub(crate) fn term(&self, i: u64) -> Result<u64> {
        let dummy = self.first_index() - 1;
        if i < dummy {
            return Err(Error::Store(StorageError::Compacted));
        }
        if i > self.last_index() {
            return Err(Error::Store(StorageError::Unavailable));
        }
        if let Some(t) = self.unstable.maybe_term(i) {
            return Ok(t);
        }
        self.storage.term(i)
    }

    /// Whether the entry at `i` has term `term`.
    pub(crate) fn match_term(&self, i: u64, term: u64) -> bool {
        self.term(i).is_ok_and(|t| t == term)
    }

    /// Follower side of MsgApp: if the entry at `index` has `log_term`, append the
    /// entries (truncating a conflicting suffix), advance commit, and return the index
    /// of the last new entry. `None` means the consistency check failed.
    pub(crate) fn maybe_append(
        &mut self,
        index: u64,
        log_term: u64,
        committed: u64,
        ents: &[Entry],
    ) -> Option<u64> {
        if !self.match_term(index, log_term) {
            return None;
        }
        let last_new = index + ents.len() as u64;
        let conflict = self.find_conflict(ents);
        if conflict != 0 {
            if conflict <= self.last_index() {
                crate::probe!(ConflictingSuffixTruncated);
            }
            if conflict > index + 1 {
                crate::probe!(AppendPartialSuffix);
            }
            assert!(
                conflict > self.committed,
                "entry {} conflicts with committed entry [committed({})]",
                conflict,
                self.committed
            );
            let start = (conflict - (index + 1)) as usize;
            self.append(&ents[start..]);
        }
        if committed > last_new && last_new > self.committed {
            // The leader's commit may cover entries past what this message confirmed;
            // ours could differ there, so commit only what the message proved matching.
            crate::probe!(FollowerCommitBoundedByLastNew);
        }
        self.commit_to(committed.min(last_new));
        Some(last_new)
    }

    /// Appends entries after truncating any conflicting suffix; returns the last index.
    pub(crate) fn append(&mut self, ents: &[Entry]) -> u64 {
        let Some(first) = ents.first() else {
            return self.last_index();
        };
        let after = first.index - 1;
        assert!(
            after >= self.committed,
            "after({}) is out of range [committed({})]",
            after,
            self.committed
        );
        self.persisted = self.persisted.min(after);
        self.unstable.truncate_and_append(ents);
        self.last_index()
    }

    /// The index of the first entry in `ents` whose term differs from ours (or that we
    /// lack); 0 if every entry is already present.
    pub(crate) fn find_conflict(&self, ents: &[Entry]) -> u64 {
        for e in ents {
            if !self.match_term(e.index, e.term) {
                return e.index;
            }
        }
        0
    }

    /// The largest `(index, term)` with `index <= index` and `term <= term`: where a
    /// leader should probe next after a rejection (fast backtracking). A compacted or
    /// unavailable position returns `(index, 0)`.
    pub(crate) fn find_conflict_by_term(&self, mut index: u64, term: u64) -> (u64, u64) {
        loop {
            match self.term(index) {
                Ok(t) if t > term => index -= 1,
                Ok(t) => return (index, t),
                Err(_) => return (index, 0),
            }
        }
    }

    /// Advances the commit index (never backwards). Panics if asked to commit past the
    /// end of the log: that means the log was lost or corrupted.
    pub(crate) fn commit_to(&mut self, to_commit: u64) {
        if self.committed < to_commit {
            assert!(
                self.last_index() >= to_commit,
                "tocommit({}) is out of range [lastIndex({})]. Was the raft log corrupted, truncated, or lost?",
                to_commit,
                self.last_index()
            );
            self.committed = to_commit;
        }
    }

    /// Leader side: commits `max_index` if it is past the commit index and its entry is
    /// of the leader's `term` (Raft §5.4.2: never commit older terms by counting).
    pub(crate) fn maybe_commit(&mut self, max_index: u64, term: u64) -> bool {
        if max_index <= self.committed {
            return false;
        }
        if self.term(max_index).is_ok_and(|t| t == term) {
            self.commit_to(max_index);
            return true;
        }
        // A quorum holds this entry, but it is of an earlier term: counting replicas
        // does not make it safe (Figure 8). It commits with the first entry of ours.
        crate::probe!(CommitRefusedEarlierTerm);
        false
    }

    /// Records that entries up to `i` were applied.
    pub(crate) fn applied_to(&mut self, i: u64) {
        if i == 0 {
            return;
        }
        assert!(
            self.committed >= i && i >= self.applied,
            "applied({}) is out of range [prevApplied({}), committed({})]",
            i,
            self.applied,
            self.committed
        );
        self.applied = i;
        self.applying = self.applying.max(i);
    }

    /// Records that entries up to `(i, t)` are durable.
    pub(crate) fn stable_to(&mut self, i: u64, t: u64) {
        self.unstable.stable_to(i, t);
        if i > self.persisted && self.match_term(i, t) {
            self.persisted = i;
        }
    }

    /// Records that the snapshot at `i` is durable.
    pub(crate) fn stable_snap_to(&mut self, i: u64) {
        self.unstable.stable_snap_to(i);
        self.persisted = self.persisted.max(i);
    }

    /// Whether a candidate with last entry `(lasti, term)` is at least as up to date as
    /// this log (Raft §5.4.1).
    pub(crate) fn is_up_to_date(&self, lasti: u64, term: u64) -> bool {
        term > self.last_term() || (term == self.last_term() && lasti >= self.last_index())
    }

    /// Committed entries not yet applied, up to `max_next_ents_size` bytes.
    pub(crate) fn next_committed_entries(&self) -> Vec<Entry> {
        self.committed_entries_between(self.applied, self.committed)
    }

    /// Committed entries after `after` up to `hi`, up to `max_next_ents_size` bytes.
    pub(crate) fn committed_entries_between(&self, after: u64, hi: u64) -> Vec<Entry> {
        let lo = (after + 1).max(self.first_index());
        if hi + 1 > lo {
            return self
                .slice(lo, hi + 1, self.max_next_ents_size)
                .expect("committed entries are in the log");
        }
        Vec::new()
    }

    /// Whether any committed entries wait to be applied.
    pub(crate) fn has_next_committed_entries(&self) -> bool {
        self.committed > self.applied.max(self.first_index() - 1)
    }

    /// Entries from `i` to the end, limited to `max_size` bytes.
    pub(crate) fn entries(&self, i: u64, max_size: u64) -> Result<Vec<Entry>> {
        if i > self.last_index() {
            return Ok(Vec::new());
        }
        self.slice(i, self.last_index() + 1, max_size)
    }

    /// Every entry in the log (tests).
    #[cfg(test)]
    pub(crate) fn all_entries(&self) -> Vec<Entry> {
        self.entries(self.first_index(), u64::MAX)
            .expect("the whole log is readable")
    }

    /// The snapshot to send or persist: the unstable one if pending, else storage's.
    pub(crate) fn snapshot(&self, request_index: u64) -> Result<Snapshot> {
        if let Some(s) = &self.unstable.snapshot {
            return Ok(s.clone());
        }
        self.storage.snapshot(request_index)
    }

    /// Replaces the log with a snapshot (follower installing one).
    pub(crate) fn restore(&mut self, snap: Snapshot) {
        self.committed = snap.metadata.index;
        self.persisted = self.persisted.min(snap.metadata.index.saturating_sub(1));
        self.unstable.restore(snap);
    }

    /// Entries in `[lo, hi)` from storage and the unstable tail, limited to `max_size`.
    pub(crate) fn slice(&self, lo: u64, hi: u64, max_size: u64) -> Result<Vec<Entry>> {
        let first = self.first_index();
        if lo < first {
            return Err(Error::Store(StorageError::Compacted));
        }
        let upper = self.last_index() + 1;
        assert!(
            lo <= hi && hi <= upper,
            "slice[{lo},{hi}) out of bound [{first},{upper})"
        );
        if lo == hi {
            return Ok(Vec::new());
        }
        let offset = self.unstable.offset;
        let mut ents = if lo < offset {
            let stored = self.storage.entries(lo, hi.min(offset), max_size)?;
            if (stored.len() as u64) < hi.min(offset) - lo {
                // Storage hit the size limit: return what it gave.
                return Ok(stored);
            }
            stored
        } else {
            Vec::new()
        };
        if hi > offset {
            let unstable = self.unstable.slice(lo.max(offset), hi);
            if ents.is_empty() {
                let n = limit_size(unstable, max_size);
                return Ok(unstable[..n].to_vec());
            }
            ents.extend_from_slice(unstable);
        }
        let n = limit_size(&ents, max_size);
        ents.truncate(n);
        Ok(ents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemStorage;

    fn e(index: u64, term: u64) -> Entry {
        Entry {
            index,
            term,
            ..Entry::default()
        }
    }

    fn log_with(terms: &[u64]) -> RaftLog<MemStorage> {
        let mut s = MemStorage::new();
        let ents: Vec<Entry> = terms
            .iter()
            .enumerate()
            .map(|(i, &t)| e(i as u64 + 1, t))
            .collect();
        s.append(&ents);
        RaftLog::new(s, u64::MAX).unwrap()
    }

    #[test]
    fn find_conflict_reports_first_mismatch() {
        let l = log_with(&[1, 2, 3]);
        assert_eq!(l.find_conflict(&[e(1, 1), e(2, 2)]), 0);
        assert_eq!(l.find_conflict(&[e(2, 2), e(3, 3), e(4, 4)]), 4);
        assert_eq!(l.find_conflict(&[e(2, 1), e(3, 4)]), 2);
    }

    #[test]
    fn find_conflict_by_term_skips_higher_terms() {
        let l = log_with(&[1, 1, 4, 4, 4, 6]);
        assert_eq!(l.find_conflict_by_term(6, 5), (5, 4));
        assert_eq!(l.find_conflict_by_term(6, 3), (2, 1));
        assert_eq!(l.find_conflict_by_term(6, 6), (6, 6));
        assert_eq!(l.find_conflict_by_term(6, 0), (0, 0));
    }

    #[test]
    fn maybe_append_truncates_uncommitted_conflicts_only() {
        let mut l = log_with(&[1, 2, 3]);
        l.commit_to(1);
        assert_eq!(l.maybe_append(3, 2, 3, &[e(4, 4)]), None);
        assert_eq!(l.maybe_append(1, 1, 3, &[e(2, 4)]), Some(2));
        assert_eq!(l.last_index(), 2);
        assert_eq!(l.committed, 2);
        assert_eq!(l.persisted, 1, "truncation un-persists the replaced suffix");
    }

    #[test]
    fn maybe_commit_only_counts_current_term() {
        let mut l = log_with(&[1, 1, 2]);
        assert!(!l.maybe_commit(2, 2), "entry 2 is of term 1");
        assert!(l.maybe_commit(3, 2));
        assert_eq!(l.committed, 3);
    }

    #[test]
    fn slice_spans_storage_and_unstable() {
        let mut l = log_with(&[1, 1]);
        l.append(&[e(3, 2), e(4, 2)]);
        let got: Vec<u64> = l
            .slice(2, 5, u64::MAX)
            .unwrap()
            .iter()
            .map(|e| e.index)
            .collect();
        assert_eq!(got, vec![2, 3, 4]);
        assert_eq!(l.slice(1, 5, 30).unwrap().len(), 1);
    }
}
