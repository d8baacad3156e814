//! The shipped workloads.

mod counter;
pub mod independent;
mod kv;
mod lock;
mod queue;
mod register;
mod set;

pub use counter::CounterWorkload;
pub use kv::KvWorkload;
pub use lock::LockWorkload;
pub use queue::QueueWorkload;
pub use register::RegisterWorkload;
pub use set::SetWorkload;
