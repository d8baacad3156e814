//! What clients do: a workload generates their operations (`linsim-workloads` names
//! and registers concrete ones); the nemesis side is `crate::faults::Nemesis`.

use linsim_checker::{Function, Outcome, Value};
use rand::rngs::StdRng;
use rand::Rng;

/// One client operation to perform: function, key, arguments. A system's client may
/// send it as it is (it is serde).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClientOp {
    /// What to do.
    pub f: Function,
    /// The key (the register workload uses one key).
    pub key: String,
    /// Arguments, as in `linsim_checker::Operation::input`.
    pub input: Vec<Value>,
}

/// What a client's next operation may depend on besides its RNG: which slot asks
/// (workloads that give groups of processes keys of their own use it, as Jepsen's
/// independent keys do), when, and the load's shape now: drawn per seed (the
/// `read_share` knob) and changed by faults that aim a burst of reads at a moment
/// (`Fault::LoadBurst`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OpMix {
    /// The chance that the next operation is a read, 0 to 1.
    pub read_share: f64,
    /// The client slot asking (0-based).
    pub slot: u64,
    /// How many client slots the run has.
    pub slots: u64,
    /// Virtual time now, nanoseconds since the run started.
    pub now_ns: u64,
    /// Independent keys: processes that share a key at a time (knob `key_processes`).
    pub key_processes: u64,
    /// Independent keys: how long a group stays on its keys, ns (knob
    /// `key_lifetime_ms`).
    pub key_lifetime_ns: u64,
}

impl OpMix {
    /// Whether the next operation is a read, drawn from `rng`.
    pub fn read(&self, rng: &mut StdRng) -> bool {
        rng.random_bool(self.read_share.clamp(0.0, 1.0))
    }
}

/// Generates client operations from a seeded RNG and names the model that checks them.
pub trait Workload: Send + Sync {
    /// The workload's registry name.
    fn name(&self) -> &str;
    /// The checker model for its histories (`register`, `cas-register`, `kv`).
    fn model(&self) -> &'static str;
    /// The next operation of a client; `rng` is that client's own stream, `mix` the
    /// load's shape now (a read with chance `mix.read_share`, see `OpMix::read`; the
    /// other operations in the workload's own proportions). A workload with a
    /// `generator` draws its processes' operations there; this one is then the first
    /// operation a fresh process would draw, and names the key of the final read.
    fn next_op(&self, rng: &mut StdRng, mix: OpMix) -> ClientOp;

    /// A generator for process `process` (unique in the run), if the workload's
    /// operations depend on what came before (as Jepsen's generators do: take a lock
    /// and release it, dequeue what was enqueued) or on who performs them (values
    /// unique to the process). A process gets a fresh one when it starts (a process
    /// whose operation timed out retires, and its successor starts afresh); `None`:
    /// every operation is drawn blind with `next_op`.
    fn generator(&self, _process: u64) -> Option<Box<dyn Generator>> {
        None
    }

    /// The operation a client performs after healing, which must succeed (the liveness
    /// check): by default a read of the key `next_op` draws. A queue drains with a
    /// dequeue instead.
    fn final_op(&self, rng: &mut StdRng, mix: OpMix) -> ClientOp {
        ClientOp {
            f: Function::Read,
            key: self.next_op(rng, mix).key,
            input: vec![],
        }
    }
}

/// One process's source of operations: it sees how each of its operations ended
/// before it draws the next, and keeps whatever it needs between them. Deterministic:
/// every choice comes from `rng`, the client's own stream.
pub trait Generator: Send {
    /// The process's next operation.
    fn next_op(&mut self, rng: &mut StdRng, mix: OpMix) -> ClientOp;

    /// How the process's last operation ended: `Ok` with its output, `Fail` (it did not
    /// happen) or `Info` (unknown; the process retires after this).
    fn completed(&mut self, op: &ClientOp, outcome: Outcome, output: &Value);
}
