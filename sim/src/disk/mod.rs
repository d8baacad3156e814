//! The simulated disk: one log of checksummed records per server that outlives the
//! server's tasks, so a crash loses exactly what was not synced.
//!
//! Every write is one record `[length u32][crc32 u32][payload]` appended to the page
//! cache. `sync` makes the page cache durable. A crash drops the page cache; with
//! `torn`, a random byte prefix of it reached the platter first, so the last surviving
//! record may be cut short. Recovery reads the durable bytes from the start and
//! truncates at the first record that is short or fails its checksum, as a real
//! write-ahead log does; the server restarts from what recovery decoded.
//!
//! What a record means is the system's: it describes its records and the state
//! recovery rebuilds from them with a `Durable` type (linsim's Raft KV service writes
//! entries, hard states and snapshots). The framework owns the bytes, the page cache,
//! fsync, crashes, torn writes and recovery, and so every system meets the same disk.
//! A system whose durable state is a Raft log says so (`Durable::raft`), and the
//! invariant checks then read the log and hard state as persisted.

mod set;

pub use set::{DiskHandle, Disks, StoredDisk};

use crate::probes::probe;
use crate::system::RaftDurable;
use rand::Rng;

/// A system's durable state and the records that build it.
///
/// The disk keeps each record both as bytes (what a crash cuts) and decoded (what
/// `apply` folds in when it becomes durable), so a sync decodes nothing; recovery
/// after a crash decodes the surviving bytes from the start.
pub trait Durable: Default + Send + 'static {
    /// One write.
    type Record: Clone + Send;
    /// Appends `record`'s payload to `out` (the disk frames and checksums it).
    fn encode(record: &Self::Record, out: &mut Vec<u8>);
    /// Decodes a payload written by `encode`; `None` if it is malformed.
    fn decode(payload: &[u8]) -> Option<Self::Record>;
    /// Folds a record that became durable into the state.
    fn apply(&mut self, record: Self::Record);
    /// Log entries a record holds (for the crash figures; 0 if the system has none).
    fn entries_in(_record: &Self::Record) -> u64 {
        0
    }
    /// The state as a Raft log and hard state, if it is one: turns on the checks
    /// that read what a server holds durably.
    fn raft(&self) -> Option<&dyn RaftDurable> {
        None
    }
    /// One record that rebuilds this whole state from nothing (`apply`d to the
    /// default state it gives this state exactly), or `None` if the system has no
    /// such record: its disk then keeps every record it was ever given.
    ///
    /// Why: a record log only grows, and a system that snapshots writes its whole
    /// state in each snapshot record, so without rewriting, the bytes on disk (and
    /// recovery's work) grow with the square of the run. A real system drops what a
    /// newer snapshot covers (etcd releases WAL segments older than its snapshot);
    /// the disk does it with this record (see `Disk::sync`).
    fn checkpoint(&self) -> Option<Self::Record> {
        None
    }
}

/// The durable bytes a disk keeps before it first considers a checkpoint: short runs
/// never rewrite their disks.
const CHECKPOINT_AFTER_BYTES: usize = 256 * 1024;

/// What a crash cost a disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrashLoss {
    /// Writes (records) in the page cache that did not survive.
    pub writes_lost: u64,
    /// Log entries among them.
    pub entries_lost: u64,
    /// Whether recovery found a torn (partial or corrupt) last record and cut it off.
    pub torn_record_truncated: bool,
}

const HEADER: usize = 8;

/// One server's disk: durable bytes and the page cache, plus the durable state as
/// recovery decodes it.
#[derive(Clone)]
pub struct Disk<S: Durable> {
    platter: Vec<u8>,
    cache: Vec<u8>,
    cache_writes: Vec<S::Record>,
    /// Writes a lying fsync acknowledged but did not make durable.
    lied_bytes: Vec<u8>,
    lied_writes: Vec<S::Record>,
    durable: S,
    /// The platter's length right after its last rewrite as a checkpoint (0: never).
    checkpointed_bytes: usize,
}

impl<S: Durable> Default for Disk<S> {
    fn default() -> Self {
        Disk {
            platter: Vec::new(),
            cache: Vec::new(),
            cache_writes: Vec::new(),
            lied_bytes: Vec::new(),
            lied_writes: Vec::new(),
            durable: S::default(),
            checkpointed_bytes: 0,
        }
    }
}

fn frame<S: Durable>(record: &S::Record, out: &mut Vec<u8>) {
    let at = out.len();
    out.extend_from_slice(&[0; HEADER]);
    S::encode(record, out);
    let payload = &out[at + HEADER..];
    let (len, crc) = (payload.len() as u32, crc32fast::hash(payload));
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    out[at + 4..at + HEADER].copy_from_slice(&crc.to_le_bytes());
}

impl<S: Durable> Disk<S> {
    /// Queues a write in the page cache.
    pub fn write(&mut self, record: S::Record) {
        frame::<S>(&record, &mut self.cache);
        self.cache_writes.push(record);
    }

    /// Whether writes are waiting in the page cache.
    pub fn has_unsynced(&self) -> bool {
        !self.cache_writes.is_empty() || !self.lied_writes.is_empty()
    }

    /// fsync: makes every pending write durable and returns the records that became
    /// durable, in order. With `lying`, the disk acknowledges at once but makes durable
    /// only what the previous sync was asked for (a volatile write cache that lies
    /// about flushes).
    pub fn sync(&mut self, lying: bool) -> Vec<S::Record> {
        let (bytes, writes) = if lying {
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
        for w in &writes {
            self.durable.apply(w.clone());
        }
        self.maybe_checkpoint();
        writes
    }

    /// Rewrites the platter as one checkpoint record of the durable state once it has
    /// grown to twice its length after the previous rewrite (and past
    /// `CHECKPOINT_AFTER_BYTES`): the bytes stay within a constant factor of the state,
    /// and each rewrite costs no more than the bytes written since the last one.
    ///
    /// Nothing a run can observe changes: the rewrite happens at a sync, when the page
    /// cache is empty (a crash tears only page-cache bytes, and draws its cut from
    /// their length alone), it is atomic (a new file renamed over the old one), and
    /// recovery decodes the same state from the checkpoint as from the records it
    /// replaces.
    fn maybe_checkpoint(&mut self) {
        let grown = self.platter.len() >= 2 * self.checkpointed_bytes;
        if !grown || self.platter.len() < CHECKPOINT_AFTER_BYTES {
            return;
        }
        let Some(record) = self.durable.checkpoint() else {
            return;
        };
        let mut bytes = Vec::new();
        frame::<S>(&record, &mut bytes);
        self.platter = bytes;
        self.checkpointed_bytes = self.platter.len();
    }

    /// The durable bytes' length (what recovery reads).
    pub fn durable_bytes(&self) -> usize {
        self.platter.len()
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
            frame::<S>(w, &mut one);
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
            entries_lost: lost.iter().map(S::entries_in).sum(),
            torn_record_truncated,
        }
    }

    /// Recovery: decodes the platter from the start, truncating it at the first record
    /// that is cut short or fails its checksum. Returns whether it truncated anything.
    fn recover(&mut self) -> bool {
        let mut durable = S::default();
        let mut at = 0usize;
        while let Some((record, len)) = Self::record_at(&self.platter, at) {
            at += HEADER + len;
            durable.apply(record);
        }
        let truncated = at < self.platter.len();
        if truncated {
            probe!(TornRecordTruncated);
            self.platter.truncate(at);
        }
        self.durable = durable;
        truncated
    }

    /// The record starting at `at` and its payload length, if it is whole and its
    /// checksum matches.
    fn record_at(bytes: &[u8], at: usize) -> Option<(S::Record, usize)> {
        let header = bytes.get(at..at + HEADER)?;
        let len = u32::from_le_bytes(header[..4].try_into().ok()?) as usize;
        let crc = u32::from_le_bytes(header[4..].try_into().ok()?);
        let payload = bytes.get(at + HEADER..at + HEADER + len)?;
        if crc32fast::hash(payload) != crc {
            return None;
        }
        Some((S::decode(payload)?, len))
    }

    /// The durable state: what a restart recovers.
    pub fn durable(&self) -> &S {
        &self.durable
    }

    /// Durable bytes, for tests that damage them.
    #[cfg(test)]
    fn platter_mut(&mut self) -> &mut Vec<u8> {
        &mut self.platter
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// A disk of numbered notes: the durable state is their list.
    #[derive(Clone, Debug, Default, PartialEq)]
    struct Notes(Vec<u64>);

    impl Durable for Notes {
        type Record = u64;
        fn encode(record: &u64, out: &mut Vec<u8>) {
            out.extend_from_slice(&record.to_le_bytes());
            // A few bytes of padding, so that torn cuts land inside records.
            out.extend_from_slice(&[0xab; 24]);
        }
        fn decode(payload: &[u8]) -> Option<u64> {
            Some(u64::from_le_bytes(payload.get(..8)?.try_into().ok()?))
        }
        fn apply(&mut self, record: u64) {
            self.0.push(record);
        }
        fn entries_in(_: &u64) -> u64 {
            1
        }
    }

    /// A disk of additions: the durable state is their sum, and a checkpoint sets it.
    #[derive(Clone, Debug, Default, PartialEq)]
    struct Sum(u64);

    #[derive(Clone, Debug, PartialEq)]
    enum SumRecord {
        Add(u64),
        Set(u64),
    }

    impl Durable for Sum {
        type Record = SumRecord;
        fn encode(record: &SumRecord, out: &mut Vec<u8>) {
            let (tag, v) = match record {
                SumRecord::Add(v) => (1, v),
                SumRecord::Set(v) => (2, v),
            };
            out.push(tag);
            out.extend_from_slice(&v.to_le_bytes());
            // Padding: a record as big as a snapshot of a small state machine.
            out.extend_from_slice(&[0xcd; 1000]);
        }
        fn decode(payload: &[u8]) -> Option<SumRecord> {
            let v = u64::from_le_bytes(payload.get(1..9)?.try_into().ok()?);
            match payload.first()? {
                1 => Some(SumRecord::Add(v)),
                2 => Some(SumRecord::Set(v)),
                _ => None,
            }
        }
        fn apply(&mut self, record: SumRecord) {
            match record {
                SumRecord::Add(v) => self.0 += v,
                SumRecord::Set(v) => self.0 = v,
            }
        }
        fn checkpoint(&self) -> Option<SumRecord> {
            Some(SumRecord::Set(self.0))
        }
    }

    #[test]
    fn a_disk_with_checkpoints_stays_within_a_constant_factor_of_its_state() {
        let mut d = Disk::<Sum>::default();
        let mut most = 0;
        for i in 1..=10_000u64 {
            d.write(SumRecord::Add(i));
            d.sync(false);
            most = most.max(d.durable_bytes());
        }
        assert_eq!(d.durable(), &Sum(10_000 * 10_001 / 2));
        assert!(
            most <= 2 * CHECKPOINT_AFTER_BYTES + 2048,
            "10,000 records of 1 KiB kept {most} bytes"
        );
        // Recovery reads the checkpoint and the records after it: the same state.
        d.write(SumRecord::Add(5));
        let loss = d.crash(None::<&mut rand::rngs::StdRng>);
        assert_eq!(loss.writes_lost, 1);
        assert_eq!(d.durable(), &Sum(10_000 * 10_001 / 2));
        // Torn crashes still cut only the page cache.
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let mut kept = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let mut torn = d.clone();
            torn.write(SumRecord::Add(1));
            torn.write(SumRecord::Add(2));
            torn.crash(Some(&mut rng));
            kept.insert(torn.durable().0 - d.durable().0);
        }
        // Whole records survive, or none: a cut inside a record drops it.
        assert!(kept.contains(&0) && kept.contains(&1), "{kept:?}");
        assert!(kept.is_subset(&[0, 1, 3].into_iter().collect()), "{kept:?}");
    }

    #[test]
    fn a_disk_without_checkpoints_keeps_every_record() {
        let mut d = Disk::<Notes>::default();
        for i in 0..20_000u64 {
            d.write(i);
            d.sync(false);
        }
        assert_eq!(d.durable_bytes(), 20_000 * (8 + 8 + 24));
    }

    #[test]
    fn a_crash_drops_unsynced_writes_and_counts_them() {
        let mut d = Disk::<Notes>::default();
        d.write(1);
        d.write(2);
        assert_eq!(d.sync(false), vec![1, 2]);
        d.write(3);
        d.write(4);
        assert!(d.has_unsynced());
        let loss = d.crash(None::<&mut rand::rngs::StdRng>);
        assert_eq!(
            loss,
            CrashLoss {
                writes_lost: 2,
                entries_lost: 2,
                torn_record_truncated: false
            }
        );
        assert_eq!(d.durable().0, vec![1, 2]);
    }

    #[test]
    fn a_torn_crash_keeps_whole_records_and_truncates_a_partial_one() {
        let mut base = Disk::<Notes>::default();
        base.write(1);
        base.sync(false);
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let (mut kept, mut torn) = (std::collections::BTreeSet::new(), 0);
        for _ in 0..200 {
            let mut d = base.clone();
            for n in 2..=4 {
                d.write(n);
            }
            let loss = d.crash(Some(&mut rng));
            kept.insert(d.durable().0.len());
            torn += loss.torn_record_truncated as u32;
            // What survived is a prefix of the writes, and exactly what recovery reads.
            assert_eq!(loss.writes_lost as usize + d.durable().0.len(), 4);
            let mut replay = d.clone();
            assert!(
                !replay.recover(),
                "recovery already truncated the torn tail"
            );
            assert_eq!(replay.durable(), d.durable());
        }
        assert_eq!(
            kept,
            [1, 2, 3, 4].into_iter().collect(),
            "every prefix occurs"
        );
        assert!(
            torn > 100,
            "most byte cuts fall inside a record: {torn} of 200"
        );
    }

    #[test]
    fn a_corrupt_record_ends_the_log_at_recovery() {
        let mut d = Disk::<Notes>::default();
        d.write(1);
        d.sync(false);
        let good = d.platter_mut().len();
        d.write(2);
        d.sync(false);
        let last = d.platter_mut().len() - 1;
        d.platter_mut()[last] ^= 0xff;
        assert!(d.recover());
        assert_eq!(d.platter_mut().len(), good);
        assert_eq!(d.durable().0, vec![1]);
    }

    #[test]
    fn a_lying_fsync_makes_only_the_previous_syncs_writes_durable() {
        let mut d = Disk::<Notes>::default();
        d.write(1);
        assert_eq!(d.sync(true), Vec::<u64>::new());
        d.write(2);
        assert_eq!(d.sync(true), vec![1]);
        let loss = d.crash(None::<&mut rand::rngs::StdRng>);
        assert_eq!(loss.writes_lost, 1);
        assert_eq!(d.durable().0, vec![1]);
    }
}
