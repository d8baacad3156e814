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
pub mod history;
pub mod model;
pub mod models;
pub mod reference;
pub mod result;
mod rounds;
pub mod search;

pub use check::{check, CheckOptions, DEFAULT_MAX_BYTES, DEFAULT_MAX_STEPS};
pub use formats::{Format, ParseError};
pub use history::{Event, Function, History, Operation, Outcome, Value};
pub use model::{Model, ModelError, NondeterministicModel, PowerSet, Prepared};
pub use models::{
    FifoQueueModel, KvModel, ModelInfo, MultiRegisterModel, MutexModel, RegisterModel, SetModel,
    UnorderedQueueModel, MODELS, MODEL_NAMES,
};
pub use result::{CheckResult, Counterexample, PartitionResult, Verdict};
pub use search::{GaveUp, SearchStats};

/// Checks `history` with the model named `model` (see `MODELS`).
pub fn check_named(
    model: &str,
    history: &History,
    opts: &CheckOptions,
) -> Result<CheckResult, CheckNamedError> {
    let result = match model {
        "register" => check(&RegisterModel::register(), history, opts)?,
        "cas-register" => check(&RegisterModel::cas_register(), history, opts)?,
        "kv" => check(&KvModel::new(), history, opts)?,
        "multi-register" => check(&MultiRegisterModel, history, opts)?,
        "mutex" => check(&MutexModel, history, opts)?,
        "set" => check(&SetModel, history, opts)?,
        "fifo-queue" => check(&FifoQueueModel, history, opts)?,
        "unordered-queue" => check(&PowerSet(UnorderedQueueModel), history, opts)?,
        other => return Err(CheckNamedError::UnknownModel(other.to_string())),
    };
    Ok(result)
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
}
