//! One node's disk: it outlives the node's tasks, so a crash loses exactly what was not
//! synced.

use linsim_raft::{Entry, HardState, MemStorage};
use rand::Rng;

/// A write that is not yet durable.
#[derive(Clone, Debug)]
enum Write {
    Entries(Vec<Entry>),
    HardState(HardState),
}

/// A node's durable log and hard state, plus writes pending until `sync`.
#[derive(Clone, Debug, Default)]
pub struct Disk {
    durable: Vec<Entry>,
    hard_state: HardState,
    pending: Vec<Write>,
}

impl Disk {
    /// Queues entries to append (replacing any durable suffix they overlap).
    pub fn write_entries(&mut self, entries: &[Entry]) {
        if !entries.is_empty() {
            self.pending.push(Write::Entries(entries.to_vec()));
        }
    }

    /// Queues a hard-state write.
    pub fn write_hard_state(&mut self, hs: HardState) {
        self.pending.push(Write::HardState(hs));
    }

    fn apply(&mut self, w: Write) {
        match w {
            Write::Entries(ents) => {
                let first = ents[0].index;
                let keep = (first - 1) as usize;
                assert!(
                    keep <= self.durable.len(),
                    "disk: append at {first} leaves a gap after {}",
                    self.durable.len()
                );
                self.durable.truncate(keep);
                self.durable.extend(ents);
            }
            Write::HardState(hs) => self.hard_state = hs,
        }
    }

    /// Makes every pending write durable.
    pub fn sync(&mut self) {
        for w in std::mem::take(&mut self.pending) {
            self.apply(w);
        }
    }

    /// A crash: pending writes are lost, or with `torn` a random prefix of them survives.
    pub fn crash(&mut self, torn: Option<&mut impl Rng>) {
        let pending = std::mem::take(&mut self.pending);
        let keep = match torn {
            Some(rng) if !pending.is_empty() => rng.random_range(0..=pending.len()),
            _ => 0,
        };
        for w in pending.into_iter().take(keep) {
            self.apply(w);
        }
    }

    /// The durable hard state.
    pub fn hard_state(&self) -> HardState {
        self.hard_state
    }

    /// The durable entries (index 1 first).
    pub fn entries(&self) -> &[Entry] {
        &self.durable
    }

    /// Test hook: flips the data of the durable entry at `index` (a corrupted disk).
    pub fn corrupt(&mut self, index: u64) {
        if let Some(e) = self.durable.get_mut(index as usize - 1) {
            let mut data = e.data.to_vec();
            data.extend_from_slice(b"!corrupt");
            e.data = data.into();
        }
    }

    /// A raft storage holding exactly what is durable, for a restarted node.
    pub fn to_storage(&self, voters: impl IntoIterator<Item = u64>) -> MemStorage {
        let mut s = MemStorage::new_with_voters(voters);
        s.append(&self.durable);
        s.set_hard_state(self.hard_state);
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
            ..Entry::default()
        }
    }

    #[test]
    fn crash_drops_unsynced_writes() {
        let mut d = Disk::default();
        d.write_entries(&[e(1, 1), e(2, 1)]);
        d.sync();
        d.write_entries(&[e(3, 1)]);
        d.write_hard_state(HardState {
            term: 1,
            vote: 1,
            commit: 3,
        });
        d.crash(None::<&mut rand::rngs::StdRng>);
        assert_eq!(d.entries().len(), 2);
        assert_eq!(d.hard_state(), HardState::default());
    }

    #[test]
    fn torn_crash_keeps_a_prefix_and_sync_truncates_conflicts() {
        let mut d = Disk::default();
        d.write_entries(&[e(1, 1), e(2, 1), e(3, 1)]);
        d.sync();
        d.write_entries(&[e(2, 2)]);
        d.sync();
        assert_eq!(
            d.entries().iter().map(|e| e.term).collect::<Vec<_>>(),
            vec![1, 2]
        );
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut kept = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let mut c = d.clone();
            c.write_entries(&[e(3, 2)]);
            c.write_entries(&[e(4, 2)]);
            c.crash(Some(&mut rng));
            kept.insert(c.entries().len());
        }
        assert_eq!(
            kept,
            [2, 3, 4].into_iter().collect(),
            "every prefix length occurs"
        );
    }
}
