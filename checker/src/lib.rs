//! linsim-checker: a porcupine-class linearizability checker.
//!
//! A `History` of operations (each with a call time, a return time and an outcome) is
//! checked against a `Model` (a sequential specification). The search is Wing and
//! Gong's algorithm with Lowe's refinements, as porcupine implements it; histories are
//! split into independent partitions (P-compositionality), and each partition's state
//! into the independent components its operations touch (`Model::parts`), searched in
//! parallel, each under a deterministic budget of search steps and bytes, so a verdict
//! is a pure function of the history, the model and the budget. The result is data
//! (`CheckResult`): the verdict, and for an illegal history the longest linearizable
//! prefix and the operations that could not be linearized next.
//!
//! It knows nothing of Raft: point it at any Jepsen, porcupine or linsim history.

#![warn(missing_docs)]

pub mod bitset;
mod cache;
pub mod check;
mod components;
pub mod formats;
mod frontier;
pub mod generate;
pub mod history;
mod init;
pub mod model;
pub mod models;
pub mod reference;
pub mod result;
mod rounds;
pub mod search;
mod shared_sets;
pub mod steps;

pub use check::{check, CheckOptions, DEFAULT_MAX_BYTES, DEFAULT_MAX_STEPS};
pub use formats::{Format, ParseError};
pub use history::{Event, Function, History, Operation, Outcome, Value};
pub use init::{parse_init, Init};
pub use model::{Model, ModelError, NondeterministicModel, PowerSet, Prepared};
pub use models::{infer_model, Unsure};
pub use models::{
    CounterModel, FifoQueueModel, KvModel, ModelInfo, MultiRegisterModel, MutexModel,
    RegisterModel, SetModel, UnorderedQueueModel, MODELS, MODEL_NAMES,
};
pub use result::{CheckResult, Counterexample, PartitionResult, Pruned, Verdict};
pub use search::{GaveUp, SearchStats};
pub use steps::{Replay, ReplayError};

/// Work to do with a model chosen by name (`with_model`), generic over the model.
pub trait ModelTask {
    /// What the work produces.
    type Output;
    /// Does the work with `model`.
    fn run<M: Model>(self, model: &M) -> Self::Output;
}

/// Runs `task` with the model named `model` (see `MODELS`).
pub fn with_model<T: ModelTask>(model: &str, task: T) -> Result<T::Output, CheckNamedError> {
    with_model_init(model, None, task)
}

/// Runs `task` with the model named `model`, starting from `init` where given (for
/// `register` and `cas-register` a value, for `multi-register` values by register
/// name; the other models take none, as Knossos builds them).
pub fn with_model_init<T: ModelTask>(
    model: &str,
    init: Option<&Init>,
    task: T,
) -> Result<T::Output, CheckNamedError> {
    let wrong = |want: &str| {
        Err(CheckNamedError::Init(format!(
            "the {model} model takes {want} as --init"
        )))
    };
    Ok(match (model, init) {
        ("register" | "cas-register", Some(Init::Map(_))) => return wrong("one value"),
        ("register", Some(Init::Value(v))) => task.run(&RegisterModel::register().with_init(v)),
        ("cas-register", Some(Init::Value(v))) => {
            task.run(&RegisterModel::cas_register().with_init(v))
        }
        ("multi-register", Some(Init::Value(_))) => {
            return wrong("a map of register names to values, such as {:x 0 :y 0},")
        }
        ("multi-register", Some(Init::Map(m))) => {
            task.run(&MultiRegisterModel::with_init(m.clone()))
        }
        (name, Some(_)) if MODEL_NAMES.contains(&name) => return wrong("no initial value"),
        ("register", None) => task.run(&RegisterModel::register()),
        ("cas-register", None) => task.run(&RegisterModel::cas_register()),
        ("kv", None) => task.run(&KvModel::new()),
        ("multi-register", None) => task.run(&MultiRegisterModel::default()),
        ("mutex", None) => task.run(&MutexModel),
        ("set", None) => task.run(&SetModel),
        ("fifo-queue", None) => task.run(&FifoQueueModel),
        ("unordered-queue", None) => task.run(&PowerSet(UnorderedQueueModel)),
        ("counter", None) => task.run(&CounterModel),
        (other, _) => return Err(CheckNamedError::UnknownModel(other.to_string())),
    })
}

/// Checks `history` with the model named `model` (see `MODELS`).
pub fn check_named(
    model: &str,
    history: &History,
    opts: &CheckOptions,
) -> Result<CheckResult, CheckNamedError> {
    check_named_init(model, None, history, opts)
}

/// `check_named`, the model starting from `init` where given (see `with_model_init`).
pub fn check_named_init(
    model: &str,
    init: Option<&Init>,
    history: &History,
    opts: &CheckOptions,
) -> Result<CheckResult, CheckNamedError> {
    struct Check<'a>(&'a History, &'a CheckOptions);
    impl ModelTask for Check<'_> {
        type Output = Result<CheckResult, ModelError>;
        fn run<M: Model>(self, model: &M) -> Self::Output {
            check(model, self.0, self.1)
        }
    }
    Ok(with_model_init(model, init, Check(history, opts))??)
}

/// `steps::replay_all` with the model named `model`: the model states along each
/// (partition key, order) pair, a linearization (or prefix) that a check of
/// `history` reported for that partition.
pub fn replay_named(
    model: &str,
    history: &History,
    orders: &[(Option<&str>, &[usize])],
) -> Result<Vec<Replay>, ReplayNamedError> {
    struct Walk<'a>(&'a History, &'a [(Option<&'a str>, &'a [usize])]);
    impl ModelTask for Walk<'_> {
        type Output = Result<Vec<Replay>, ReplayError>;
        fn run<M: Model>(self, model: &M) -> Self::Output {
            steps::replay_all(model, self.0, self.1)
                .into_iter()
                .collect()
        }
    }
    Ok(with_model(model, Walk(history, orders))??)
}

/// Why `replay_named` could not replay an order.
#[derive(Debug, thiserror::Error)]
pub enum ReplayNamedError {
    /// No model has that name.
    #[error(transparent)]
    Named(#[from] CheckNamedError),
    /// The order does not replay.
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

/// Why `check_named` could not produce a verdict.
#[derive(Debug, thiserror::Error)]
pub enum CheckNamedError {
    /// No model has that name.
    #[error("unknown model {0:?}: expected one of {names}", names = MODEL_NAMES.join(", "))]
    UnknownModel(String),
    /// The model cannot interpret an operation of the history.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The initial value does not fit the model.
    #[error("{0}")]
    Init(String),
}
