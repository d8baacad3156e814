//! The linearizability search over one independent component of a partition: Wing and
//! Gong's algorithm with Lowe's refinements, as porcupine's `checkSingle`, resumable so
//! that a search given more steps goes on where it stopped.
//!
//! Calls and returns form a doubly linked list in time order. The search walks it:
//! at a call it tries to linearize that operation now (the model accepts it and the
//! (linearized set, state) pair is new to the cache), lifting the call and its return
//! out of the list; at a return whose operation is not yet linearized it backtracks.
//! The history is linearizable when the list empties, or when only operations that
//! never returned are left (they may never have taken effect).

use crate::bitset::Bitset;
use crate::cache::{mix, state_hash, BitsWith, Cache};
use crate::frontier::{Frontier, Limits, Saved};
use crate::model::Model;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
    /// The order of the call among events at the same time (lower first; see
    /// `SearchOp::ranks`).
    pub call_rank: u32,
    /// The order of the return among events at the same time (`u32::MAX`: after every
    /// call at that time, so ops calling then count as concurrent with it).
    pub ret_rank: u32,
}

impl<O> SearchOp<O> {
    /// An op whose call and return order as their times say: at equal times, calls
    /// first (so they count as concurrent with the returns).
    pub fn new(op: O, call: u64, ret: u64) -> SearchOp<O> {
        SearchOp {
            op,
            call,
            ret,
            call_rank: 0,
            ret_rank: u32::MAX,
        }
    }
}

/// The limits of one search (one component of a partition), and the signals shared by
/// every search of one check. `max_steps` and `max_bytes` are counted the same way on every machine, so
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
    /// The lowest search index found illegal so far (`usize::MAX`: none): searches
    /// after it stop, searches before it finish, so the first illegal one in order is
    /// always reported.
    pub first_illegal: AtomicUsize,
    /// Set when the whole budget is withdrawn (an earlier round of the check found an
    /// illegal search): every search under it stops.
    pub withdrawn: AtomicBool,
}

impl Budget {
    /// A budget of `max_steps` steps and `max_bytes` bytes per search, no deadline.
    pub fn new(max_steps: u64, max_bytes: usize) -> Budget {
        Budget {
            max_steps,
            max_bytes,
            deadline: None,
            first_illegal: AtomicUsize::new(usize::MAX),
            withdrawn: AtomicBool::new(false),
        }
    }

    /// Records that search `index` is illegal.
    pub fn found_illegal(&self, index: usize) {
        self.first_illegal.fetch_min(index, Ordering::Relaxed);
    }

    /// Whether search `index` may stop: an earlier one is illegal, or the budget was
    /// withdrawn.
    pub fn cancelled(&self, index: usize) -> bool {
        self.first_illegal.load(Ordering::Relaxed) < index || self.withdrawn.load(Ordering::Relaxed)
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
    /// An earlier partition (in key order) or component was illegal, so this one was
    /// not finished.
    Cancelled,
}

/// The deepest point the search reached in an illegal component.
pub struct Stuck<S> {
    /// The longest linearizable prefix found, in linearization order (indexes into the
    /// partition's search ops).
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
    /// Linearizable, with the linearization found: partition op indexes in
    /// linearization order (ops that never returned and never took effect left out).
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

/// The links of a completed operation's return node in the list of such returns still
/// out (node 0 heads it), so the frontier (`frontier`) is at hand in one load.
#[derive(Clone, Copy)]
struct Returns {
    prev: u32,
    next: u32,
}

/// Bytes of the search's fixed arrays per operation: two list nodes, two return links,
/// two events, the return-event and info-number tables of the frontier, the twin table,
/// and a bit of the linearized set, rounded up.
const FIXED_BYTES_PER_OP: usize = 2 * 16 + 2 * 8 + 2 * 24 + 8 + 4 + 1;

/// Unlinks a call and its return from the list (and a completed op's return from the
/// returns still out).
#[inline]
fn lift(nodes: &mut [Node], returns: &mut [Returns], e: u32, completed: bool) {
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
    if completed {
        let r = returns[matching as usize];
        returns[r.prev as usize].next = r.next;
        if r.next != NIL {
            returns[r.next as usize].prev = r.prev;
        }
    }
}

/// Links a lifted call and its return back, in reverse order of `lift`.
#[inline]
fn unlift(nodes: &mut [Node], returns: &mut [Returns], e: u32, completed: bool) {
    let matching = nodes[e as usize].matching;
    if completed {
        let r = returns[matching as usize];
        returns[r.prev as usize].next = matching;
        if r.next != NIL {
            returns[r.next as usize].prev = matching;
        }
    }
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
}

/// One linearized call on the search's stack: its node, the state before it, and
/// whether it was forced (a read-only op taken without alternatives). How to undo its
/// frontier is on a stack of its own (`Linearizer::saves`), kept only where the key is
/// the frontier's, so the frames of small components stay small.
struct Frame<S> {
    entry: u32,
    prev_state: S,
    forced: bool,
}

/// The search over one component: the ops `members` (indexes into the partition's
/// ops) from a start state. `run` searches until a verdict or a limit; after
/// `GaveUp::Steps` it may be run again with a larger `max_steps` and goes on exactly
/// where it stopped, so a search resumed any number of times takes the same steps and
/// reaches the same outcome as one run with the final budget.
pub(crate) struct Linearizer<'a, M: Model> {
    model: &'a M,
    /// The component's ops by local op id (what nodes and the bitset use).
    local: Vec<&'a SearchOp<M::Op>>,
    /// Local op id to partition op index (what `Stuck` reports).
    members: Vec<usize>,
    nodes: Vec<Node>,
    returns: Vec<Returns>,
    twin_before: Vec<u32>,
    cache: Cache<M::State>,
    frontier: Frontier,
    /// Bytes of the fixed arrays and the cache (the frontier's are added on demand).
    bytes: usize,
    linearized: Bitset,
    state: M::State,
    calls: Vec<Frame<M::State>>,
    /// Per frame (when the key is the frontier's): how to undo its frontier.
    saves: Vec<Saved>,
    dead_end: bool,
    best: Option<Stuck<M::State>>,
    /// The lowest the stack has been since `best` was recorded: `best.prefix` up to it
    /// is still the stack's, so a deeper record copies only what lies above it.
    low_water: usize,
    entry: u32,
    iterations: u64,
}

impl<'a, M: Model> Linearizer<'a, M> {
    /// A search of `members` (partition op indexes, ascending) from `start`.
    pub(crate) fn new(
        model: &'a M,
        ops: &'a [SearchOp<M::Op>],
        members: Vec<usize>,
        start: M::State,
    ) -> Linearizer<'a, M> {
        Linearizer::with_keys(model, ops, members, start, Limits::default())
    }

    /// `new`, with the kind of cache key chosen by `limits` (see `frontier`).
    pub(crate) fn with_keys(
        model: &'a M,
        ops: &'a [SearchOp<M::Op>],
        members: Vec<usize>,
        start: M::State,
        limits: Limits,
    ) -> Linearizer<'a, M> {
        let n = members.len();
        let op = |id: usize| &ops[members[id]];
        // Events: (time, kind: 0 call / 1 return, tie-break, id). Calls precede returns
        // at equal times, so they count as concurrent.
        //
        // Where a call sits only matters relative to returns: it must follow every
        // return before its call time and precede every later one. So each call is
        // placed just before the first return at or after its call time, and the calls
        // gathered there are ordered by their own return time: the search tries first
        // the operation that must take effect soonest, and ops that never returned
        // (unknown outcome) last, spending them only when an observed value needs them.
        // The candidates of every step are unchanged; only the order they are tried in
        // is.
        // An event's key: its time, then its rank among events at that time.
        let call_key = |o: &SearchOp<M::Op>| (o.call, o.call_rank);
        let ret_key = |o: &SearchOp<M::Op>| (o.ret, o.ret_rank);
        let mut rets: Vec<(u64, u32)> = (0..n)
            .map(|id| ret_key(op(id)))
            .filter(|&(r, _)| r != u64::MAX)
            .collect();
        rets.sort_unstable();
        // (the key it sorts at, 0 call / 1 return, tie-break, op id)
        type Event = ((u64, u32), u8, (u64, u32), u32);
        let mut events: Vec<Event> = Vec::with_capacity(2 * n);
        for id in 0..n {
            let o = op(id);
            let k = rets.partition_point(|&r| r < call_key(o));
            let slot = rets.get(k).copied().unwrap_or((u64::MAX, u32::MAX));
            events.push((slot, 0, ret_key(o), id as u32));
            events.push((ret_key(o), 1, (0, 0), id as u32));
        }
        drop(rets);
        events.sort_unstable();
        // Node 0 is the head sentinel of both lists; event k is node k + 1.
        let mut nodes: Vec<Node> = Vec::with_capacity(events.len() + 1);
        nodes.push(Node {
            id: NIL,
            matching: NIL,
            prev: NIL,
            next: if events.is_empty() { NIL } else { 1 },
        });
        let mut returns = vec![
            Returns {
                prev: NIL,
                next: NIL
            };
            events.len() + 1
        ];
        let mut last_return = 0u32;
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
                if op(id as usize).ret != u64::MAX {
                    returns[last_return as usize].next = idx;
                    returns[idx as usize].prev = last_return;
                    last_return = idx;
                }
            }
        }
        for (k, &(_, kind, _, id)) in events.iter().enumerate() {
            if kind == 0 {
                nodes[k + 1].matching = return_node[id as usize];
            }
        }
        drop(events);
        // The frontier numbers events as the nodes do: by their return node.
        let ret_event: Vec<u32> = (0..n)
            .map(|id| {
                if op(id).ret == u64::MAX {
                    NIL
                } else {
                    return_node[id]
                }
            })
            .collect();

        // Symmetry reduction: identical ops that never returned are interchangeable
        // once both are pending (same effect, no output to satisfy, both open to the
        // end). Any linearization can be reordered so that they take effect in call
        // order, so an op is tried only after its previous twin is linearized.
        let mut twin_before = vec![NIL; n];
        let mut open_ended: Vec<usize> = (0..n).filter(|&i| op(i).ret == u64::MAX).collect();
        open_ended.sort_by_key(|&i| (op(i).call, i));
        for (k, &j) in open_ended.iter().enumerate() {
            if let Some(&i) = open_ended[..k]
                .iter()
                .rev()
                .find(|&&i| op(i).op == op(j).op)
            {
                twin_before[j] = i as u32;
            }
        }

        let bytes = n * FIXED_BYTES_PER_OP + model.heap_bytes(&start);
        let entry = nodes[0].next;
        Linearizer {
            model,
            local: members.iter().map(|&i| &ops[i]).collect(),
            members,
            nodes,
            returns,
            twin_before,
            cache: Cache::new(),
            frontier: Frontier::with_limits(ret_event, limits),
            bytes,
            linearized: Bitset::new(n),
            state: start,
            calls: Vec::new(),
            saves: Vec::new(),
            dead_end: false,
            best: None,
            low_water: 0,
            entry,
            iterations: 0,
        }
    }

    /// Bytes held, counted as for `Budget::max_bytes`.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes + self.frontier.bytes()
    }

    /// The work done so far.
    pub(crate) fn stats(&self) -> SearchStats {
        SearchStats {
            iterations: self.iterations,
            cache_entries: self.cache.len() as u64,
            bytes: self.bytes() as u64,
        }
    }

    /// Searches on until a verdict or a limit; `index` is this search's position in
    /// the check's order (for cancellation). A stuck point is reported in partition op
    /// indexes.
    pub(crate) fn run(&mut self, budget: &Budget, index: usize) -> SearchOutcome<M::State> {
        if self.frontier.keys_on_bits() {
            self.run_keyed::<true>(budget, index)
        } else {
            self.run_keyed::<false>(budget, index)
        }
    }

    /// `run`, compiled once per kind of key (`BITS`: L's bits, else the frontier's), so
    /// the loop carries no test of which.
    fn run_keyed<const BITS: bool>(
        &mut self,
        budget: &Budget,
        index: usize,
    ) -> SearchOutcome<M::State> {
        // The scalars the loop updates at every step live in locals (registers) and are
        // written back on exit, so a resumable search steps as fast as a one-shot one.
        let mut entry = self.entry;
        let mut dead_end = self.dead_end;
        let mut iterations = self.iterations;
        let mut bytes = self.bytes;
        let mut low_water = self.low_water;
        // Each field through its own reference, the arrays as slices: the compiler then
        // keeps their addresses in registers instead of reloading them from `self`.
        let Linearizer {
            model,
            local,
            members,
            nodes,
            returns,
            twin_before,
            cache,
            frontier,
            linearized,
            state,
            calls,
            saves,
            best,
            ..
        } = self;
        let (model, local, members) = (*model, &local[..], &members[..]);
        let (nodes, returns, twin_before) = (&mut nodes[..], &mut returns[..], &twin_before[..]);
        // The list of completed returns still out is kept only where the key needs it.
        let bits = BITS;
        let track = !bits;
        let bits_len = linearized.words().len() * 2;
        let outcome = loop {
            if nodes[0].next == NIL {
                break SearchOutcome::Ok(order(calls, nodes, members));
            }
            // Every limit is checked before the step is counted, so a search stopped
            // here and resumed later counts exactly as one that never stopped.
            if iterations >= budget.max_steps {
                break SearchOutcome::Unknown(GaveUp::Steps);
            }
            if bytes + if bits { 0 } else { frontier.bytes() } > budget.max_bytes {
                break SearchOutcome::Unknown(GaveUp::Memory);
            }
            if iterations.is_multiple_of(4096) {
                if budget.cancelled(index) {
                    break SearchOutcome::Unknown(GaveUp::Cancelled);
                }
                if budget.deadline.is_some_and(|d| Instant::now() >= d) {
                    break SearchOutcome::Unknown(GaveUp::Timeout);
                }
            }
            iterations += 1;
            let node = nodes[entry as usize];
            if !dead_end && node.matching != NIL {
                // A call: try to linearize it now.
                let id = node.id as usize;
                let twin = twin_before[id];
                if twin != NIL && !linearized.get(twin as usize) {
                    entry = node.next;
                    continue;
                }
                let op = &local[id].op;
                if let Some(next_state) = model.step(&*state, op) {
                    let hash = mix(linearized.hash_with(id), state_hash(&next_state));
                    let forced = model.is_read_only(op);
                    let (fresh, key_len) = if bits {
                        let key = BitsWith {
                            set: linearized,
                            id,
                        };
                        (cache.insert(hash, &key, &next_state), bits_len)
                    } else {
                        // The frontier after this op: the next completed return still
                        // out, past this op's own return if that was the first.
                        let f = returns[0].next;
                        let f = if node.matching == f {
                            returns[f as usize].next
                        } else {
                            f
                        };
                        let key = frontier.key_with(node.id, f);
                        (cache.insert(hash, key, &next_state), key.len())
                    };
                    if forced && !fresh {
                        // The dominant choice here was explored and failed: so does
                        // every other choice at this point. Backtrack now.
                        dead_end = true;
                    }
                    if fresh {
                        bytes += Cache::<M::State>::bytes_per_entry(key_len)
                            + model.heap_bytes(&next_state);
                        let prev_state = std::mem::replace(&mut *state, next_state);
                        if !bits {
                            saves.push(frontier.push());
                        }
                        calls.push(Frame {
                            entry,
                            prev_state,
                            forced,
                        });
                        linearized.set(id);
                        lift(nodes, returns, entry, track && local[id].ret != u64::MAX);
                        entry = nodes[0].next;
                        continue;
                    }
                }
                entry = node.next;
            } else {
                if !dead_end && local[node.id as usize].ret == u64::MAX {
                    // The first return not lifted is that of an op that never returned.
                    // All returns of completed ops come before it, so every completed op
                    // is linearized: the ops still open never took effect.
                    break SearchOutcome::Ok(order(calls, nodes, members));
                }
                // A return whose call is not linearized (or a dead end): record how far
                // we got, then backtrack to the last choice that has alternatives.
                if !dead_end && best.as_ref().is_none_or(|b| calls.len() > b.prefix.len()) {
                    record_stuck(
                        best, low_water, nodes, calls, members, state, entry, node.id,
                    );
                    low_water = calls.len();
                }
                dead_end = false;
                // Pop forced (read-only) choices: they had no alternatives. Stop at the
                // first real choice and try the next candidate after it.
                let mut resumed = false;
                while let Some(frame) = calls.pop() {
                    let id = nodes[frame.entry as usize].id as usize;
                    *state = frame.prev_state;
                    linearized.clear(id);
                    unlift(
                        nodes,
                        returns,
                        frame.entry,
                        track && local[id].ret != u64::MAX,
                    );
                    if !bits {
                        frontier.pop(saves.pop().expect("one save per frame"));
                    }
                    entry = nodes[frame.entry as usize].next;
                    if !frame.forced {
                        resumed = true;
                        break;
                    }
                }
                low_water = low_water.min(calls.len());
                if !resumed {
                    let stuck = best
                        .take()
                        .expect("a blocking return is recorded before any dead end");
                    break SearchOutcome::Illegal(stuck);
                }
            }
        };
        self.entry = entry;
        self.dead_end = dead_end;
        self.iterations = iterations;
        self.bytes = bytes;
        self.low_water = low_water;
        outcome
    }
}

/// The linearized calls, in linearization order, as partition op indexes.
fn order<S>(calls: &[Frame<S>], nodes: &[Node], members: &[usize]) -> Vec<usize> {
    calls
        .iter()
        .map(|f| members[nodes[f.entry as usize].id as usize])
        .collect()
}

/// Records where the search stands, stopped by the return `entry` of op `blocked`: the
/// prefix linearized so far (`calls`) and the candidates it tried next, in partition op
/// indexes (`members`). The recorded prefix up to `low_water` is still the stack's and
/// is kept: over a whole search the copying costs one pass over its steps, not one
/// prefix per record.
#[allow(clippy::too_many_arguments)]
fn record_stuck<S: Clone>(
    best: &mut Option<Stuck<S>>,
    low_water: usize,
    nodes: &[Node],
    calls: &[Frame<S>],
    members: &[usize],
    state: &S,
    entry: u32,
    blocked: u32,
) {
    let mut candidates = Vec::new();
    let mut e = nodes[0].next;
    while e != NIL && e != entry {
        if nodes[e as usize].matching != NIL {
            candidates.push(members[nodes[e as usize].id as usize]);
        }
        e = nodes[e as usize].next;
    }
    let mut prefix = best.take().map(|b| b.prefix).unwrap_or_default();
    prefix.truncate(low_water);
    prefix.extend(
        calls[prefix.len()..]
            .iter()
            .map(|f| members[nodes[f.entry as usize].id as usize]),
    );
    *best = Some(Stuck {
        prefix,
        state: state.clone(),
        blocked: members[blocked as usize],
        candidates,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::read_file;
    use crate::history::Outcome;
    use crate::reference::checker_corpus_dir;
    use crate::RegisterModel;

    /// The search's ops for `h` under `model`: failed ops left out (they never took
    /// effect), ops the model drops left out, and ops of unknown outcome returning
    /// never; with the model's initial state.
    fn search_ops(
        model: &RegisterModel,
        h: &crate::History,
    ) -> (
        Vec<SearchOp<<RegisterModel as Model>::Op>>,
        <RegisterModel as Model>::State,
    ) {
        let kept: Vec<_> = h
            .ops
            .iter()
            .filter(|o| o.outcome != Outcome::Fail)
            .collect();
        let prepared = model.prepare(&kept).expect("fits");
        let ops = prepared
            .ops
            .into_iter()
            .zip(&kept)
            .filter_map(|(op, h)| {
                let ret = match (h.outcome, h.ret) {
                    (Outcome::Ok, Some(t)) => t,
                    _ => u64::MAX,
                };
                op.map(|op| SearchOp::new(op, h.call, ret))
            })
            .collect();
        (ops, prepared.init)
    }

    /// A search stopped on its step budget and resumed takes the same steps, caches the
    /// same pairs and reaches the same outcome as one that never stopped: the rounds
    /// rely on it to suspend searches, and to drop and restart some of them.
    #[test]
    fn a_resumed_search_is_the_search_that_never_stopped() {
        // The hardest reference history: 410,092 steps.
        let dir = checker_corpus_dir().unwrap_or_else(|e| panic!("{e}"));
        let (h, _) = read_file(&dir.join("jepsen/etcd_002.log"), None).expect("readable");
        let model = RegisterModel::cas_register();
        let (ops, init) = search_ops(&model, &h);
        let members: Vec<usize> = (0..ops.len()).collect();
        let fresh = |max_steps| {
            let mut s = Linearizer::new(&model, &ops, members.clone(), init.clone());
            let outcome = s.run(&Budget::new(max_steps, usize::MAX), 0);
            (matches!(outcome, SearchOutcome::Ok(_)), s.stats())
        };
        let mut staged = Linearizer::new(&model, &ops, members.clone(), init.clone());
        for max_steps in [20_000, 160_000, 300_000, u64::MAX] {
            let outcome = staged.run(&Budget::new(max_steps, usize::MAX), 0);
            let got = (matches!(outcome, SearchOutcome::Ok(_)), staged.stats());
            assert_eq!(got, fresh(max_steps), "after {max_steps} steps");
        }
        assert_eq!(fresh(u64::MAX).1.iterations, 410_092);
    }

    /// The three kinds of cache key (L's bits; the frontier with I's bits; the frontier
    /// with I shared) encode the same sets one to one, so the search takes the same
    /// steps and caches the same number of pairs with each, to the same outcome: on
    /// generated histories, legal and not, with many ops of unknown outcome.
    #[test]
    fn every_kind_of_key_makes_the_same_search() {
        use crate::generate::{generate, GenOptions};
        let model = RegisterModel::cas_register();
        for seed in 0..12u64 {
            let opts = GenOptions {
                ops: 400 + 150 * seed as usize,
                processes: 2 + seed as usize % 5,
                info_rate: [0.0, 0.05, 0.2][seed as usize % 3],
                bad_at: (seed % 2 == 1).then_some(300),
                seed,
                ..GenOptions::default()
            };
            let h = generate(&opts);
            let (ops, init) = search_ops(&model, &h);
            let members: Vec<usize> = (0..ops.len()).collect();
            let run = |small_ops, inline_infos| {
                let limits = Limits {
                    small_ops,
                    inline_infos,
                };
                let mut s =
                    Linearizer::with_keys(&model, &ops, members.clone(), init.clone(), limits);
                let outcome = match s.run(&Budget::new(20_000_000, usize::MAX), 0) {
                    SearchOutcome::Ok(order) => format!("ok {order:?}"),
                    SearchOutcome::Illegal(stuck) => format!(
                        "illegal {:?} {} {:?}",
                        stuck.prefix, stuck.blocked, stuck.candidates
                    ),
                    SearchOutcome::Unknown(why) => format!("unknown {why:?}"),
                };
                let stats = s.stats();
                (outcome, stats.iterations, stats.cache_entries)
            };
            let bits = run(usize::MAX, 0);
            assert!(!bits.0.starts_with("unknown"), "seed {seed}: {}", bits.0);
            assert_eq!(bits.0.starts_with("illegal"), seed % 2 == 1, "seed {seed}");
            assert_eq!(run(0, u32::MAX), bits, "seed {seed}: frontier, I as bits");
            assert_eq!(run(0, 0), bits, "seed {seed}: frontier, I shared");
        }
    }
}
