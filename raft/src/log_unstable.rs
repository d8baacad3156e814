//! Entries and a snapshot that raft holds but the application has not yet persisted.

use crate::eraftpb::{Entry, Snapshot};

/// The not-yet-durable tail of the log, as etcd's `unstable`. `entries[i]` has log index
/// `offset + i`. A pending snapshot, if any, precedes all entries.
///
/// With asynchronous storage writes, entries and the snapshot may be handed to the
/// append thread (in progress) and still be unstable until its response comes back:
/// `offset_in_progress` and `snapshot_in_progress` say what was handed out already, so
/// the next `Ready` carries only what is new. The synchronous path never reads them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Unstable {
    /// A snapshot received from the leader, waiting to be persisted.
    pub(crate) snapshot: Option<Snapshot>,
    /// Entries waiting to be persisted.
    pub(crate) entries: Vec<Entry>,
    /// The log index of `entries[0]`.
    pub(crate) offset: u64,
    /// The first index not yet handed to the append thread (async storage writes):
    /// entries in `[offset, offset_in_progress)` are being written.
    pub(crate) offset_in_progress: u64,
    /// Whether the snapshot was handed to the append thread (async storage writes).
    pub(crate) snapshot_in_progress: bool,
}

impl Unstable {
    /// An empty unstable log whose next entry will be at `offset`.
    pub(crate) fn new(offset: u64) -> Unstable {
        Unstable {
            offset,
            offset_in_progress: offset,
            ..Unstable::default()
        }
    }

    /// The entries not yet handed to the append thread.
    pub(crate) fn next_entries(&self) -> &[Entry] {
        let start = self.offset_in_progress.max(self.offset) - self.offset;
        &self.entries[(start as usize).min(self.entries.len())..]
    }

    /// The snapshot, if it was not yet handed to the append thread.
    pub(crate) fn next_snapshot(&self) -> Option<&Snapshot> {
        self.snapshot
            .as_ref()
            .filter(|_| !self.snapshot_in_progress)
    }

    /// Marks every entry and the snapshot as handed to the append thread.
    pub(crate) fn accept_in_progress(&mut self) {
        if let Some(last) = self.entries.last() {
            self.offset_in_progress = last.index + 1;
        }
        if self.snapshot.is_some() {
            self.snapshot_in_progress = true;
        }
    }

    /// The first index, if a pending snapshot determines it.
    pub(crate) fn maybe_first_index(&self) -> Option<u64> {
        self.snapshot.as_ref().map(|s| s.metadata.index + 1)
    }

    /// The last index, if there are unstable entries or a pending snapshot.
    pub(crate) fn maybe_last_index(&self) -> Option<u64> {
        if !self.entries.is_empty() {
            return Some(self.offset + self.entries.len() as u64 - 1);
        }
        self.snapshot.as_ref().map(|s| s.metadata.index)
    }

    /// The term of the entry at `i`, if this unstable log knows it.
    pub(crate) fn maybe_term(&self, i: u64) -> Option<u64> {
        if i < self.offset {
            return self
                .snapshot
                .as_ref()
                .filter(|s| s.metadata.index == i)
                .map(|s| s.metadata.term);
        }
        let last = self.maybe_last_index()?;
        if i > last {
            return None;
        }
        Some(self.entries[(i - self.offset) as usize].term)
    }

    /// Marks entries up to `(i, t)` as persisted. Ignored if the entry at `i` was since
    /// replaced (its term no longer matches) or is already stable.
    pub(crate) fn stable_to(&mut self, i: u64, t: u64) {
        if i < self.offset || self.maybe_term(i) != Some(t) {
            return;
        }
        self.entries.drain(..=(i - self.offset) as usize);
        self.offset = i + 1;
        self.offset_in_progress = self.offset_in_progress.max(self.offset);
    }

    /// Marks the pending snapshot at index `i` as persisted.
    pub(crate) fn stable_snap_to(&mut self, i: u64) {
        if self
            .snapshot
            .as_ref()
            .is_some_and(|s| s.metadata.index == i)
        {
            self.snapshot = None;
            self.snapshot_in_progress = false;
        }
    }

    /// Replaces everything with a snapshot from the leader.
    pub(crate) fn restore(&mut self, s: Snapshot) {
        self.offset = s.metadata.index + 1;
        self.offset_in_progress = self.offset;
        self.entries.clear();
        self.snapshot = Some(s);
        self.snapshot_in_progress = false;
    }

    /// Appends `ents`, first truncating any entries at or after `ents[0].index`.
    pub(crate) fn truncate_and_append(&mut self, ents: &[Entry]) {
        let Some(after) = ents.first().map(|e| e.index) else {
            return;
        };
        let end = self.offset + self.entries.len() as u64;
        if after == end {
            self.entries.extend_from_slice(ents);
        } else if after <= self.offset {
            self.offset = after;
            self.entries.clear();
            self.entries.extend_from_slice(ents);
        } else {
            self.entries.truncate((after - self.offset) as usize);
            self.entries.extend_from_slice(ents);
        }
        // Replaced entries that were being written must be handed out again.
        self.offset_in_progress = self.offset_in_progress.min(after);
    }

    /// The entries in `[lo, hi)`, which must lie within the unstable range.
    pub(crate) fn slice(&self, lo: u64, hi: u64) -> &[Entry] {
        let upper = self.offset + self.entries.len() as u64;
        assert!(
            lo <= hi && lo >= self.offset && hi <= upper,
            "unstable.slice[{lo},{hi}) out of bound [{},{upper}]",
            self.offset
        );
        &self.entries[(lo - self.offset) as usize..(hi - self.offset) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eraftpb::SnapshotMetadata;

    fn e(index: u64, term: u64) -> Entry {
        Entry {
            index,
            term,
            ..Entry::default()
        }
    }

    fn snap(index: u64, term: u64) -> Snapshot {
        Snapshot {
            metadata: SnapshotMetadata {
                index,
                term,
                ..SnapshotMetadata::default()
            },
            ..Snapshot::default()
        }
    }

    #[test]
    fn terms_come_from_entries_or_the_snapshot() {
        let u = Unstable {
            snapshot: Some(snap(4, 1)),
            entries: vec![e(5, 1), e(6, 2)],
            offset: 5,
            ..Unstable::default()
        };
        assert_eq!(u.maybe_term(4), Some(1));
        assert_eq!(u.maybe_term(6), Some(2));
        assert_eq!(u.maybe_term(3), None);
        assert_eq!(u.maybe_term(7), None);
        assert_eq!(u.maybe_first_index(), Some(5));
        assert_eq!(u.maybe_last_index(), Some(6));
    }

    #[test]
    fn stable_to_ignores_replaced_entries() {
        let mut u = Unstable {
            entries: vec![e(5, 1), e(6, 1)],
            offset: 5,
            ..Unstable::default()
        };
        u.stable_to(5, 2);
        assert_eq!(u.offset, 5, "term mismatch: entry was replaced");
        u.stable_to(5, 1);
        assert_eq!((u.offset, u.entries.len()), (6, 1));
    }

    #[test]
    fn truncate_and_append_handles_all_three_cases() {
        let mut u = Unstable {
            entries: vec![e(5, 1)],
            offset: 5,
            ..Unstable::default()
        };
        u.truncate_and_append(&[e(6, 1), e(7, 1)]);
        assert_eq!(u.entries, vec![e(5, 1), e(6, 1), e(7, 1)]);
        u.truncate_and_append(&[e(6, 2)]);
        assert_eq!(u.entries, vec![e(5, 1), e(6, 2)]);
        u.truncate_and_append(&[e(4, 2), e(5, 2)]);
        assert_eq!((u.offset, u.entries.clone()), (4, vec![e(4, 2), e(5, 2)]));
    }

    #[test]
    fn entries_in_progress_are_handed_out_once_until_replaced() {
        let mut u = Unstable::new(5);
        u.truncate_and_append(&[e(5, 1), e(6, 1)]);
        assert_eq!(u.next_entries(), &[e(5, 1), e(6, 1)]);
        u.accept_in_progress();
        assert!(u.next_entries().is_empty(), "both are being written");
        u.truncate_and_append(&[e(7, 1)]);
        assert_eq!(
            u.next_entries(),
            &[e(7, 1)],
            "only the new one is handed out"
        );
        u.accept_in_progress();
        u.truncate_and_append(&[e(6, 2)]);
        assert_eq!(
            u.next_entries(),
            &[e(6, 2)],
            "a replaced entry goes out again"
        );
        u.stable_to(5, 1);
        assert_eq!((u.offset, u.offset_in_progress), (6, 6));
    }

    #[test]
    fn snapshot_in_progress_is_not_handed_out_twice() {
        let mut u = Unstable::new(1);
        u.restore(snap(4, 1));
        assert!(u.next_snapshot().is_some());
        u.accept_in_progress();
        assert!(u.next_snapshot().is_none());
        u.stable_snap_to(4);
        assert!(u.snapshot.is_none() && !u.snapshot_in_progress);
    }
}
