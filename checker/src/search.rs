//! The linearizability search over one partition: Wing and Gong's algorithm with
//! Lowe's refinements, as porcupine's `checkSingle`.
//!
//! Calls and returns form a doubly linked list in time order. The search walks it:
//! at a call it tries to linearize that operation now (the model accepts it and the
//! (linearized set, state) pair is new to the cache), lifting the call and its return
//! out of the list; at a return whose operation is not yet linearized it backtracks.
//! The history is linearizable when the list empties, or when only operations that
//! never returned are left (they may never have taken effect).

use crate::bitset::Bitset;
use crate::model::Model;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// One operation ready for the search: its model form and its interval.
pub struct SearchOp<O> {
    /// The model form.
    pub op: O,
    /// Call time.
    pub call: u64,
    /// Return time (`u64::MAX`: never returned, so it may linearize anywhere after its
    /// call, or effectively never).
    pub ret: u64,
}

/// The limits of one partition's search, and the signals shared by every partition of
/// one check. `max_steps` and `max_bytes` are counted the same way on every machine, so
/// a search that stops on them stops at the same step everywhere; `deadline` (wall
/// clock) is an optional extra that is not.
pub struct Budget {
    /// Give up after this many search steps (iterations of the search loop).
    pub max_steps: u64,
    /// Give up when this search holds more than this many bytes: its fixed per-operation
    /// arrays, its cache entries, and the heap their states own (`Model::heap_bytes`).
    pub max_bytes: usize,
    /// Give up at this instant (wall clock; not deterministic).
    pub deadline: Option<Instant>,
    /// The lowest partition index found illegal so far (`usize::MAX`: none): partitions
    /// after it stop, partitions before it finish, so the first illegal partition in
    /// key order is always reported.
    pub first_illegal: AtomicUsize,
}

impl Budget {
    /// A budget of `max_steps` steps and `max_bytes` bytes per partition, no deadline.
    pub fn new(max_steps: u64, max_bytes: usize) -> Budget {
        Budget {
            max_steps,
            max_bytes,
            deadline: None,
            first_illegal: AtomicUsize::new(usize::MAX),
        }
    }

    /// Records that partition `index` is illegal.
    pub fn found_illegal(&self, index: usize) {
        self.first_illegal.fetch_min(index, Ordering::Relaxed);
    }

    /// Whether partition `index` may stop: an earlier one is illegal.
    pub fn cancelled(&self, index: usize) -> bool {
        self.first_illegal.load(Ordering::Relaxed) < index
    }
}

/// Why a search gave up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GaveUp {
    /// The step budget (`max_steps`) ran out. Deterministic.
    Steps,
    /// The byte budget (`max_bytes`) ran out. Deterministic.
    Memory,
    /// The optional wall-clock budget ran out. Not deterministic.
    Timeout,
    /// An earlier partition (in key order) was illegal, so this one was not finished.
    Cancelled,
}

/// The deepest point the search reached in an illegal partition.
pub struct Stuck<S> {
    /// The longest linearizable prefix found, in linearization order (search op ids).
    pub prefix: Vec<usize>,
    /// The state after that prefix.
    pub state: S,
    /// The operation whose return came before it could be linearized.
    pub blocked: usize,
    /// The pending operations tried after the prefix, none of which could go next.
    pub candidates: Vec<usize>,
}

/// How much work a search did. For a search that was not cancelled these are a pure
/// function of the partition, the model and the budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SearchStats {
    /// Search steps taken (the unit of `max_steps`).
    pub iterations: u64,
    /// Distinct (linearized set, state) pairs visited.
    pub cache_entries: u64,
    /// Bytes the search held at its end, counted as for `max_bytes`.
    pub bytes: u64,
}

/// The outcome of searching one partition.
pub enum SearchOutcome<S> {
    /// Linearizable, with the linearization found: search op ids in linearization
    /// order (ops that never returned and never took effect are left out).
    Ok(Vec<usize>),
    /// Not linearizable, with where the search got stuck deepest.
    Illegal(Stuck<S>),
    /// Gave up.
    Unknown(GaveUp),
}

const NIL: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Node {
    /// The operation (search op id).
    id: u32,
    /// For a call: the node of its return. NIL for a return.
    matching: u32,
    prev: u32,
    next: u32,
}

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

fn state_hash<S: Hash>(s: &S) -> u64 {
    let mut h = StateHasher::default();
    s.hash(&mut h);
    h.finish()
}

fn mix(a: u64, b: u64) -> u64 {
    (a ^ b.rotate_left(23)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Lowe's cache of visited (linearized set, state) pairs, in one arena: bitsets are
/// stored flat, entries with equal keys are chained. No allocation per entry.
struct Cache<S> {
    heads: HashMap<u64, u32, BuildHasherDefault<PreHashed>>,
    entries: Vec<(u32, S)>,
    bits: Vec<u64>,
    words: usize,
}

impl<S: Eq> Cache<S> {
    fn new(n: usize) -> Cache<S> {
        Cache {
            heads: HashMap::default(),
            entries: Vec::new(),
            bits: Vec::new(),
            words: n.div_ceil(64),
        }
    }

    /// Inserts (`set` plus `id`, `state`) under `key` unless present; returns whether it
    /// was new.
    fn insert(&mut self, key: u64, set: &Bitset, id: usize, state: &S) -> bool
    where
        S: Clone,
    {
        let head = self.heads.get(&key).copied().unwrap_or(NIL);
        let mut e = head;
        while e != NIL {
            let (next, ref s) = self.entries[e as usize];
            let w = e as usize * self.words;
            if s == state && set.equals_with_words(&self.bits[w..w + self.words], id) {
                return false;
            }
            e = next;
        }
        let idx = self.entries.len() as u32;
        self.entries.push((head, state.clone()));
        let start = self.bits.len();
        self.bits.extend_from_slice(set.words());
        self.bits[start + id / 64] |= 1 << (id % 64);
        self.heads.insert(key, idx);
        true
    }

    /// Bytes one entry costs besides the heap its state owns: the entry, its bitset
    /// words, and its share of the hash table (a key, a value and a control byte at a
    /// load factor of 7/8, rounded up).
    fn bytes_per_entry(&self) -> usize {
        std::mem::size_of::<(u32, S)>() + self.words * 8 + 16
    }
}

/// Bytes of the search's fixed arrays per operation: two list nodes, two events, the
/// return-node and twin tables, and a bit of the linearized set, rounded up.
const FIXED_BYTES_PER_OP: usize = 2 * 16 + 2 * 24 + 8 + 1;

/// Searches for a linearization of `ops` from `init`; `index` is the partition's
/// position in key order (for cancellation).
pub fn search<M: Model>(
    model: &M,
    init: M::State,
    ops: &[SearchOp<M::Op>],
    budget: &Budget,
    index: usize,
) -> (SearchOutcome<M::State>, SearchStats) {
    let n = ops.len();
    // Events: (time, kind: 0 call / 1 return, tie-break, id). Calls precede returns at
    // equal times, so they count as concurrent.
    //
    // Where a call sits only matters relative to returns: it must follow every return
    // before its call time and precede every later one. So each call is placed just
    // before the first return at or after its call time, and the calls gathered there
    // are ordered by their own return time: the search tries first the operation that
    // must take effect soonest, and ops that never returned (unknown outcome) last,
    // spending them only when an observed value needs them. The candidates of every
    // step are unchanged; only the order they are tried in is.
    let mut returns: Vec<u64> = ops
        .iter()
        .map(|o| o.ret)
        .filter(|&r| r != u64::MAX)
        .collect();
    returns.sort_unstable();
    let mut events: Vec<(u64, u8, u64, u32)> = Vec::with_capacity(2 * n);
    for (id, o) in ops.iter().enumerate() {
        let k = returns.partition_point(|&r| r < o.call);
        let slot = returns.get(k).copied().unwrap_or(u64::MAX);
        events.push((slot, 0, o.ret, id as u32));
        events.push((o.ret, 1, 0, id as u32));
    }
    events.sort_unstable();
    // Node 0 is the head sentinel; event k is node k + 1.
    let mut nodes: Vec<Node> = Vec::with_capacity(events.len() + 1);
    nodes.push(Node {
        id: NIL,
        matching: NIL,
        prev: NIL,
        next: if events.is_empty() { NIL } else { 1 },
    });
    let mut return_node = vec![NIL; n];
    for (k, &(_, kind, _, id)) in events.iter().enumerate() {
        let idx = k as u32 + 1;
        nodes.push(Node {
            id,
            matching: NIL,
            prev: idx - 1,
            next: if k + 1 < events.len() { idx + 1 } else { NIL },
        });
        if kind == 1 {
            return_node[id as usize] = idx;
        }
    }
    for (k, &(_, kind, _, id)) in events.iter().enumerate() {
        if kind == 0 {
            nodes[k + 1].matching = return_node[id as usize];
        }
    }

    let lift = |nodes: &mut Vec<Node>, e: u32| {
        let Node {
            prev,
            next,
            matching,
            ..
        } = nodes[e as usize];
        nodes[prev as usize].next = next;
        if next != NIL {
            nodes[next as usize].prev = prev;
        }
        let m = nodes[matching as usize];
        nodes[m.prev as usize].next = m.next;
        if m.next != NIL {
            nodes[m.next as usize].prev = m.prev;
        }
    };
    let unlift = |nodes: &mut Vec<Node>, e: u32| {
        let matching = nodes[e as usize].matching;
        let m = nodes[matching as usize];
        nodes[m.prev as usize].next = matching;
        if m.next != NIL {
            nodes[m.next as usize].prev = matching;
        }
        let Node { prev, next, .. } = nodes[e as usize];
        nodes[prev as usize].next = e;
        if next != NIL {
            nodes[next as usize].prev = e;
        }
    };

    let mut cache: Cache<M::State> = Cache::new(n);
    let entry_bytes = cache.bytes_per_entry();
    let mut bytes = n * FIXED_BYTES_PER_OP + model.heap_bytes(&init);

    // Symmetry reduction: identical ops that never returned are interchangeable once
    // both are pending (same effect, no output to satisfy, both open to the end). Any
    // linearization can be reordered so that they take effect in call order, so an
    // op is tried only after its previous twin is linearized.
    let mut twin_before = vec![NIL; n];
    let mut open_ended: Vec<usize> = (0..n).filter(|&i| ops[i].ret == u64::MAX).collect();
    open_ended.sort_by_key(|&i| (ops[i].call, i));
    for (k, &j) in open_ended.iter().enumerate() {
        if let Some(&i) = open_ended[..k]
            .iter()
            .rev()
            .find(|&&i| ops[i].op == ops[j].op)
        {
            twin_before[j] = i as u32;
        }
    }

    let mut linearized = Bitset::new(n);
    let mut state = init;
    // The linearized calls, with the state before each and whether it was forced (a
    // read-only op taken without alternatives).
    let mut calls: Vec<(u32, M::State, bool)> = Vec::new();
    let mut dead_end = false;
    let mut best: Option<Stuck<M::State>> = None;
    let mut entry = nodes[0].next;
    let mut iterations: u64 = 0;

    let outcome = loop {
        if nodes[0].next == NIL {
            break SearchOutcome::Ok(order(&calls, &nodes));
        }
        if iterations >= budget.max_steps {
            break SearchOutcome::Unknown(GaveUp::Steps);
        }
        if bytes > budget.max_bytes {
            break SearchOutcome::Unknown(GaveUp::Memory);
        }
        iterations += 1;
        if iterations % 4096 == 0 {
            if budget.cancelled(index) {
                break SearchOutcome::Unknown(GaveUp::Cancelled);
            }
            if budget.deadline.is_some_and(|d| Instant::now() >= d) {
                break SearchOutcome::Unknown(GaveUp::Timeout);
            }
        }
        let node = nodes[entry as usize];
        if !dead_end && node.matching != NIL {
            // A call: try to linearize it now.
            let id = node.id as usize;
            let twin = twin_before[id];
            if twin != NIL && !linearized.get(twin as usize) {
                entry = node.next;
                continue;
            }
            if let Some(next_state) = model.step(&state, &ops[id].op) {
                let key = mix(linearized.hash_with(id), state_hash(&next_state));
                let forced = model.is_read_only(&ops[id].op);
                let fresh = cache.insert(key, &linearized, id, &next_state);
                if forced && !fresh {
                    // The dominant choice here was explored and failed: so does every
                    // other choice at this point. Backtrack now.
                    dead_end = true;
                }
                if fresh {
                    bytes += entry_bytes + model.heap_bytes(&next_state);
                    let prev_state = std::mem::replace(&mut state, next_state);
                    calls.push((entry, prev_state, forced));
                    linearized.set(id);
                    lift(&mut nodes, entry);
                    entry = nodes[0].next;
                    continue;
                }
            }
            entry = node.next;
        } else {
            if !dead_end && ops[node.id as usize].ret == u64::MAX {
                // The first return not lifted is that of an op that never returned. All
                // returns of completed ops come before it, so every completed op is
                // linearized: the ops still open never took effect.
                break SearchOutcome::Ok(order(&calls, &nodes));
            }
            // A return whose call is not linearized (or a dead end): record how far we
            // got, then backtrack to the last choice that has alternatives.
            if !dead_end && best.as_ref().is_none_or(|b| calls.len() > b.prefix.len()) {
                let mut candidates = Vec::new();
                let mut e = nodes[0].next;
                while e != NIL && e != entry {
                    if nodes[e as usize].matching != NIL {
                        candidates.push(nodes[e as usize].id as usize);
                    }
                    e = nodes[e as usize].next;
                }
                best = Some(Stuck {
                    prefix: calls
                        .iter()
                        .map(|&(e, _, _)| nodes[e as usize].id as usize)
                        .collect(),
                    state: state.clone(),
                    blocked: node.id as usize,
                    candidates,
                });
            }
            dead_end = false;
            // Pop forced (read-only) choices: they had no alternatives. Stop at the first
            // real choice and try the next candidate after it.
            let mut resumed = false;
            while let Some((call_entry, prev_state, forced)) = calls.pop() {
                state = prev_state;
                linearized.clear(nodes[call_entry as usize].id as usize);
                unlift(&mut nodes, call_entry);
                entry = nodes[call_entry as usize].next;
                if !forced {
                    resumed = true;
                    break;
                }
            }
            if !resumed {
                break SearchOutcome::Illegal(
                    best.take()
                        .expect("a blocking return is recorded before any dead end"),
                );
            }
        }
    };
    let stats = SearchStats {
        iterations,
        cache_entries: cache.entries.len() as u64,
        bytes: bytes as u64,
    };
    (outcome, stats)
}

/// The ids of the linearized calls, in linearization order.
fn order<S>(calls: &[(u32, S, bool)], nodes: &[Node]) -> Vec<usize> {
    calls
        .iter()
        .map(|&(e, _, _)| nodes[e as usize].id as usize)
        .collect()
}
