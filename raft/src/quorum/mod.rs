//! Quorum arithmetic: committed indexes and election outcomes.

pub mod majority;

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
