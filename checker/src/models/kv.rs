//! A key-value store of strings: get, put, append (and cas), partitioned by key.

use crate::history::{fnv1a_continue, Function, Operation, Outcome, Value, FNV1A_INIT};
use crate::model::{Model, ModelError, Prepared};
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Each key holds a string, initially "". get returns it (nil reads as ""), put
/// replaces it, append concatenates, cas `[expected new]` swaps iff equal. Keys are
/// independent, so by default the history is checked one key at a time.
#[derive(Clone, Copy, Debug)]
pub struct KvModel {
    partitioned: bool,
}

impl KvModel {
    /// The model, checked one key at a time (P-compositionality).
    pub fn new() -> KvModel {
        KvModel { partitioned: true }
    }

    /// The model checked as one state over all keys, one partition (for benchmarks and
    /// tests: each step copies every key's slot; the search still splits the work key
    /// by key, see `Model::parts`).
    pub fn unpartitioned() -> KvModel {
        KvModel { partitioned: false }
    }
}

impl Default for KvModel {
    fn default() -> KvModel {
        KvModel::new()
    }
}

/// A string value as a persistent rope: an append is one small node pointing at the
/// previous value, so appending copies nothing and states that share history share
/// memory (the search cache holds many such states).
#[derive(Debug)]
struct Rope {
    prev: Text,
    piece: Arc<str>,
    len: usize,
    fnv: u64,
}

/// A value: `None` is the empty string.
type Text = Option<Arc<Rope>>;

fn text_len(t: &Text) -> usize {
    t.as_ref().map_or(0, |r| r.len)
}

fn text_fnv(t: &Text) -> u64 {
    t.as_ref().map_or(FNV1A_INIT, |r| r.fnv)
}

fn text_append(t: &Text, piece: &Arc<str>) -> Text {
    if piece.is_empty() {
        return t.clone();
    }
    Some(Arc::new(Rope {
        prev: t.clone(),
        piece: piece.clone(),
        len: text_len(t) + piece.len(),
        fnv: fnv1a_continue(text_fnv(t), piece.as_bytes()),
    }))
}

fn text_to_string(t: &Text) -> String {
    let mut pieces = Vec::new();
    let mut cur = t;
    while let Some(r) = cur {
        pieces.push(&*r.piece);
        cur = &r.prev;
    }
    pieces.iter().rev().copied().collect()
}

/// Whether the rope spells exactly `s` (walking back from the end; no allocation).
fn text_eq_str(t: &Text, s: &str) -> bool {
    if text_len(t) != s.len() {
        return false;
    }
    let mut end = s.len();
    let mut cur = t;
    while let Some(r) = cur {
        let start = end - r.piece.len();
        if s.as_bytes()[start..end] != *r.piece.as_bytes() {
            return false;
        }
        end = start;
        cur = &r.prev;
    }
    end == 0
}

fn text_eq(a: &Text, b: &Text) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) if Arc::ptr_eq(x, y) => true,
        _ => {
            text_len(a) == text_len(b)
                && text_fnv(a) == text_fnv(b)
                && text_to_string(a) == text_to_string(b)
        }
    }
}

/// The values of a partition's keys (by key number) and a running hash of the whole.
#[derive(Clone, Debug)]
pub struct KvState {
    values: Slots,
    hash: u64,
    names: Arc<Vec<String>>,
}

/// Key slots: one key inline (every partitioned check), or many. Cloning a one-key
/// state allocates nothing.
#[derive(Clone, Debug)]
enum Slots {
    One([Text; 1]),
    Many(Vec<Text>),
}

impl std::ops::Deref for Slots {
    type Target = [Text];
    fn deref(&self) -> &Self::Target {
        match self {
            Slots::One(one) => one,
            Slots::Many(many) => many,
        }
    }
}

impl std::ops::DerefMut for Slots {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Slots::One(one) => one,
            Slots::Many(many) => many,
        }
    }
}

impl PartialEq for KvState {
    fn eq(&self, other: &KvState) -> bool {
        self.hash == other.hash
            && self
                .values
                .iter()
                .zip(other.values.iter())
                .all(|(a, b)| text_eq(a, b))
    }
}

impl Eq for KvState {}

impl Hash for KvState {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_u64(self.hash);
    }
}

/// The contribution of key `key` holding a value whose FNV-1a hash is `fnv`.
fn slot_hash(key: usize, fnv: u64) -> u64 {
    let mut h = fnv ^ (key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^= h >> 29;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^ (h >> 32)
}

impl KvState {
    fn with(&self, key: usize, value: Text) -> KvState {
        let mut next = self.clone();
        next.hash ^= slot_hash(key, text_fnv(&next.values[key])) ^ slot_hash(key, text_fnv(&value));
        next.values[key] = value;
        next
    }
}

/// A kv operation on key number `key`; `None` outputs are unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvOp {
    /// A get that returned this string.
    Get(usize, Arc<str>),
    /// A put of this string.
    Put(usize, Arc<str>),
    /// An append of this string.
    Append(usize, Arc<str>),
    /// A cas from `.1` to `.2` that returned `.3` (`None`: unknown).
    Cas(usize, Arc<str>, Arc<str>, Option<bool>),
}

fn as_text(v: &Value) -> Arc<str> {
    match v {
        Value::Nil => Arc::from(""),
        Value::Str(s) => Arc::from(s.as_str()),
        other => Arc::from(other.to_string().as_str()),
    }
}

/// Writes of unknown outcome that no read can have seen, which the search may leave
/// out: they might have happened, but nothing observed depends on whether they did.
///
/// Why it is sound: take a put or append P of unknown outcome whose string occurs in no
/// value read from its key. If some linearization places P, every read after P and
/// before the key's next put would return a string holding P's (a put's value starts
/// it; an append's stays inside until the next put), so there is no such read, and
/// dropping P changes nothing any completed op observed: the key's next put overwrites
/// whatever P left. A cas could tell (one that failed because P was there), so a key
/// with any cas keeps all its writes. A string that occurs in a read by coincidence
/// only keeps P in the search: the rule errs towards checking more. Unknown reads are
/// dropped already (they constrain nothing). With Jepsen-style unique values, as
/// linsim's kv workload writes, this removes most unknown writes of a history, each
/// of which the search would otherwise keep open to its end.
struct UnseenWrites {
    /// Keys with a cas: nothing is dropped there.
    cas_keys: std::collections::BTreeSet<String>,
    /// Each key's distinct values read.
    read: BTreeMap<String, std::collections::BTreeSet<String>>,
}

impl UnseenWrites {
    fn of(ops: &[&Operation]) -> UnseenWrites {
        let mut u = UnseenWrites {
            cas_keys: Default::default(),
            read: BTreeMap::new(),
        };
        for op in ops {
            match op.f {
                Function::Cas => {
                    u.cas_keys.insert(op.key.clone());
                }
                Function::Read if op.outcome == Outcome::Ok => {
                    u.read
                        .entry(op.key.clone())
                        .or_default()
                        .insert(as_text(&op.output).to_string());
                }
                _ => {}
            }
        }
        u
    }

    /// Whether `op` is a put or append of unknown outcome that no read saw.
    fn prunes(&self, op: &Operation) -> bool {
        let [v] = op.input.as_slice() else {
            return false;
        };
        let piece = as_text(v);
        op.outcome != Outcome::Ok
            && matches!(op.f, Function::Write | Function::Append)
            && !piece.is_empty()
            && !self.cas_keys.contains(&op.key)
            && !self
                .read
                .get(&op.key)
                .is_some_and(|reads| reads.iter().any(|r| r.contains(&*piece)))
    }
}

impl Model for KvModel {
    type State = KvState;
    type Op = KvOp;

    fn name(&self) -> &'static str {
        "kv"
    }

    fn partition_key(&self, op: &Operation) -> Option<String> {
        self.partitioned.then(|| op.key.clone())
    }

    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<KvState, KvOp>, ModelError> {
        let mut keys: BTreeMap<&str, usize> = BTreeMap::new();
        for op in ops {
            let n = keys.len();
            keys.entry(op.key.as_str()).or_insert(n);
        }
        let mut names = vec![String::new(); keys.len()];
        for (k, &i) in &keys {
            names[i] = k.to_string();
        }
        let unseen = UnseenWrites::of(ops);
        let mut out = Vec::with_capacity(ops.len());
        for op in ops {
            let k = keys[op.key.as_str()];
            let known = op.outcome == Outcome::Ok;
            let prepared = match (op.f, op.input.as_slice()) {
                (Function::Read, []) => known.then(|| KvOp::Get(k, as_text(&op.output))),
                _ if unseen.prunes(op) => None,
                (Function::Write, [v]) => Some(KvOp::Put(k, as_text(v))),
                (Function::Append, [v]) => Some(KvOp::Append(k, as_text(v))),
                (Function::Cas, [a, b]) => {
                    let result = match (known, &op.output) {
                        (false, _) => None,
                        (true, Value::Bool(r)) => Some(*r),
                        _ => {
                            return Err(ModelError {
                                model: "kv",
                                op: op.describe(),
                                reason: "a cas must return true or false".into(),
                                index: None,
                            })
                        }
                    };
                    Some(KvOp::Cas(k, as_text(a), as_text(b), result))
                }
                _ => {
                    return Err(ModelError {
                        model: "kv",
                        op: op.describe(),
                        reason: "wrong number of arguments".into(),
                        index: None,
                    })
                }
            };
            out.push(prepared);
        }
        let values = if names.len() == 1 {
            Slots::One([None])
        } else {
            Slots::Many(vec![None; names.len()])
        };
        let hash = (0..names.len()).fold(0, |h, k| h ^ slot_hash(k, FNV1A_INIT));
        Ok(Prepared {
            init: KvState {
                values,
                hash,
                names: Arc::new(names),
            },
            ops: out,
        })
    }

    fn step(&self, state: &KvState, op: &KvOp) -> Option<KvState> {
        match op {
            KvOp::Get(k, v) => text_eq_str(&state.values[*k], v).then(|| state.clone()),
            KvOp::Put(k, v) => Some(state.with(*k, text_append(&None, v))),
            KvOp::Append(k, v) => Some(state.with(*k, text_append(&state.values[*k], v))),
            KvOp::Cas(k, from, to, result) => {
                let swaps = text_eq_str(&state.values[*k], from);
                match result {
                    Some(r) if *r != swaps => None,
                    _ if swaps => Some(state.with(*k, text_append(&None, to))),
                    _ => Some(state.clone()),
                }
            }
        }
    }

    /// An op touches its key alone: a get, put, append or cas reads and writes one
    /// string. So an unpartitioned check still searches key by key (see `components`).
    fn parts(&self, op: &KvOp) -> Vec<usize> {
        match op {
            KvOp::Get(k, _) | KvOp::Put(k, _) | KvOp::Append(k, _) | KvOp::Cas(k, ..) => vec![*k],
        }
    }

    fn is_read_only(&self, op: &KvOp) -> bool {
        matches!(op, KvOp::Get(..) | KvOp::Cas(_, _, _, Some(false)))
    }

    /// A step allocates at most one rope node and, for a state of several keys, a new
    /// slot vector; everything else is shared with the previous state.
    fn heap_bytes(&self, state: &KvState) -> usize {
        let slots = match &state.values {
            Slots::One(_) => 0,
            Slots::Many(v) => v.len() * std::mem::size_of::<Text>(),
        };
        slots + std::mem::size_of::<Rope>() + 16
    }

    fn describe_state(&self, state: &KvState) -> String {
        let parts: Vec<String> = state
            .values
            .iter()
            .zip(state.names.iter())
            .map(|(v, k)| format!("{k:?}: {:?}", text_to_string(v)))
            .collect();
        format!("{{{}}}", parts.join(", "))
    }
}
