//! The models linsim ships, and lookup by name.

mod counter;
mod elements;
mod fifo_queue;
mod infer;
mod kv;
mod multi_register;
mod mutex;
mod register;
mod register_unknowns;
mod set;
mod unordered_queue;

pub use counter::{CounterModel, CounterOp};
pub use fifo_queue::{FifoQueueModel, QueueOp, QueueState};
pub use infer::{infer_model, Unsure};
pub use kv::{KvModel, KvOp, KvState};
pub use multi_register::{Micro, MultiRegisterModel, Registers, Txn};
pub use mutex::{MutexModel, MutexOp};
pub use register::{Reg, RegisterModel, RegisterOp};
pub use set::{SetModel, SetOp, SetState};
pub use unordered_queue::{Multiset, UnorderedQueueModel};

/// A shipped model: its name, as the CLI spells it, and what it checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ModelInfo {
    /// The name (`linsim check --model NAME`).
    pub name: &'static str,
    /// One line: the object and the Jepsen functions it accepts.
    pub description: &'static str,
}

/// Every shipped model, in the order `linsim list` shows them.
pub const MODELS: [ModelInfo; 9] = [
    ModelInfo {
        name: "register",
        description: "one register per key, initially nil: :read, :write",
    },
    ModelInfo {
        name: "cas-register",
        description: "one register per key, initially nil: :read, :write, :cas [old new]",
    },
    ModelInfo {
        name: "kv",
        description: "string values per key, initially \"\": :read/:get, :write/:put, :append, :cas",
    },
    ModelInfo {
        name: "multi-register",
        description: "registers read and written by :txn [[:read k v] [:write k v] ...] (Knossos's; nil reads are unknown)",
    },
    ModelInfo {
        name: "mutex",
        description: "a lock, initially free: :acquire, :release",
    },
    ModelInfo {
        name: "set",
        description: "a set, initially empty: :add v, :read of the whole set",
    },
    ModelInfo {
        name: "fifo-queue",
        description: "a first-in first-out queue: :enqueue v, :dequeue (nil: found empty)",
    },
    ModelInfo {
        name: "unordered-queue",
        description: "a queue in no order (a multiset): :enqueue v, :dequeue any element",
    },
    ModelInfo {
        name: "counter",
        description: "an integer per key, initially 0: :increment n (Jepsen's :add n), :read (nil reads as 0)",
    },
];

/// The names of the shipped models, as the CLI spells them.
pub const MODEL_NAMES: [&str; 9] = [
    MODELS[0].name,
    MODELS[1].name,
    MODELS[2].name,
    MODELS[3].name,
    MODELS[4].name,
    MODELS[5].name,
    MODELS[6].name,
    MODELS[7].name,
    MODELS[8].name,
];

/// The description of the model named `name`.
pub fn describe(name: &str) -> Option<&'static str> {
    MODELS
        .iter()
        .find(|m| m.name == name)
        .map(|m| m.description)
}
