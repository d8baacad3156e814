//! What a raft-rs server writes to its disk (the framework's record log,
//! `linsim_sim::disk`): entries to append, hard states and snapshots, one record each,
//! encoded with raft-rs's own protobuf types, and the durable state recovery rebuilds
//! from them. raft-rs reads its log back from this durable state (`crate::storage`).
//!
//! Compaction: a snapshot record holds a state-machine snapshot. A server's own
//! snapshot (`compact_to: Some(i)`) drops the durable entries up to `i` once the record
//! is durable; a snapshot installed from the leader (`compact_to: None`) replaces the
//! whole log. Either way the durable state is a snapshot plus a log suffix. Until its
//! record is synced a snapshot is as volatile as any other write.

use linsim_sim::disk::{Disk, Durable};
use linsim_sim::system::{self, RaftDurable};
use raft::eraftpb::{ConfState, Entry, HardState, Snapshot};

/// A write, as one record.
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    /// Entries to append (replacing any durable suffix they overlap).
    Entries(Vec<Entry>),
    /// A hard state.
    HardState(HardState),
    /// A snapshot: installed from the leader (`compact_to: None`, it replaces the log)
    /// or taken of this server's own state machine (entries up to `compact_to` go).
    Snapshot {
        /// The snapshot (metadata: index, term, configuration; data: the state machine).
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

fn get_u64(p: &[u8], at: &mut usize) -> Option<u64> {
    let v = u64::from_le_bytes(p.get(*at..*at + 8)?.try_into().ok()?);
    *at += 8;
    Some(v)
}

fn put_message(out: &mut Vec<u8>, m: &impl protobuf::Message) {
    let bytes = m.write_to_bytes().expect("raft-rs messages encode");
    put_u64(out, bytes.len() as u64);
    out.extend_from_slice(&bytes);
}

fn get_message<M: protobuf::Message>(p: &[u8], at: &mut usize) -> Option<M> {
    let len = get_u64(p, at)? as usize;
    let bytes = p.get(*at..at.checked_add(len)?)?;
    *at += len;
    M::parse_from_bytes(bytes).ok()
}

fn encode(w: &Write, out: &mut Vec<u8>) {
    match w {
        Write::Entries(ents) => {
            out.push(TAG_ENTRIES);
            put_u64(out, ents.len() as u64);
            for e in ents {
                put_message(out, e);
            }
        }
        Write::HardState(hs) => {
            out.push(TAG_HARD_STATE);
            put_message(out, hs);
        }
        Write::Snapshot {
            snapshot,
            compact_to,
        } => {
            out.push(TAG_SNAPSHOT);
            // u64::MAX marks an installed snapshot (no index is that large).
            put_u64(out, compact_to.unwrap_or(u64::MAX));
            put_message(out, snapshot.as_ref());
        }
        Write::Checkpoint(state) => {
            out.push(TAG_CHECKPOINT);
            put_message(out, &state.hard_state);
            put_u64(out, state.offset.0);
            put_u64(out, state.offset.1);
            put_message(out, &state.snapshot);
            put_u64(out, state.log.len() as u64);
            for e in &state.log {
                put_message(out, e);
            }
        }
    }
}

fn get_entries(p: &[u8], at: &mut usize) -> Option<Vec<Entry>> {
    let n = get_u64(p, at)?;
    (0..n).map(|_| get_message(p, at)).collect()
}

/// Reads a payload written by `encode`; `None` if it is malformed.
fn decode(p: &[u8]) -> Option<Write> {
    let mut at = 1usize;
    let w = match *p.first()? {
        TAG_ENTRIES => {
            let ents = get_entries(p, &mut at)?;
            (!ents.is_empty()).then_some(Write::Entries(ents))?
        }
        TAG_CHECKPOINT => {
            let hard_state = get_message(p, &mut at)?;
            let offset = (get_u64(p, &mut at)?, get_u64(p, &mut at)?);
            let snapshot = get_message(p, &mut at)?;
            let log = get_entries(p, &mut at)?;
            Write::Checkpoint(Box::new(Stored {
                snapshot,
                offset,
                log,
                hard_state,
            }))
        }
        TAG_HARD_STATE => Write::HardState(get_message(p, &mut at)?),
        TAG_SNAPSHOT => {
            let compact_to = Some(get_u64(p, &mut at)?).filter(|&i| i != u64::MAX);
            let snapshot = Box::new(get_message(p, &mut at)?);
            Write::Snapshot {
                snapshot,
                compact_to,
            }
        }
        _ => return None,
    };
    (at == p.len()).then_some(w)
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

    /// The first index the durable log holds an entry for (one past the compaction
    /// point).
    pub fn first_index(&self) -> u64 {
        self.offset.0 + 1
    }

    /// The index of the last entry compacted away (0 if none).
    pub fn compacted_to(&self) -> u64 {
        self.offset.0
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

    /// The durable entries in `[low, high)` (all of them must be in the log).
    pub fn entries(&self, low: u64, high: u64) -> &[Entry] {
        let from = (low - self.first_index()) as usize;
        let to = (high - self.first_index()) as usize;
        &self.log[from..to]
    }

    /// The durable hard state, its commit index raised to the snapshot's index: a
    /// snapshot only holds committed entries, and its record can survive a torn crash
    /// that cut off the hard state written after it.
    pub fn hard_state(&self) -> HardState {
        let mut hs = self.hard_state.clone();
        hs.commit = hs.commit.max(self.snapshot.get_metadata().index);
        hs
    }

    /// The latest durable snapshot (empty if none).
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The configuration in force at the durable snapshot's index, or `initial` (the
    /// configuration every server boots with) if there is no snapshot.
    pub fn conf_state(&self, initial: &ConfState) -> ConfState {
        if self.snapshot.is_empty() {
            initial.clone()
        } else {
            self.snapshot.get_metadata().get_conf_state().clone()
        }
    }

    fn apply(&mut self, w: Write) {
        match w {
            Write::Entries(ents) => self.append(ents),
            Write::HardState(hs) => self.hard_state = hs,
            Write::Checkpoint(state) => *self = *state,
            Write::Snapshot {
                snapshot,
                compact_to,
            } => {
                let meta = snapshot.get_metadata();
                if meta.index <= self.snapshot.get_metadata().index {
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

    fn append(&mut self, ents: Vec<Entry>) {
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
}

impl Durable for Stored {
    type Record = Write;

    fn encode(record: &Write, out: &mut Vec<u8>) {
        encode(record, out);
    }

    fn decode(payload: &[u8]) -> Option<Write> {
        decode(payload)
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
        crate::convert::hard_state(&self.hard_state)
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
    fn write_hard_state(&mut self, hs: &HardState);
    /// Queues a snapshot installed from the leader: once durable it replaces the log.
    fn write_installed_snapshot(&mut self, snapshot: &Snapshot);
    /// Queues a snapshot of this server's state machine; once durable, the entries up
    /// to `compact_to` (at most the snapshot's index) are dropped from the log.
    fn write_compaction(&mut self, snapshot: Snapshot, compact_to: u64);
}

impl Writes for Disk<Stored> {
    fn write_entries(&mut self, entries: &[Entry]) {
        if !entries.is_empty() {
            self.write(Write::Entries(entries.to_vec()));
        }
    }

    fn write_hard_state(&mut self, hs: &HardState) {
        self.write(Write::HardState(hs.clone()));
    }

    fn write_installed_snapshot(&mut self, snapshot: &Snapshot) {
        self.write(Write::Snapshot {
            snapshot: Box::new(snapshot.clone()),
            compact_to: None,
        });
    }

    fn write_compaction(&mut self, snapshot: Snapshot, compact_to: u64) {
        debug_assert!(compact_to <= snapshot.get_metadata().index);
        self.write(Write::Snapshot {
            snapshot: Box::new(snapshot),
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
    use rand::SeedableRng;

    fn e(index: u64, term: u64) -> Entry {
        Entry {
            index,
            term,
            data: format!("v{index}").into_bytes().into(),
            ..Entry::default()
        }
    }

    fn snap(index: u64, term: u64, data: &str) -> Snapshot {
        let mut s = Snapshot::default();
        s.mut_metadata().index = index;
        s.mut_metadata().term = term;
        s.mut_metadata().mut_conf_state().voters = vec![1, 2, 3];
        s.data = data.as_bytes().to_vec().into();
        s
    }

    #[test]
    fn records_round_trip_and_a_crash_keeps_only_synced_ones() {
        let mut d = Disk::<Stored>::default();
        d.write_entries(&[e(1, 1), e(2, 1)]);
        let hs = HardState {
            term: 1,
            vote: 2,
            ..HardState::default()
        };
        d.write_hard_state(&hs);
        d.sync(false);
        d.write_entries(&[e(2, 2)]);
        let loss = d.crash(None::<&mut rand::rngs::StdRng>);
        assert_eq!((loss.writes_lost, loss.entries_lost), (1, 1));
        assert_eq!(d.durable().entries(1, 3), &[e(1, 1), e(2, 1)]);
        assert_eq!(d.durable().hard_state(), hs);
    }

    #[test]
    fn a_compaction_and_an_installed_snapshot_move_the_log_start() {
        let mut d = Disk::<Stored>::default();
        d.write_entries(&[e(1, 1), e(2, 1), e(3, 1), e(4, 2)]);
        d.write_compaction(snap(3, 1, "kv@3"), 2);
        d.sync(false);
        let s = d.durable();
        assert_eq!(
            (s.first_index(), s.last_index(), s.term(2), s.term(1)),
            (3, 4, Some(1), None)
        );
        assert_eq!(
            s.hard_state().commit,
            3,
            "a snapshot holds committed entries"
        );
        d.write_installed_snapshot(&snap(10, 4, "kv@10"));
        d.write_entries(&[e(11, 4)]);
        d.sync(false);
        let s = d.durable();
        assert_eq!(
            (s.first_index(), s.last_index(), s.term(10)),
            (11, 11, Some(4))
        );
        assert_eq!(&s.snapshot().data[..], b"kv@10");
    }

    #[test]
    fn a_checkpoint_rebuilds_the_state_and_keeps_a_long_run_small() {
        let mut d = Disk::<Stored>::default();
        let state = "x".repeat(10_000);
        for i in 1..=1000u64 {
            d.write_entries(&[e(i, 1)]);
            d.write_hard_state(&HardState {
                term: 1,
                vote: 1,
                commit: i,
                ..HardState::default()
            });
            d.write_compaction(snap(i, 1, &state), i.saturating_sub(4).max(1));
            d.sync(false);
        }
        // 1000 snapshot records of 10 kB: 10 MB without checkpoints.
        assert!(d.durable_bytes() < 1 << 20, "{} bytes", d.durable_bytes());
        let record = d.durable().checkpoint().expect("raft-rs checkpoints");
        let mut bytes = Vec::new();
        Stored::encode(&record, &mut bytes);
        assert_eq!(Stored::decode(&bytes), Some(record));
        let before = d.durable().clone();
        d.crash(None::<&mut rand::rngs::StdRng>);
        assert_eq!(d.durable(), &before, "recovery reads the same state back");
    }

    #[test]
    fn a_torn_record_is_cut_off_whole() {
        let mut base = Disk::<Stored>::default();
        base.write_entries(&[e(1, 1)]);
        base.sync(false);
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut outcomes = std::collections::BTreeSet::new();
        for _ in 0..100 {
            let mut d = base.clone();
            d.write_installed_snapshot(&snap(9, 3, "kv@9"));
            d.crash(Some(&mut rng));
            outcomes.insert((d.durable().compacted_to(), d.durable().last_index()));
        }
        assert_eq!(outcomes, [(0, 1), (9, 9)].into_iter().collect());
    }
}
