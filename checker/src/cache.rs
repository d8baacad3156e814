//! Lowe's cache of visited (linearized set, state) pairs, and the hashers it uses.

use crate::bitset::Bitset;
use std::collections::hash_map::Entry as Slot;
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
pub(crate) struct StateHasher(u64);

/// Hash maps keyed by the search's own small keys, hashed with `StateHasher`.
pub(crate) type FastHash = BuildHasherDefault<StateHasher>;

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

/// A key of the cache: 32-bit words, stored two to a 64-bit word (the second half of
/// an odd one zero) and compared there, without being built first. Keys of different
/// lengths are never equal: the cache compares lengths first.
pub(crate) trait Key {
    /// Its length in 32-bit words.
    fn len(&self) -> usize;
    /// Whether it equals the stored `words` (of a key of the same length).
    fn equals(&self, words: &[u64]) -> bool;
    /// Appends its stored words to `out`.
    fn write(&self, out: &mut Vec<u64>);
}

/// 32-bit words two to a 64-bit word.
#[inline]
fn pairs(key: &[u32]) -> impl Iterator<Item = u64> + '_ {
    key.chunks(2)
        .map(|c| c[0] as u64 | c.get(1).map_or(0, |&h| (h as u64) << 32))
}

impl Key for [u32] {
    fn len(&self) -> usize {
        <[u32]>::len(self)
    }
    #[inline]
    fn equals(&self, words: &[u64]) -> bool {
        // Keys are a few words: a plain loop beats a call to memcmp.
        pairs(self).zip(words).all(|(a, b)| a == *b)
    }
    fn write(&self, out: &mut Vec<u64>) {
        out.extend(pairs(self));
    }
}

/// A linearized set plus one op, as the key of a small component (`frontier`): the
/// set's bits.
pub(crate) struct BitsWith<'a> {
    /// The set.
    pub set: &'a Bitset,
    /// The op added.
    pub id: usize,
}

impl Key for BitsWith<'_> {
    fn len(&self) -> usize {
        self.set.words().len() * 2
    }
    #[inline]
    fn equals(&self, words: &[u64]) -> bool {
        self.set.equals_with_words(words, self.id)
    }
    fn write(&self, out: &mut Vec<u64>) {
        let start = out.len();
        out.extend_from_slice(self.set.words());
        out[start + self.id / 64] |= 1 << (self.id % 64);
    }
}

/// One cached pair: the next entry with the same hash, where its key starts in the
/// arena, the key's length, and the state.
struct Entry<S> {
    next: u32,
    key_at: u32,
    /// In 32-bit words.
    key_len: u32,
    state: S,
}

/// Lowe's cache of visited (linearized set, state) pairs, in one arena: each set is held
/// as its frontier key (`frontier`), a few words, stored flat; entries with equal
/// hashes are chained. No allocation per entry.
pub(crate) struct Cache<S> {
    heads: HashMap<u64, u32, BuildHasherDefault<PreHashed>>,
    entries: Vec<Entry<S>>,
    keys: Vec<u64>,
}

impl<S: Eq> Cache<S> {
    pub(crate) fn new() -> Cache<S> {
        Cache {
            heads: HashMap::default(),
            entries: Vec::new(),
            keys: Vec::new(),
        }
    }

    /// Inserts (`key`, `state`) under `hash` unless present; returns whether it was new.
    /// `hash` must be a function of the pair (equal pairs, equal hashes).
    #[inline]
    pub(crate) fn insert<K: Key + ?Sized>(&mut self, hash: u64, key: &K, state: &S) -> bool
    where
        S: Clone,
    {
        let idx = self.entries.len() as u32;
        let len = key.len();
        // One probe of the table: found or not, the slot is at hand to update.
        let head = match self.heads.entry(hash) {
            Slot::Occupied(mut slot) => {
                let mut e = *slot.get();
                while e != NIL {
                    let entry = &self.entries[e as usize];
                    let at = entry.key_at as usize;
                    if entry.key_len as usize == len
                        && entry.state == *state
                        && key.equals(&self.keys[at..at + len.div_ceil(2)])
                    {
                        return false;
                    }
                    e = entry.next;
                }
                std::mem::replace(slot.get_mut(), idx)
            }
            Slot::Vacant(slot) => {
                slot.insert(idx);
                NIL
            }
        };
        self.entries.push(Entry {
            next: head,
            key_at: self.keys.len() as u32,
            key_len: len as u32,
            state: state.clone(),
        });
        key.write(&mut self.keys);
        true
    }

    /// Bytes an entry with a key of `key_len` words costs besides the heap its state
    /// owns: the entry, its key, and its share of the hash table (a key, a value and a
    /// control byte at a load factor of 7/8, rounded up).
    pub(crate) fn bytes_per_entry(key_len: usize) -> usize {
        std::mem::size_of::<Entry<S>>() + key_len.div_ceil(2) * 8 + 16
    }
}

impl<S> Cache<S> {
    /// Entries stored so far.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}
