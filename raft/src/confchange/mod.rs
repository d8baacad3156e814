//! Configuration transitions as pure functions, as etcd's `confchange` package.
//!
//! A [`Changer`] takes the tracker's current configuration and returns the next one
//! (configuration plus progress map) for a simple change (at most one voter changes),
//! for entering a joint configuration, or for leaving it; [`restore`] rebuilds the
//! configuration a `ConfState` describes (after a restart or a snapshot) by running
//! such changes from an empty one. Nothing here touches the tracker: the caller swaps
//! the result in, so a refused change leaves the configuration as it was.

mod changer;
mod restore;

pub use changer::Changer;
pub use restore::restore;

use thiserror::Error;

/// Why a configuration change was refused (etcd's messages).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ConfChangeError {
    /// Entering a joint configuration while in one.
    #[error("config is already joint")]
    AlreadyJoint,
    /// Entering a joint configuration from one without voters.
    #[error("can't make a zero-voter config joint")]
    ZeroVoterJoint,
    /// Leaving a joint configuration while not in one.
    #[error("can't leave a non-joint config")]
    NotJoint,
    /// A simple change while in a joint configuration.
    #[error("can't apply simple config change in joint config")]
    SimpleInJoint,
    /// A simple change that changes more than one voter: without joint consensus,
    /// the old and new majorities could be disjoint.
    #[error("more than one voter changed without entering joint config")]
    TooManyVoterChanges,
    /// The change leaves the (incoming) configuration without voters.
    #[error("removed all voters")]
    RemovedAllVoters,
    /// The configuration breaks an invariant (a corrupt `ConfState`, or a bug).
    #[error("invalid configuration: {0}")]
    Invariant(String),
}
