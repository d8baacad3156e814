//! The shipped workloads.

pub mod independent;
mod kv;
mod register;

pub use kv::KvWorkload;
pub use register::RegisterWorkload;
