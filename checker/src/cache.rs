//! Lowe's cache of visited (linearized set, state) pairs, and the hashers it uses.

use crate::bitset::Bitset;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

const NIL: u32 = u32::MAX;

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) ^ (*b as u64);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// A fast multiplicative hasher for model states (FxHash's scheme). States are hashed
/// once per search step, so SipHash's cost shows; flooding resistance is not needed.
#[derive(Default)]
struct StateHasher(u64);

impl Hasher for StateHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.write_u64(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        for &b in chunks.remainder() {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(v as u64);
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(v as u64);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64);
    }
}

pub(crate) fn state_hash<S: Hash>(s: &S) -> u64 {
    let mut h = StateHasher::default();
    s.hash(&mut h);
    h.finish()
}

pub(crate) fn mix(a: u64, b: u64) -> u64 {
    (a ^ b.rotate_left(23)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Lowe's cache of visited (linearized set, state) pairs, in one arena: bitsets are
/// stored flat, entries with equal keys are chained. No allocation per entry.
pub(crate) struct Cache<S> {
    heads: HashMap<u64, u32, BuildHasherDefault<PreHashed>>,
    entries: Vec<(u32, S)>,
    bits: Vec<u64>,
    words: usize,
}

impl<S: Eq> Cache<S> {
    pub(crate) fn new(n: usize) -> Cache<S> {
        Cache {
            heads: HashMap::default(),
            entries: Vec::new(),
            bits: Vec::new(),
            words: n.div_ceil(64),
        }
    }

    /// Inserts (`set` plus `id`, `state`) under `key` unless present; returns whether it
    /// was new.
    #[inline]
    pub(crate) fn insert(&mut self, key: u64, set: &Bitset, id: usize, state: &S) -> bool
    where
        S: Clone,
    {
        let idx = self.entries.len() as u32;
        // One probe of the table: found or not, the slot is at hand to update.
        let head = match self.heads.entry(key) {
            Entry::Occupied(mut slot) => {
                let mut e = *slot.get();
                while e != NIL {
                    let (next, ref s) = self.entries[e as usize];
                    let w = e as usize * self.words;
                    if s == state && set.equals_with_words(&self.bits[w..w + self.words], id) {
                        return false;
                    }
                    e = next;
                }
                std::mem::replace(slot.get_mut(), idx)
            }
            Entry::Vacant(slot) => {
                slot.insert(idx);
                NIL
            }
        };
        self.entries.push((head, state.clone()));
        let start = self.bits.len();
        self.bits.extend_from_slice(set.words());
        self.bits[start + id / 64] |= 1 << (id % 64);
        true
    }

    /// Bytes one entry costs besides the heap its state owns: the entry, its bitset
    /// words, and its share of the hash table (a key, a value and a control byte at a
    /// load factor of 7/8, rounded up).
    pub(crate) fn bytes_per_entry(&self) -> usize {
        std::mem::size_of::<(u32, S)>() + self.words * 8 + 16
    }
}

impl<S> Cache<S> {
    /// Entries stored so far.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}
