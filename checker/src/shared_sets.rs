//! Sets of small integers, hash-consed: equal sets get the same id, whatever order
//! their elements were added in, and a set one element away from a known one costs a
//! few new nodes, not a copy.
//!
//! The search uses it for the operations that never returned and were linearized: that
//! set can grow with the history (see `frontier`), so the cache key names it by id.

use crate::cache::FastHash;
use std::collections::HashMap;

/// The id of the empty set.
pub(crate) const EMPTY: u32 = 0;

/// The id of a present element at the bottom level of the trie.
const PRESENT: u32 = 1;

/// A binary trie over the bits of each element (most significant first), every node
/// interned by (level, left, right): a set's shape depends only on its elements, so
/// equal sets share their root id, and adding or removing an element copies one path.
pub(crate) struct SharedSets {
    /// Levels of the trie: elements are below `1 << levels`.
    levels: u32,
    /// Node id to its children (ids 0 and 1 are the empty set and a present element).
    nodes: Vec<(u32, u32)>,
    interned: HashMap<(u32, u32, u32), u32, FastHash>,
    /// (set, element, present) to the resulting set, for the updates already made.
    updates: HashMap<(u32, u32, bool), u32, FastHash>,
}

impl SharedSets {
    /// Sets of elements below `n`.
    pub(crate) fn new(n: usize) -> SharedSets {
        let levels = usize::BITS - n.saturating_sub(1).leading_zeros();
        SharedSets {
            levels,
            nodes: vec![(EMPTY, EMPTY), (EMPTY, EMPTY)],
            interned: HashMap::default(),
            updates: HashMap::default(),
        }
    }

    /// Bytes held, counted from lengths: per node its children and its share of the
    /// intern table, per update made its share of the table of updates.
    pub(crate) fn bytes(&self) -> usize {
        self.nodes.len() * (8 + 24) + self.updates.len() * 24
    }

    fn node(&mut self, level: u32, left: u32, right: u32) -> u32 {
        if left == EMPTY && right == EMPTY {
            return EMPTY;
        }
        let next = self.nodes.len() as u32;
        let id = *self.interned.entry((level, left, right)).or_insert(next);
        if id == next {
            self.nodes.push((left, right));
        }
        id
    }

    /// The set `set` with `element` added (`present`) or removed.
    pub(crate) fn with(&mut self, set: u32, element: u32, present: bool) -> u32 {
        if let Some(&done) = self.updates.get(&(set, element, present)) {
            return done;
        }
        let done = self.update(set, self.levels, element, present);
        self.updates.insert((set, element, present), done);
        done
    }

    fn update(&mut self, set: u32, level: u32, element: u32, present: bool) -> u32 {
        if level == 0 {
            return if present { PRESENT } else { EMPTY };
        }
        let (left, right) = if set == EMPTY {
            (EMPTY, EMPTY)
        } else {
            self.nodes[set as usize]
        };
        if element >> (level - 1) & 1 == 0 {
            let left = self.update(left, level - 1, element, present);
            self.node(level, left, right)
        } else {
            let right = self.update(right, level - 1, element, present);
            self.node(level, left, right)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_sets_share_an_id_whatever_the_order() {
        let mut s = SharedSets::new(1000);
        let a = [3u32, 999, 0, 512, 77];
        let mut x = EMPTY;
        for e in a {
            x = s.with(x, e, true);
        }
        let mut y = EMPTY;
        for e in a.iter().rev() {
            y = s.with(y, *e, true);
        }
        assert_eq!(x, y);
        let mut z = x;
        for e in a {
            z = s.with(z, e, false);
        }
        assert_eq!(z, EMPTY);
        assert_ne!(s.with(EMPTY, 3, true), s.with(EMPTY, 4, true));
        let one = SharedSets::new(1).with(EMPTY, 0, true);
        assert_ne!(one, EMPTY);
    }
}
