//! A fixed-size bitset with an incrementally maintained hash, for the search cache.

/// The set of linearized operations. Its hash is a Zobrist-style XOR of per-bit keys,
/// updated in O(1) by `set` and `clear`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitset {
    words: Box<[u64]>,
    hash: u64,
}

fn bit_key(i: usize) -> u64 {
    // splitmix64 of the index: a fixed pseudo-random key per bit.
    let mut z = (i as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Bitset {
    /// An empty set for `n` elements.
    pub fn new(n: usize) -> Bitset {
        Bitset {
            words: vec![0; n.div_ceil(64)].into_boxed_slice(),
            hash: 0,
        }
    }

    /// Adds `i`.
    pub fn set(&mut self, i: usize) {
        debug_assert!(!self.get(i));
        self.words[i / 64] |= 1 << (i % 64);
        self.hash ^= bit_key(i);
    }

    /// Removes `i`.
    pub fn clear(&mut self, i: usize) {
        debug_assert!(self.get(i));
        self.words[i / 64] &= !(1 << (i % 64));
        self.hash ^= bit_key(i);
    }

    /// Whether `i` is in the set.
    pub fn get(&self, i: usize) -> bool {
        self.words[i / 64] & (1 << (i % 64)) != 0
    }

    /// The set's hash (equal sets have equal hashes).
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// The hash the set would have with `i` added.
    pub fn hash_with(&self, i: usize) -> u64 {
        self.hash ^ bit_key(i)
    }

    /// The raw words.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Whether `other` (raw words) equals this set plus `i` (with `i` not in this set).
    #[inline]
    pub fn equals_with_words(&self, other: &[u64], i: usize) -> bool {
        let w = i / 64;
        self.words.iter().zip(other).enumerate().all(|(k, (a, b))| {
            if k == w {
                *a | (1 << (i % 64)) == *b
            } else {
                a == b
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_tracks_contents() {
        let mut a = Bitset::new(130);
        let b = Bitset::new(130);
        a.set(3);
        a.set(129);
        assert_ne!(a.hash(), b.hash());
        assert_eq!(b.hash_with(3) ^ crate::bitset::bit_key(129), a.hash());
        a.clear(129);
        assert!(b.equals_with_words(a.words(), 3));
        a.clear(3);
        assert_eq!(a, b);
    }
}
