//! Property tests: for random small histories (up to 8 operations over 3 processes,
//! with failed and unknown outcomes), each model of issue 10 (and the kv model's
//! pruning of unseen writes) agrees with a brute-force
//! oracle that tries every order consistent with real time against an independent,
//! plainly written sequential specification of the object.

mod brute_force;
mod kv_pruning;
mod multi_register;
mod mutex;
mod queues;
mod round_trip;
mod set;
