//! Quorum arithmetic: committed indexes and election outcomes, for a majority
//! configuration (`majority`) and a joint one made of two (`joint`).

pub mod joint;
pub mod majority;

pub use joint::JointConfig;

/// The outcome of an election so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteResult {
    /// Not decided: more votes may still come.
    Pending,
    /// A quorum rejected.
    Lost,
    /// A quorum granted.
    Won,
}
