//! What drives a run: a workload (client operations) and a nemesis (faults). The sim
//! runs them; `linsim-workloads` names and registers concrete ones.

use crate::faults::Faults;
use linsim_checker::{Function, Value};
use rand::rngs::StdRng;
use std::future::Future;
use std::pin::Pin;

/// One client operation to perform: function, key, arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientOp {
    /// What to do.
    pub f: Function,
    /// The key (the register workload uses one key).
    pub key: String,
    /// Arguments, as in `linsim_checker::Operation::input`.
    pub input: Vec<Value>,
}

/// Generates client operations from a seeded RNG and names the model that checks them.
pub trait Workload: Send + Sync {
    /// The workload's registry name.
    fn name(&self) -> &str;
    /// The checker model for its histories (`register`, `cas-register`, `kv`).
    fn model(&self) -> &'static str;
    /// The next operation of a client; `rng` is that client's own stream.
    fn next_op(&self, rng: &mut StdRng) -> ClientOp;
}

/// A boxed future that a nemesis returns.
pub type NemesisFuture<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Drives faults during a run through `Faults`, drawing every choice from `rng` (its
/// own stream, derived from the seed), until `Faults::workload_over` says stop. Every
/// fault it applies is recorded as data, so the run can be replayed from the schedule.
pub trait Nemesis: Send + Sync {
    /// The nemesis' registry name.
    fn name(&self) -> &str;
    /// Runs the fault schedule.
    fn run<'a>(&'a self, faults: &'a Faults, rng: &'a mut StdRng) -> NemesisFuture<'a>;
}
