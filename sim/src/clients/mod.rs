//! Clients as Jepsen runs them: workloads generate operations (`workload`), client
//! slots run one process at a time against the servers through the system's client
//! (`process`), and the load's shape and each slot's fate are kept (`load`). The
//! history they record is what the checker decides.

pub mod load;
pub mod process;
pub mod workload;
