//! One node's disk: a log of checksummed records that outlives the node's tasks, so a
//! crash loses exactly what was not synced.
//!
//! Every write (entries to append, a hard state) is encoded as a record
//! `[length u32][crc32 u32][payload]` and appended to the page cache (`pending`).
//! `sync` makes the page cache durable. A crash drops the page cache; with `torn`, a
//! random byte prefix of it reached the platter first, so the last surviving record
//! may be cut short. Recovery reads the durable bytes from the start and truncates at
//! the first record that is short or fails its checksum, as a real write-ahead log
//! does; the node restarts from what recovery decoded.
//!
//! Compaction: a snapshot record holds a state-machine snapshot. A node's own snapshot
//! (`write_compaction`) drops the durable entries up to its compaction index once the
//! record is durable; a snapshot installed from the leader (`write_installed_snapshot`)
//! replaces the whole log, as raft's restore does. Either way the durable state is a
//! snapshot plus a log suffix, and recovery rebuilds both from the records. Until its
//! record is synced a snapshot is as volatile as any other write: a crash in the middle
//! of an install leaves the node with its old log.

use crate::probes::probe;
use linsim_raft::{Entry, EntryType, HardState, MemStorage, Snapshot};
use rand::Rng;

/// A write, as one record.
#[derive(Clone, Debug, PartialEq)]
enum Write {
    Entries(Vec<Entry>),
    HardState(HardState),
    /// A snapshot: installed from the leader (`compact_to: None`, it replaces the log)
    /// or taken of this node's own state machine (entries up to `compact_to` go).
    Snapshot {
        snapshot: Box<Snapshot>,
        compact_to: Option<u64>,
    },
}

const TAG_ENTRIES: u8 = 1;
const TAG_HARD_STATE: u8 = 2;
const TAG_SNAPSHOT: u8 = 3;
const HEADER: usize = 8;

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn encode(w: &Write, out: &mut Vec<u8>) {
    let mut payload = Vec::new();
    match w {
        Write::Entries(ents) => {
            payload.push(TAG_ENTRIES);
            put_u64(&mut payload, ents.len() as u64);
            for e in ents {
                put_u64(&mut payload, e.index);
                put_u64(&mut payload, e.term);
                payload.push(e.entry_type as u8);
                put_u64(&mut payload, e.data.len() as u64);
                payload.extend_from_slice(&e.data);
            }
        }
        Write::HardState(hs) => {
            payload.push(TAG_HARD_STATE);
            put_u64(&mut payload, hs.term);
            put_u64(&mut payload, hs.vote);
            put_u64(&mut payload, hs.commit);
        }
        Write::Snapshot {
            snapshot,
            compact_to,
        } => {
            payload.push(TAG_SNAPSHOT);
            // u64::MAX marks an installed snapshot (no index is that large).
            put_u64(&mut payload, compact_to.unwrap_or(u64::MAX));
            // postcard, as raft messages on the wire: JSON would hex the state.
            let bytes = postcard::to_allocvec(snapshot).expect("snapshots serialize");
            payload.extend_from_slice(&bytes);
        }
    }
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
}

/// Reads a payload written by `encode`; `None` if it is malformed.
fn decode_payload(p: &[u8]) -> Option<Write> {
    let mut at = 0usize;
    let u64_at = |at: &mut usize| -> Option<u64> {
        let v = u64::from_le_bytes(p.get(*at..*at + 8)?.try_into().ok()?);
        *at += 8;
        Some(v)
    };
    let tag = *p.first()?;
    at += 1;
    match tag {
        TAG_ENTRIES => {
            let n = u64_at(&mut at)?;
            let mut ents = Vec::new();
            for _ in 0..n {
                let index = u64_at(&mut at)?;
                let term = u64_at(&mut at)?;
                let entry_type = match *p.get(at)? {
                    0 => EntryType::EntryNormal,
                    1 => EntryType::EntryConfChange,
                    2 => EntryType::EntryConfChangeV2,
                    _ => return None,
                };
                at += 1;
                let len = u64_at(&mut at)? as usize;
                let data = p.get(at..at.checked_add(len)?)?.to_vec();
                at += len;
                ents.push(Entry {
                    index,
                    term,
                    entry_type,
                    data: data.into(),
                });
            }
            (at == p.len() && !ents.is_empty()).then_some(Write::Entries(ents))
        }
        TAG_HARD_STATE => {
            let hs = HardState {
                term: u64_at(&mut at)?,
                vote: u64_at(&mut at)?,
                commit: u64_at(&mut at)?,
            };
            (at == p.len()).then_some(Write::HardState(hs))
        }
        TAG_SNAPSHOT => {
            let compact_to = Some(u64_at(&mut at)?).filter(|&i| i != u64::MAX);
            let snapshot = postcard::from_bytes(p.get(at..)?).ok()?;
            Some(Write::Snapshot {
                snapshot: Box::new(snapshot),
                compact_to,
            })
        }
        _ => None,
    }
}

/// What a crash cost a disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrashLoss {
    /// Writes (records) in the page cache that did not survive.
    pub writes_lost: u64,
    /// Entries among them.
    pub entries_lost: u64,
    /// Whether recovery found a torn (partial or corrupt) last record and cut it off.
    pub torn_record_truncated: bool,
}

/// A node's record log: durable bytes and the page cache, plus the durable state as
/// recovery decodes it.
#[derive(Clone, Debug, Default)]
pub struct Disk {
    platter: Vec<u8>,
    cache: Vec<u8>,
    cache_writes: Vec<Write>,
    /// Writes a lying fsync acknowledged but did not make durable (`lying-fsync` bug).
    lied_bytes: Vec<u8>,
    lied_writes: Vec<Write>,
    durable: DurableState,
}

/// What recovery decodes from the platter: the latest snapshot, the log after its
/// compaction point, and the hard state.
#[derive(Clone, Debug, Default)]
struct DurableState {
    snapshot: Snapshot,
    /// The index and term of the last entry compacted away (0, 0 for none): `log[0]`
    /// is at `offset.0 + 1`.
    offset: (u64, u64),
    log: Vec<Entry>,
    hard_state: HardState,
}

impl DurableState {
    fn last_index(&self) -> u64 {
        self.offset.0 + self.log.len() as u64
    }

    fn term(&self, index: u64) -> Option<u64> {
        if index == self.offset.0 {
            return Some(self.offset.1);
        }
        let i = index.checked_sub(self.offset.0 + 1)?;
        self.log.get(i as usize).map(|e| e.term)
    }

    fn apply(&mut self, w: Write) {
        match w {
            Write::Entries(ents) => {
                let first = ents[0].index;
                let last = first + ents.len() as u64 - 1;
                if last <= self.offset.0 {
                    return;
                }
                // Entries the snapshot already covers are skipped.
                let skip = self.offset.0.saturating_sub(first - 1) as usize;
                let keep = (first + skip as u64 - 1 - self.offset.0) as usize;
                assert!(
                    keep <= self.log.len(),
                    "disk: append at {first} leaves a gap after {}",
                    self.last_index()
                );
                self.log.truncate(keep);
                self.log.extend(ents.into_iter().skip(skip));
            }
            Write::HardState(hs) => self.hard_state = hs,
            Write::Snapshot {
                snapshot,
                compact_to,
            } => {
                let meta = &snapshot.metadata;
                if meta.index <= self.snapshot.metadata.index {
                    return;
                }
                match compact_to {
                    None => {
                        self.offset = (meta.index, meta.term);
                        self.log.clear();
                    }
                    Some(to) if to > self.offset.0 => {
                        let term = self.term(to).expect("compaction index is in the log");
                        self.log.drain(..(to - self.offset.0) as usize);
                        self.offset = (to, term);
                    }
                    Some(_) => {}
                }
                self.snapshot = *snapshot;
            }
        }
    }
}

impl Disk {
    /// Queues entries to append (replacing any durable suffix they overlap).
    pub fn write_entries(&mut self, entries: &[Entry]) {
        if !entries.is_empty() {
            self.write(Write::Entries(entries.to_vec()));
        }
    }

    /// Queues a hard-state write.
    pub fn write_hard_state(&mut self, hs: HardState) {
        self.write(Write::HardState(hs));
    }

    /// Queues a snapshot installed from the leader: once durable it replaces the log.
    pub fn write_installed_snapshot(&mut self, snapshot: &Snapshot) {
        self.write(Write::Snapshot {
            snapshot: Box::new(snapshot.clone()),
            compact_to: None,
        });
    }

    /// Queues a snapshot of this node's state machine; once durable, the entries up to
    /// `compact_to` (at most the snapshot's index) are dropped from the log.
    pub fn write_compaction(&mut self, snapshot: &Snapshot, compact_to: u64) {
        debug_assert!(compact_to <= snapshot.metadata.index);
        self.write(Write::Snapshot {
            snapshot: Box::new(snapshot.clone()),
            compact_to: Some(compact_to),
        });
    }

    fn write(&mut self, w: Write) {
        encode(&w, &mut self.cache);
        self.cache_writes.push(w);
    }

    /// Whether writes are waiting in the page cache.
    pub fn has_unsynced(&self) -> bool {
        !self.cache_writes.is_empty() || !self.lied_writes.is_empty()
    }

    /// fsync: makes every pending write durable and returns the entries that became
    /// durable. With `lying`, the disk acknowledges at once but makes durable only what
    /// the previous sync was asked for (a volatile write cache that lies about flushes).
    pub fn sync(&mut self, lying: bool) -> Vec<Entry> {
        let (bytes, writes) = if lying {
            // Durable now: what the previous sync was asked for. This sync's writes wait
            // in the drive's cache, acknowledged but lost if the power goes.
            (
                std::mem::replace(&mut self.lied_bytes, std::mem::take(&mut self.cache)),
                std::mem::replace(
                    &mut self.lied_writes,
                    std::mem::take(&mut self.cache_writes),
                ),
            )
        } else {
            (
                std::mem::take(&mut self.cache),
                std::mem::take(&mut self.cache_writes),
            )
        };
        self.platter.extend_from_slice(&bytes);
        let mut written = Vec::new();
        for w in writes {
            if let Write::Entries(ents) = &w {
                written.extend(ents.iter().cloned());
            }
            self.durable.apply(w);
        }
        written
    }

    /// A crash: the page cache is lost, or with `torn` a random byte prefix of it
    /// reached the platter (possibly ending inside a record). Recovery then runs.
    pub fn crash(&mut self, torn: Option<&mut impl Rng>) -> CrashLoss {
        let mut cache = std::mem::take(&mut self.lied_bytes);
        cache.append(&mut self.cache);
        let mut writes = std::mem::take(&mut self.lied_writes);
        writes.append(&mut self.cache_writes);
        let kept_bytes = match torn {
            Some(rng) if !cache.is_empty() => rng.random_range(0..=cache.len()),
            _ => 0,
        };
        let before = self.platter.len();
        self.platter.extend_from_slice(&cache[..kept_bytes]);
        let torn_record_truncated = self.recover();
        // Which pending records survived: those wholly inside what recovery kept.
        let survived_bytes = self.platter.len() - before;
        let (mut offset, mut survived) = (0usize, 0usize);
        for w in &writes {
            let mut one = Vec::new();
            encode(w, &mut one);
            if offset + one.len() > survived_bytes {
                break;
            }
            offset += one.len();
            survived += 1;
        }
        let lost = &writes[survived..];
        if !lost.is_empty() {
            probe!(UnsyncedWritesLost);
        }
        CrashLoss {
            writes_lost: lost.len() as u64,
            entries_lost: lost
                .iter()
                .map(|w| match w {
                    Write::Entries(e) => e.len() as u64,
                    Write::HardState(_) | Write::Snapshot { .. } => 0,
                })
                .sum(),
            torn_record_truncated,
        }
    }

    /// Recovery: decodes the platter from the start, truncating it at the first record
    /// that is cut short or fails its checksum. Returns whether it truncated anything.
    fn recover(&mut self) -> bool {
        let mut durable = DurableState::default();
        let mut at = 0usize;
        while at < self.platter.len() {
            let Some(w) = Self::record_at(&self.platter, at) else {
                break;
            };
            at +=
                HEADER + u32::from_le_bytes(self.platter[at..at + 4].try_into().unwrap()) as usize;
            durable.apply(w);
        }
        let truncated = at < self.platter.len();
        if truncated {
            probe!(TornRecordTruncated);
            self.platter.truncate(at);
        }
        self.durable = durable;
        truncated
    }

    /// The record starting at `at`, if it is whole and its checksum matches.
    fn record_at(bytes: &[u8], at: usize) -> Option<Write> {
        let header = bytes.get(at..at + HEADER)?;
        let len = u32::from_le_bytes(header[..4].try_into().ok()?) as usize;
        let crc = u32::from_le_bytes(header[4..].try_into().ok()?);
        let payload = bytes.get(at + HEADER..at + HEADER + len)?;
        if crc32fast::hash(payload) != crc {
            return None;
        }
        decode_payload(payload)
    }

    /// The durable hard state.
    pub fn hard_state(&self) -> HardState {
        self.durable.hard_state
    }

    /// The durable log entries after the compaction point.
    pub fn entries(&self) -> &[Entry] {
        &self.durable.log
    }

    /// The latest durable snapshot (empty if none).
    pub fn snapshot(&self) -> &Snapshot {
        &self.durable.snapshot
    }

    /// The index of the last entry compacted away (0 if none): the durable log starts
    /// after it.
    pub fn compacted_to(&self) -> u64 {
        self.durable.offset.0
    }

    /// The index of the last durable entry (or of the compaction point if the log after
    /// it is empty).
    pub fn last_index(&self) -> u64 {
        self.durable.last_index()
    }

    /// The durable term at `index`, if the durable log holds it (the compaction point
    /// counts; indexes before it are gone).
    pub fn term(&self, index: u64) -> Option<u64> {
        self.durable.term(index)
    }

    /// A raft storage holding exactly what is durable, for a restarted node: the
    /// snapshot (if any), the log after it, and the hard state.
    pub fn to_storage(&self, voters: impl IntoIterator<Item = u64>) -> MemStorage {
        let mut s = MemStorage::new_with_voters(voters);
        let d = &self.durable;
        let mut hs = d.hard_state;
        if !d.snapshot.is_empty() {
            s.apply_snapshot(d.snapshot.clone())
                .expect("a fresh storage is older than any snapshot");
            // A snapshot only ever holds committed entries; its record can survive a
            // torn crash that cut off the hard state written after it.
            hs.commit = hs.commit.max(d.snapshot.metadata.index);
        }
        // Entries the snapshot covers (a compaction keeps a margin of them for
        // followers catching up from the log) are skipped: the node restarts from the
        // snapshot and the log after it, as etcd restarts from its newest snapshot and
        // the WAL after it.
        s.append(&d.log);
        s.set_hard_state(hs);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn e(index: u64, term: u64) -> Entry {
        Entry {
            index,
            term,
            data: format!("v{index}").into_bytes().into(),
            ..Entry::default()
        }
    }

    fn hs(term: u64, vote: u64, commit: u64) -> HardState {
        HardState { term, vote, commit }
    }

    #[test]
    fn crash_drops_unsynced_writes_and_counts_them() {
        let mut d = Disk::default();
        d.write_entries(&[e(1, 1), e(2, 1)]);
        d.sync(false);
        d.write_entries(&[e(3, 1)]);
        d.write_hard_state(hs(1, 1, 3));
        let loss = d.crash(None::<&mut rand::rngs::StdRng>);
        assert_eq!(
            loss,
            CrashLoss {
                writes_lost: 2,
                entries_lost: 1,
                torn_record_truncated: false
            }
        );
        assert_eq!(d.entries(), &[e(1, 1), e(2, 1)]);
        assert_eq!(d.hard_state(), HardState::default());
    }

    #[test]
    fn sync_truncates_conflicting_suffixes() {
        let mut d = Disk::default();
        d.write_entries(&[e(1, 1), e(2, 1), e(3, 1)]);
        d.sync(false);
        d.write_entries(&[e(2, 2)]);
        d.sync(false);
        assert_eq!(d.entries(), &[e(1, 1), e(2, 2)]);
    }

    #[test]
    fn torn_crash_keeps_whole_records_and_truncates_a_partial_one() {
        let mut base = Disk::default();
        base.write_entries(&[e(1, 1), e(2, 1)]);
        base.write_hard_state(hs(1, 1, 2));
        base.sync(false);
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let (mut kept, mut torn) = (std::collections::BTreeSet::new(), 0);
        for _ in 0..200 {
            let mut d = base.clone();
            d.write_entries(&[e(3, 2)]);
            d.write_hard_state(hs(2, 2, 2));
            d.write_entries(&[e(4, 2)]);
            let loss = d.crash(Some(&mut rng));
            kept.insert(d.entries().len());
            torn += loss.torn_record_truncated as u32;
            // What survived is a prefix of the writes, and exactly what recovery reads.
            assert_eq!(
                loss.writes_lost as usize + d.entries().len() - 2
                    + (d.hard_state().term == 2) as usize,
                3
            );
            let mut replay = d.clone();
            assert!(
                !replay.recover(),
                "recovery already truncated the torn tail"
            );
            assert_eq!(replay.entries(), d.entries());
        }
        assert_eq!(kept, [2, 3, 4].into_iter().collect(), "every prefix occurs");
        assert!(
            torn > 100,
            "most byte cuts fall inside a record: {torn} of 200"
        );
    }

    #[test]
    fn a_corrupt_record_ends_the_log_at_recovery() {
        let mut d = Disk::default();
        d.write_entries(&[e(1, 1)]);
        d.sync(false);
        let good = d.platter.len();
        d.write_entries(&[e(2, 1)]);
        d.sync(false);
        let last = d.platter.len() - 1;
        d.platter[last] ^= 0xff;
        assert!(d.recover());
        assert_eq!(d.platter.len(), good);
        assert_eq!(d.entries(), &[e(1, 1)]);
    }

    fn snap(index: u64, term: u64, data: &str) -> Snapshot {
        let mut s = Snapshot::default();
        s.metadata.index = index;
        s.metadata.term = term;
        s.metadata.conf_state = linsim_raft::ConfState::from_voters([1, 2, 3]);
        s.data = data.as_bytes().to_vec().into();
        s
    }

    #[test]
    fn a_compaction_drops_entries_once_its_record_is_durable() {
        let mut d = Disk::default();
        d.write_entries(&[e(1, 1), e(2, 1), e(3, 1), e(4, 2)]);
        d.sync(false);
        d.write_compaction(&snap(3, 1, "kv@3"), 2);
        assert_eq!(d.entries().len(), 4, "not durable yet");
        d.sync(false);
        assert_eq!(d.entries(), &[e(3, 1), e(4, 2)]);
        assert_eq!((d.compacted_to(), d.term(2), d.term(1)), (2, Some(1), None));
        assert_eq!(d.last_index(), 4);
        // A restart sees the snapshot and the log after it.
        let s = d.to_storage([1, 2, 3]);
        use linsim_raft::Storage;
        assert_eq!(s.first_index().unwrap(), 4);
        assert_eq!(s.last_index().unwrap(), 4);
        assert_eq!(&s.snapshot(0).unwrap().data[..], b"kv@3");
        assert_eq!(s.initial_state().unwrap().hard_state.commit, 3);
    }

    #[test]
    fn an_installed_snapshot_replaces_the_log_and_a_crash_mid_install_keeps_the_old_one() {
        let mut base = Disk::default();
        base.write_entries(&[e(1, 1), e(2, 1), e(3, 1)]);
        base.sync(false);
        let mut crashed = base.clone();
        crashed.write_installed_snapshot(&snap(10, 4, "kv@10"));
        crashed.write_entries(&[e(11, 4)]);
        let loss = crashed.crash(None::<&mut rand::rngs::StdRng>);
        assert_eq!((loss.writes_lost, loss.entries_lost), (2, 1));
        assert_eq!(crashed.entries().len(), 3);
        assert!(crashed.snapshot().is_empty());

        let mut d = base;
        d.write_installed_snapshot(&snap(10, 4, "kv@10"));
        d.write_entries(&[e(11, 4)]);
        d.sync(false);
        assert_eq!(d.entries(), &[e(11, 4)]);
        assert_eq!((d.compacted_to(), d.term(10)), (10, Some(4)));
        // Recovery decodes the same state from the platter.
        let mut replay = d.clone();
        assert!(!replay.recover());
        assert_eq!(replay.entries(), d.entries());
        assert_eq!(replay.snapshot(), d.snapshot());
    }

    #[test]
    fn a_torn_snapshot_record_is_cut_off_by_recovery() {
        let mut base = Disk::default();
        base.write_entries(&[e(1, 1), e(2, 1)]);
        base.sync(false);
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut outcomes = std::collections::BTreeSet::new();
        for _ in 0..100 {
            let mut d = base.clone();
            d.write_installed_snapshot(&snap(9, 3, "kv@9"));
            d.crash(Some(&mut rng));
            // Either the whole snapshot survived or none of it did.
            outcomes.insert((d.snapshot().metadata.index, d.entries().len()));
        }
        assert_eq!(outcomes, [(0, 2), (9, 0)].into_iter().collect());
    }
}
