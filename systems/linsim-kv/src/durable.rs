//! What a server writes to its disk (the framework's record log, `linsim_sim::disk`):
//! entries to append, hard states and snapshots, one record each, and the durable
//! state recovery rebuilds from them.
//!
//! Compaction: a snapshot record holds a state-machine snapshot. A node's own snapshot
//! (`write_compaction`) drops the durable entries up to its compaction index once the
//! record is durable; a snapshot installed from the leader (`write_installed_snapshot`)
//! replaces the whole log, as raft's restore does. Either way the durable state is a
//! snapshot plus a log suffix, and recovery rebuilds both from the records. Until its
//! record is synced a snapshot is as volatile as any other write: a crash in the middle
//! of an install leaves the node with its old log.

use linsim_raft::{Entry, EntryType, HardState, MemStorage, Snapshot};
use linsim_sim::disk::{Disk, Durable};
use linsim_sim::system::{self, RaftDurable};

/// A write, as one record.
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    /// Entries to append (replacing any durable suffix they overlap).
    Entries(Vec<Entry>),
    /// A hard state.
    HardState(HardState),
    /// A snapshot: installed from the leader (`compact_to: None`, it replaces the log)
    /// or taken of this node's own state machine (entries up to `compact_to` go).
    Snapshot {
        /// The snapshot.
        snapshot: Box<Snapshot>,
        /// The compaction index of a snapshot of its own.
        compact_to: Option<u64>,
    },
    /// The whole durable state, replacing whatever came before: the disk rewrites its
    /// bytes as one of these when they outgrow the state (`Durable::checkpoint`).
    Checkpoint(Box<Stored>),
}

const TAG_ENTRIES: u8 = 1;
const TAG_HARD_STATE: u8 = 2;
const TAG_SNAPSHOT: u8 = 3;
const TAG_CHECKPOINT: u8 = 4;

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn encode(w: &Write, payload: &mut Vec<u8>) {
    match w {
        Write::Entries(ents) => {
            payload.push(TAG_ENTRIES);
            put_entries(payload, ents);
        }
        Write::HardState(hs) => {
            payload.push(TAG_HARD_STATE);
            put_hard_state(payload, hs);
        }
        Write::Snapshot {
            snapshot,
            compact_to,
        } => {
            payload.push(TAG_SNAPSHOT);
            // u64::MAX marks an installed snapshot (no index is that large).
            put_u64(payload, compact_to.unwrap_or(u64::MAX));
            // postcard, as raft messages on the wire: JSON would hex the state.
            let bytes = postcard::to_allocvec(snapshot).expect("snapshots serialize");
            payload.extend_from_slice(&bytes);
        }
        Write::Checkpoint(state) => {
            payload.push(TAG_CHECKPOINT);
            put_hard_state(payload, &state.hard_state);
            put_u64(payload, state.offset.0);
            put_u64(payload, state.offset.1);
            let bytes = postcard::to_allocvec(&state.snapshot).expect("snapshots serialize");
            put_u64(payload, bytes.len() as u64);
            payload.extend_from_slice(&bytes);
            put_entries(payload, &state.log);
        }
    }
}

fn put_entries(payload: &mut Vec<u8>, ents: &[Entry]) {
    put_u64(payload, ents.len() as u64);
    for e in ents {
        put_u64(payload, e.index);
        put_u64(payload, e.term);
        payload.push(e.entry_type as u8);
        put_u64(payload, e.data.len() as u64);
        payload.extend_from_slice(&e.data);
    }
}

fn put_hard_state(payload: &mut Vec<u8>, hs: &HardState) {
    put_u64(payload, hs.term);
    put_u64(payload, hs.vote);
    put_u64(payload, hs.commit);
}

fn get_u64(p: &[u8], at: &mut usize) -> Option<u64> {
    let v = u64::from_le_bytes(p.get(*at..*at + 8)?.try_into().ok()?);
    *at += 8;
    Some(v)
}

fn get_entries(p: &[u8], at: &mut usize) -> Option<Vec<Entry>> {
    let n = get_u64(p, at)?;
    let mut ents = Vec::new();
    for _ in 0..n {
        let index = get_u64(p, at)?;
        let term = get_u64(p, at)?;
        let entry_type = match *p.get(*at)? {
            0 => EntryType::EntryNormal,
            1 => EntryType::EntryConfChange,
            2 => EntryType::EntryConfChangeV2,
            _ => return None,
        };
        *at += 1;
        let len = get_u64(p, at)? as usize;
        let data = p.get(*at..at.checked_add(len)?)?.to_vec();
        *at += len;
        ents.push(Entry {
            index,
            term,
            entry_type,
            data: data.into(),
        });
    }
    Some(ents)
}

fn get_hard_state(p: &[u8], at: &mut usize) -> Option<HardState> {
    Some(HardState {
        term: get_u64(p, at)?,
        vote: get_u64(p, at)?,
        commit: get_u64(p, at)?,
    })
}

/// Reads a payload written by `encode`; `None` if it is malformed.
fn decode_payload(p: &[u8]) -> Option<Write> {
    let mut at = 1usize;
    match *p.first()? {
        TAG_ENTRIES => {
            let ents = get_entries(p, &mut at)?;
            (at == p.len() && !ents.is_empty()).then_some(Write::Entries(ents))
        }
        TAG_HARD_STATE => {
            let hs = get_hard_state(p, &mut at)?;
            (at == p.len()).then_some(Write::HardState(hs))
        }
        TAG_SNAPSHOT => {
            let compact_to = Some(get_u64(p, &mut at)?).filter(|&i| i != u64::MAX);
            let snapshot = postcard::from_bytes(p.get(at..)?).ok()?;
            Some(Write::Snapshot {
                snapshot: Box::new(snapshot),
                compact_to,
            })
        }
        TAG_CHECKPOINT => {
            let hard_state = get_hard_state(p, &mut at)?;
            let offset = (get_u64(p, &mut at)?, get_u64(p, &mut at)?);
            let len = get_u64(p, &mut at)? as usize;
            let snapshot = postcard::from_bytes(p.get(at..at.checked_add(len)?)?).ok()?;
            at += len;
            let log = get_entries(p, &mut at)?;
            (at == p.len()).then(|| {
                Write::Checkpoint(Box::new(Stored {
                    snapshot,
                    offset,
                    log,
                    hard_state,
                }))
            })
        }
        _ => None,
    }
}

/// What recovery decodes from the platter: the latest snapshot, the log after its
/// compaction point, and the hard state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stored {
    snapshot: Snapshot,
    /// The index and term of the last entry compacted away (0, 0 for none): `log[0]`
    /// is at `offset.0 + 1`.
    offset: (u64, u64),
    log: Vec<Entry>,
    hard_state: HardState,
}

impl Stored {
    /// The index of the last durable entry (or of the compaction point if the log
    /// after it is empty).
    pub fn last_index(&self) -> u64 {
        self.offset.0 + self.log.len() as u64
    }

    /// The durable term at `index`, if the durable log holds it (the compaction point
    /// counts; indexes before it are gone).
    pub fn term(&self, index: u64) -> Option<u64> {
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
            Write::Checkpoint(state) => *self = *state,
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

impl Stored {
    /// The durable hard state.
    pub fn hard_state(&self) -> HardState {
        self.hard_state
    }

    /// The durable log entries after the compaction point.
    pub fn entries(&self) -> &[Entry] {
        &self.log
    }

    /// The latest durable snapshot (empty if none).
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The index of the last entry compacted away (0 if none): the durable log starts
    /// after it.
    pub fn compacted_to(&self) -> u64 {
        self.offset.0
    }

    /// A raft storage holding exactly what is durable, for a restarted node: the
    /// snapshot (if any), the log after it, and the hard state.
    pub fn to_storage(&self, voters: impl IntoIterator<Item = u64>) -> MemStorage {
        let mut s = MemStorage::new_with_voters(voters);
        let mut hs = self.hard_state;
        if !self.snapshot.is_empty() {
            s.apply_snapshot(self.snapshot.clone())
                .expect("a fresh storage is older than any snapshot");
            // A snapshot only ever holds committed entries; its record can survive a
            // torn crash that cut off the hard state written after it.
            hs.commit = hs.commit.max(self.snapshot.metadata.index);
        }
        // Entries the snapshot covers (a compaction keeps a margin of them for
        // followers catching up from the log) are skipped: the node restarts from the
        // snapshot and the log after it, as etcd restarts from its newest snapshot and
        // the WAL after it.
        s.append(&self.log);
        s.set_hard_state(hs);
        s
    }
}

impl Durable for Stored {
    type Record = Write;

    fn encode(record: &Write, out: &mut Vec<u8>) {
        encode(record, out);
    }

    fn decode(payload: &[u8]) -> Option<Write> {
        decode_payload(payload)
    }

    fn apply(&mut self, record: Write) {
        Stored::apply(self, record);
    }

    fn entries_in(record: &Write) -> u64 {
        match record {
            Write::Entries(e) => e.len() as u64,
            Write::HardState(_) | Write::Snapshot { .. } | Write::Checkpoint(_) => 0,
        }
    }

    fn raft(&self) -> Option<&dyn RaftDurable> {
        Some(self)
    }

    fn checkpoint(&self) -> Option<Write> {
        Some(Write::Checkpoint(Box::new(self.clone())))
    }
}

impl RaftDurable for Stored {
    fn hard_state(&self) -> system::HardState {
        crate::convert::hard_state(self.hard_state)
    }

    fn term(&self, index: u64) -> Option<u64> {
        Stored::term(self, index)
    }

    fn last_index(&self) -> u64 {
        Stored::last_index(self)
    }

    fn compacted_to(&self) -> u64 {
        self.offset.0
    }
}

/// A server's writes, one record each, into its disk's page cache.
pub trait Writes {
    /// Queues entries to append (replacing any durable suffix they overlap).
    fn write_entries(&mut self, entries: &[Entry]);
    /// Queues a hard-state write.
    fn write_hard_state(&mut self, hs: HardState);
    /// Queues a snapshot installed from the leader: once durable it replaces the log.
    fn write_installed_snapshot(&mut self, snapshot: &Snapshot);
    /// Queues a snapshot of this node's state machine; once durable, the entries up
    /// to `compact_to` (at most the snapshot's index) are dropped from the log.
    fn write_compaction(&mut self, snapshot: &Snapshot, compact_to: u64);
}

impl Writes for Disk<Stored> {
    fn write_entries(&mut self, entries: &[Entry]) {
        if !entries.is_empty() {
            self.write(Write::Entries(entries.to_vec()));
        }
    }

    fn write_hard_state(&mut self, hs: HardState) {
        self.write(Write::HardState(hs));
    }

    fn write_installed_snapshot(&mut self, snapshot: &Snapshot) {
        self.write(Write::Snapshot {
            snapshot: Box::new(snapshot.clone()),
            compact_to: None,
        });
    }

    fn write_compaction(&mut self, snapshot: &Snapshot, compact_to: u64) {
        debug_assert!(compact_to <= snapshot.metadata.index);
        self.write(Write::Snapshot {
            snapshot: Box::new(snapshot.clone()),
            compact_to: Some(compact_to),
        });
    }
}

/// The entries among records that became durable, in order.
pub fn entries_of(records: &[Write]) -> impl Iterator<Item = &Entry> {
    records.iter().flat_map(|w| match w {
        Write::Entries(e) => &e[..],
        Write::HardState(_) | Write::Snapshot { .. } | Write::Checkpoint(_) => &[],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use linsim_sim::disk::CrashLoss;
    use rand::SeedableRng;

    fn durable(d: &Disk<Stored>) -> &Stored {
        d.durable()
    }

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

    fn snap(index: u64, term: u64, data: &str) -> Snapshot {
        let mut s = Snapshot::default();
        s.metadata.index = index;
        s.metadata.term = term;
        s.metadata.conf_state = linsim_raft::ConfState::from_voters([1, 2, 3]);
        s.data = data.as_bytes().to_vec().into();
        s
    }

    #[test]
    fn crash_drops_unsynced_writes_and_counts_them() {
        let mut d = Disk::<Stored>::default();
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
        assert_eq!(durable(&d).entries(), &[e(1, 1), e(2, 1)]);
        assert_eq!(durable(&d).hard_state(), HardState::default());
    }

    #[test]
    fn sync_truncates_conflicting_suffixes() {
        let mut d = Disk::<Stored>::default();
        d.write_entries(&[e(1, 1), e(2, 1), e(3, 1)]);
        d.sync(false);
        d.write_entries(&[e(2, 2)]);
        d.sync(false);
        assert_eq!(durable(&d).entries(), &[e(1, 1), e(2, 2)]);
    }

    #[test]
    fn a_compaction_drops_entries_once_its_record_is_durable() {
        let mut d = Disk::<Stored>::default();
        d.write_entries(&[e(1, 1), e(2, 1), e(3, 1), e(4, 2)]);
        d.sync(false);
        d.write_compaction(&snap(3, 1, "kv@3"), 2);
        assert_eq!(durable(&d).entries().len(), 4, "not durable yet");
        d.sync(false);
        assert_eq!(durable(&d).entries(), &[e(3, 1), e(4, 2)]);
        assert_eq!(
            (
                durable(&d).compacted_to(),
                durable(&d).term(2),
                durable(&d).term(1)
            ),
            (2, Some(1), None)
        );
        assert_eq!(durable(&d).last_index(), 4);
        // A restart sees the snapshot and the log after it.
        let s = durable(&d).to_storage([1, 2, 3]);
        use linsim_raft::Storage;
        assert_eq!(s.first_index().unwrap(), 4);
        assert_eq!(s.last_index().unwrap(), 4);
        assert_eq!(&s.snapshot(0).unwrap().data[..], b"kv@3");
        assert_eq!(s.initial_state().unwrap().hard_state.commit, 3);
    }

    #[test]
    fn an_installed_snapshot_replaces_the_log_and_a_crash_mid_install_keeps_the_old_one() {
        let mut base = Disk::<Stored>::default();
        base.write_entries(&[e(1, 1), e(2, 1), e(3, 1)]);
        base.sync(false);
        let mut crashed = base.clone();
        crashed.write_installed_snapshot(&snap(10, 4, "kv@10"));
        crashed.write_entries(&[e(11, 4)]);
        let loss = crashed.crash(None::<&mut rand::rngs::StdRng>);
        assert_eq!((loss.writes_lost, loss.entries_lost), (2, 1));
        assert_eq!(durable(&crashed).entries().len(), 3);
        assert!(durable(&crashed).snapshot().is_empty());

        let mut d = base;
        d.write_installed_snapshot(&snap(10, 4, "kv@10"));
        d.write_entries(&[e(11, 4)]);
        d.sync(false);
        assert_eq!(durable(&d).entries(), &[e(11, 4)]);
        assert_eq!(
            (durable(&d).compacted_to(), durable(&d).term(10)),
            (10, Some(4))
        );
        // Recovery decodes the same state from the platter.
        let mut replay = d.clone();
        let loss = replay.crash(None::<&mut rand::rngs::StdRng>);
        assert!(!loss.torn_record_truncated);
        assert_eq!(durable(&replay).entries(), durable(&d).entries());
        assert_eq!(durable(&replay).snapshot(), durable(&d).snapshot());
    }

    #[test]
    fn a_checkpoint_rebuilds_the_state_it_was_taken_of() {
        // A snapshot at 3 with a margin of entries kept behind it (compacted to 2),
        // entries after it and a hard state: a checkpoint must keep all of it.
        let mut d = Disk::<Stored>::default();
        d.write_entries(&[e(1, 1), e(2, 1), e(3, 1), e(4, 2)]);
        d.write_hard_state(hs(2, 1, 4));
        d.write_compaction(&snap(3, 1, "kv@3"), 2);
        d.sync(false);
        let state = durable(&d).clone();
        let record = state.checkpoint().expect("linsim-kv checkpoints");
        let mut bytes = Vec::new();
        Stored::encode(&record, &mut bytes);
        let decoded = Stored::decode(&bytes).expect("a checkpoint decodes");
        assert_eq!(decoded, record);
        let mut rebuilt = Stored::default();
        rebuilt.apply(decoded);
        assert_eq!(rebuilt, state);
        assert!(
            Stored::decode(&bytes[..bytes.len() - 1]).is_none(),
            "cut short"
        );
    }

    #[test]
    fn a_long_run_of_snapshots_keeps_the_disk_near_the_size_of_its_state() {
        let mut d = Disk::<Stored>::default();
        let state = "x".repeat(10_000);
        for i in 1..=1000u64 {
            d.write_entries(&[e(i, 1)]);
            d.write_hard_state(hs(1, 1, i));
            d.write_compaction(&snap(i, 1, &state), i.saturating_sub(4).max(1));
            d.sync(false);
        }
        // 1000 snapshot records of 10 kB: 10 MB without checkpoints.
        assert!(d.durable_bytes() < 1 << 20, "{} bytes", d.durable_bytes());
        let before = durable(&d).clone();
        d.crash(None::<&mut rand::rngs::StdRng>);
        assert_eq!(durable(&d), &before, "recovery reads the same state back");
    }

    #[test]
    fn a_torn_snapshot_record_is_cut_off_by_recovery() {
        let mut base = Disk::<Stored>::default();
        base.write_entries(&[e(1, 1), e(2, 1)]);
        base.sync(false);
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut outcomes = std::collections::BTreeSet::new();
        for _ in 0..100 {
            let mut d = base.clone();
            d.write_installed_snapshot(&snap(9, 3, "kv@9"));
            d.crash(Some(&mut rng));
            // Either the whole snapshot survived or none of it did.
            outcomes.insert((
                durable(&d).snapshot().metadata.index,
                durable(&d).entries().len(),
            ));
        }
        assert_eq!(outcomes, [(0, 2), (9, 0)].into_iter().collect());
    }
}
