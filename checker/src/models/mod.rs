//! The models linsim ships, and lookup by name.

mod kv;
mod register;

pub use kv::{KvModel, KvOp, KvState};
pub use register::{RegisterModel, RegisterOp};

/// The names of the shipped models, as the CLI spells them.
pub const MODEL_NAMES: [&str; 3] = ["register", "cas-register", "kv"];
