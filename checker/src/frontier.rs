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
//! history. I can grow with the operations of unknown outcome the search linearized: a
//! component with few of them (at most `INLINE_INFOS`) keys on I's bits, a larger one
//! holds I as a hash-consed set (`shared_sets`) and names it in the key by its id.
//!
//! The key of a pair costs a few words, the search's stack holds one A per linearized
//! call, and the bitset of L is kept once, for the search itself: memory grows linearly
//! with the history at bounded concurrency.
//!
//! A component of at most `SMALL_OPS` ops keys on L's bits, as porcupine does: a few
//! words too, and no bookkeeping per step (the reference histories are of this size).

use crate::shared_sets::{SharedSets, EMPTY};

const NIL: u32 = u32::MAX;

/// Components with at most this many ops of unknown outcome key on I's bits (a few
/// words: no lookup per step); larger ones on the id of a shared set.
const INLINE_INFOS: u32 = 256;

/// Components with at most this many ops key on the bits of L itself.
const SMALL_OPS: usize = 256;

/// Which key a component gets, by its size.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// At most this many ops: L's bits.
    pub small_ops: usize,
    /// Else, at most this many unknown ops: I's bits in the frontier key.
    pub inline_infos: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            small_ops: SMALL_OPS,
            inline_infos: INLINE_INFOS,
        }
    }
}

/// What a linearized call changed, to undo it on backtracking.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Saved {
    top: u32,
    infos: u32,
    /// The number (among unknown ops) of the op it added to I, or NIL.
    added: u32,
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
    /// I: as bits (`INLINE_INFOS` or fewer unknown ops), else one word, the id of a
    /// shared set.
    infos: Vec<u32>,
    /// Whether I is held as bits.
    inline: bool,
    sets: SharedSets,
    /// The key `key_with` built last: [f, I..., A...].
    key: Vec<u32>,
    /// What `key_with` added to I, or NIL.
    added: u32,
    /// Whether the key is L's bits (a component of at most `SMALL_OPS` ops).
    small: bool,
}

impl Frontier {
    /// The frontier of the empty set, for ops whose return events are `ret_event` (NIL:
    /// never returned), with the kind of key `limits` chooses for its size.
    pub(crate) fn with_limits(ret_event: Vec<u32>, limits: Limits) -> Frontier {
        let mut info_number = vec![NIL; ret_event.len()];
        let mut count = 0;
        for (id, &r) in ret_event.iter().enumerate() {
            if r == NIL {
                info_number[id] = count;
                count += 1;
            }
        }
        let inline = count <= limits.inline_infos;
        let small = ret_event.len() <= limits.small_ops;
        Frontier {
            small,
            ret_event,
            info_number,
            ahead: Vec::new(),
            top: 0,
            infos: if inline {
                vec![0; count.div_ceil(32) as usize]
            } else {
                vec![EMPTY]
            },
            inline,
            sets: SharedSets::new(count as usize),
            key: Vec::new(),
            added: NIL,
        }
    }

    /// Bytes held beyond the fixed per-op arrays: the stacked A sets and the shared
    /// sets' nodes.
    #[inline]
    pub(crate) fn bytes(&self) -> usize {
        self.ahead.len() * 4 + self.sets.bytes()
    }

    /// Whether the key is L's bits (`cache::BitsWith`) rather than `key_with`'s.
    pub(crate) fn keys_on_bits(&self) -> bool {
        self.small
    }

    /// Builds the key of the current set plus op `id`, whose frontier is then `f` (the
    /// first return event of a completed op still out, NIL if none), and returns it.
    #[inline]
    pub(crate) fn key_with(&mut self, id: u32, f: u32) -> &[u32] {
        self.key.clear();
        self.key.push(f);
        self.key.extend_from_slice(&self.infos);
        self.added = self.info_number[id as usize];
        let k = self.added;
        if k != NIL {
            if self.inline {
                self.key[1 + (k / 32) as usize] |= 1 << (k % 32);
            } else {
                self.key[1] = self.sets.with(self.infos[0], k, true);
            }
        }
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
    #[inline]
    pub(crate) fn push(&mut self) -> Saved {
        if self.small {
            return Saved {
                top: self.top,
                infos: NIL,
                added: NIL,
            };
        }
        let saved = Saved {
            top: self.top,
            infos: if self.inline { NIL } else { self.infos[0] },
            added: self.added,
        };
        let i = 1 + self.infos.len();
        self.top = self.ahead.len() as u32;
        if self.added != NIL {
            self.infos.copy_from_slice(&self.key[1..i]);
        }
        self.ahead.extend_from_slice(&self.key[i..]);
        saved
    }

    /// Undoes the `push` that returned `saved`.
    #[inline]
    pub(crate) fn pop(&mut self, saved: Saved) {
        if self.small {
            return;
        }
        self.ahead.truncate(self.top as usize);
        self.top = saved.top;
        let k = saved.added;
        if k != NIL {
            if self.inline {
                self.infos[(k / 32) as usize] &= !(1 << (k % 32));
            } else {
                self.infos[0] = saved.infos;
            }
        }
    }
}
