//! The cache key of a linearized set, in memory that does not grow with the history.
//!
//! Lowe's cache remembers every (linearized set, state) pair the search visited. Held as
//! a bitset over all n operations, each entry costs n bits, and a search visits at
//! least one entry per operation: memory grows with n², which is what made a 200,000-op
//! history on one key need gigabytes.
//!
//! The argument for a smaller key. Events are numbered in the order the search walks
//! them (`Linearizer::new`). For a linearized set L let the frontier f(L) be the first
//! return event of a completed operation not in L. Then:
//!
//! - every completed operation whose return comes before f is in L (f is the first one
//!   that is not);
//! - every operation in L was called before f: the search only linearizes a call it
//!   reaches before the first return still in its list, and that return is f's or an
//!   earlier one, since f only moves forward as L grows.
//!
//! So L is exactly: the completed operations returning before f, plus A = the completed
//! operations of L returning after f, plus I = the operations of L that never returned.
//! The triple (f, A, I) determines L and L determines it, so the cache may key on it
//! instead of on L with no change to which pairs are equal. A holds only operations
//! called before f and returning after it, that is operations open at one instant:
//! at most as many as there are clients running at once, whatever the length of the
//! history. I can grow with the operations of unknown outcome the search linearized, so
//! it is held as a hash-consed set (`shared_sets`) and named in the key by its id.
//!
//! The key of a pair costs a few words, the search's stack holds one A per linearized
//! call, and the bitset of L is kept once, for the search itself: memory grows linearly
//! with the history at bounded concurrency.

use crate::shared_sets::{SharedSets, EMPTY};

const NIL: u32 = u32::MAX;

/// What a linearized call changed, to undo it on backtracking.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Saved {
    top: u32,
    infos: u32,
}

/// The parts of the key of the current linearized set, kept as the search moves.
pub(crate) struct Frontier {
    /// Per op: the event number of its return, or NIL for an op that never returned.
    ret_event: Vec<u32>,
    /// Per op: its number among the ops that never returned, or NIL.
    info_number: Vec<u32>,
    /// A of every linearized prefix on the search's stack, one after another, each
    /// sorted by op id; the current one starts at `top`.
    ahead: Vec<u32>,
    top: u32,
    /// I of the current linearized set.
    infos: u32,
    sets: SharedSets,
    /// The key `key_with` built last: [f, id of I, A...].
    key: Vec<u32>,
}

impl Frontier {
    /// The frontier of the empty set, for ops whose return events are `ret_event` (NIL:
    /// never returned).
    pub(crate) fn new(ret_event: Vec<u32>) -> Frontier {
        let mut info_number = vec![NIL; ret_event.len()];
        let mut infos = 0;
        for (id, &r) in ret_event.iter().enumerate() {
            if r == NIL {
                info_number[id] = infos;
                infos += 1;
            }
        }
        Frontier {
            ret_event,
            info_number,
            ahead: Vec::new(),
            top: 0,
            infos: EMPTY,
            sets: SharedSets::new(infos as usize),
            key: Vec::new(),
        }
    }

    /// Bytes held beyond the fixed per-op arrays: the stacked A sets and the shared
    /// sets' nodes.
    pub(crate) fn bytes(&self) -> usize {
        self.ahead.len() * 4 + self.sets.nodes() * SharedSets::NODE_BYTES
    }

    /// Builds the key of the current set plus op `id`, whose frontier is then `f` (the
    /// first return event of a completed op still out, NIL if none), and returns it.
    pub(crate) fn key_with(&mut self, id: u32, f: u32) -> &[u32] {
        let infos = match self.info_number[id as usize] {
            NIL => self.infos,
            k => self.sets.with(self.infos, k, true),
        };
        self.key.clear();
        self.key.push(f);
        self.key.push(infos);
        let returns_after = |r: u32| f != NIL && r != NIL && r > f;
        let mut pending = returns_after(self.ret_event[id as usize]).then_some(id);
        for &x in &self.ahead[self.top as usize..] {
            if !returns_after(self.ret_event[x as usize]) {
                continue;
            }
            if let Some(p) = pending.filter(|&p| p < x) {
                self.key.push(p);
                pending = None;
            }
            self.key.push(x);
        }
        self.key.extend(pending);
        &self.key
    }

    /// Makes the set `key_with` built last the current one; returns what to give `pop`
    /// to come back.
    pub(crate) fn push(&mut self) -> Saved {
        let saved = Saved {
            top: self.top,
            infos: self.infos,
        };
        self.top = self.ahead.len() as u32;
        self.infos = self.key[1];
        self.ahead.extend_from_slice(&self.key[2..]);
        saved
    }

    /// Undoes the `push` that returned `saved`.
    pub(crate) fn pop(&mut self, saved: Saved) {
        self.ahead.truncate(self.top as usize);
        self.top = saved.top;
        self.infos = saved.infos;
    }
}
