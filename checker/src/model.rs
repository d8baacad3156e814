//! The model a history is checked against: a sequential specification as plain functions.

use crate::history::Operation;
use std::hash::Hash;
use thiserror::Error;

/// A history operation the model cannot interpret.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("model {model} cannot check operation {op}: {reason}")]
pub struct ModelError {
    /// The model's name.
    pub model: &'static str,
    /// The operation, described.
    pub op: String,
    /// Why not.
    pub reason: String,
    /// The op's index in the history, where the check knows it (a reader can then name
    /// its line).
    pub index: Option<usize>,
}

impl ModelError {
    /// `model` cannot check `op` because of `reason`.
    pub fn new(model: &'static str, op: &Operation, reason: impl Into<String>) -> ModelError {
        ModelError {
            model,
            op: op.describe(),
            reason: reason.into(),
            index: None,
        }
    }
}

/// One partition's operations in the model's own form, and its initial state.
pub struct Prepared<S, O> {
    /// The state before any operation.
    pub init: S,
    /// Each operation's model form, index-aligned with the partition's operations.
    /// `None` drops an operation that cannot constrain anything (a read whose result
    /// is unknown).
    pub ops: Vec<Option<O>>,
}

/// A sequential specification, as porcupine's `Model`: adding a model never touches the
/// search. Operations with an unknown outcome (`Info`) are prepared with no output and
/// must be accepted whatever they would have returned; the search also considers that
/// they never took effect.
pub trait Model: Sync {
    /// The state of the specified object. Equality and hashing drive the search cache.
    type State: Clone + Eq + Hash + Send;
    /// An operation in the model's own form (input and, if known, output). Equality
    /// lets the search treat identical unknown-outcome operations as interchangeable.
    type Op: Send + Sync + PartialEq;

    /// The model's name, as the CLI spells it.
    fn name(&self) -> &'static str;

    /// P-compositionality: the independent sub-history an operation belongs to (for
    /// example its key). `None` for every op means one partition.
    fn partition_key(&self, _op: &Operation) -> Option<String> {
        None
    }

    /// The initial state and model form of one partition's operations.
    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<Self::State, Self::Op>, ModelError>;

    /// The state after `op`, or `None` if `op` cannot happen (with its output) in `state`.
    fn step(&self, state: &Self::State, op: &Self::Op) -> Option<Self::State>;

    /// A human-readable form of a state, for reports.
    fn describe_state(&self, state: &Self::State) -> String;

    /// Whether `op` leaves the state unchanged in every state where it can happen (a
    /// read, a cas known to have failed). The search linearizes such an op as soon as it
    /// can, without trying alternatives: if any linearization exists, one exists with
    /// it next. Returning true for an op that can change state makes verdicts wrong.
    fn is_read_only(&self, _op: &Self::Op) -> bool {
        false
    }

    /// Independence inside one partition: the parts of the state `op` reads or writes
    /// (for example the keys of a map), as numbers of the model's choosing. The search
    /// joins ops that share a part into independent components and searches them one
    /// after another (see `components`), so a partition holding many independent
    /// objects costs the sum of their searches, not the product.
    ///
    /// The contract: the state is a product of parts, and whether `op` can happen, and
    /// what it returns and changes, depend on its parts alone; it changes no other part.
    /// Naming too many parts only costs speed; naming too few makes verdicts wrong. The
    /// default, no parts, means "may touch everything": one component. A model whose
    /// ops carry the part in the history is usually better served by `partition_key`,
    /// which also splits the work across threads.
    fn parts(&self, _op: &Self::Op) -> Vec<usize> {
        Vec::new()
    }

    /// Ops of unknown outcome that every linearization places by a known time: for each
    /// op of `ops` (one partition's, as `prepare` got them), the time by which it must
    /// have taken effect, where the model can tell (for example: the op alone wrote a
    /// value that a completed read returned). The search then treats such an op as
    /// completed at that time, so it is not kept open to the end of the history. Naming
    /// a time an op might in fact take effect after makes verdicts wrong. The default:
    /// none (an empty list).
    fn deadlines(&self, _ops: &[&Operation]) -> Vec<Option<u64>> {
        Vec::new()
    }

    /// A human-readable form of an operation, for reports.
    fn describe_operation(&self, op: &Operation) -> String {
        op.describe()
    }

    /// Heap bytes a state owns beyond `size_of::<State>()` and does not share with the
    /// state it was stepped from (an estimate from lengths, never capacities, so it is
    /// the same on every machine). The search counts it against `max_bytes` for every
    /// state it caches. States without heap keep the default, 0.
    fn heap_bytes(&self, _state: &Self::State) -> usize {
        0
    }
}

/// A model whose step may lead to several states (e.g. a queue whose dequeue order is
/// unspecified). Wrap it in `PowerSet` to check with it.
pub trait NondeterministicModel: Sync {
    /// One possible state.
    type State: Clone + Ord + Hash + Send;
    /// An operation in the model's own form.
    type Op: Send + Sync + PartialEq;
    /// The model's name.
    fn name(&self) -> &'static str;
    /// As `Model::partition_key`.
    fn partition_key(&self, _op: &Operation) -> Option<String> {
        None
    }
    /// The possible initial states and each operation's model form.
    fn prepare(
        &self,
        ops: &[&Operation],
    ) -> Result<Prepared<Vec<Self::State>, Self::Op>, ModelError>;
    /// Every state `op` may lead to from `state` (empty: impossible).
    fn step(&self, state: &Self::State, op: &Self::Op) -> Vec<Self::State>;
    /// A human-readable form of a state.
    fn describe_state(&self, state: &Self::State) -> String;
    /// As `Model::heap_bytes`, for one possible state.
    fn heap_bytes(&self, _state: &Self::State) -> usize {
        0
    }
}

/// Turns a nondeterministic model into a deterministic one whose state is the set of
/// possible states (sorted, deduplicated), as porcupine's `NondeterministicModel`.
pub struct PowerSet<M>(pub M);

impl<M: NondeterministicModel> Model for PowerSet<M> {
    type State = Vec<M::State>;
    type Op = M::Op;

    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn partition_key(&self, op: &Operation) -> Option<String> {
        self.0.partition_key(op)
    }

    fn prepare(&self, ops: &[&Operation]) -> Result<Prepared<Self::State, Self::Op>, ModelError> {
        let mut p = self.0.prepare(ops)?;
        p.init.sort();
        p.init.dedup();
        Ok(p)
    }

    fn step(&self, states: &Self::State, op: &Self::Op) -> Option<Self::State> {
        let mut next: Vec<M::State> = states.iter().flat_map(|s| self.0.step(s, op)).collect();
        if next.is_empty() {
            return None;
        }
        next.sort();
        next.dedup();
        Some(next)
    }

    fn describe_state(&self, states: &Self::State) -> String {
        let parts: Vec<String> = states.iter().map(|s| self.0.describe_state(s)).collect();
        format!("{{{}}}", parts.join(", "))
    }

    fn heap_bytes(&self, states: &Self::State) -> usize {
        states.len() * std::mem::size_of::<M::State>()
            + states.iter().map(|s| self.0.heap_bytes(s)).sum::<usize>()
    }
}
