//! The shipped workloads.

mod kv;
mod register;

pub use kv::KvWorkload;
pub use register::RegisterWorkload;
