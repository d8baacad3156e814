//! Errors returned by the raft library.

use crate::confchange::ConfChangeError;
use crate::eraftpb::ConfChangeDecodeError;
use thiserror::Error;

/// Why a storage read could not be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum StorageError {
    /// The requested index precedes the first available entry (it was compacted).
    #[error("requested index is unavailable due to compaction")]
    Compacted,
    /// The snapshot offered is older than the one already stored.
    #[error("requested index is older than the existing snapshot")]
    SnapOutOfDate,
    /// The requested index is past the last entry.
    #[error("requested entry at index is unavailable")]
    Unavailable,
    /// A snapshot is being built; ask again later.
    #[error("snapshot is temporarily unavailable")]
    SnapshotTemporarilyUnavailable,
}

/// Errors of the raft state machine and its API.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Error {
    /// A storage read failed.
    #[error("storage: {0}")]
    Store(#[from] StorageError),
    /// The proposal was dropped (no leader, leader transfer in progress, size limits,
    /// or forwarding disabled). The caller may retry elsewhere.
    #[error("raft proposal dropped")]
    ProposalDropped,
    /// The `Node` was stopped (or its task ended): the request was not carried out.
    #[error("raft: stopped")]
    Stopped,
    /// A local-only message type was passed to `step`.
    #[error("raft: cannot step raft local message")]
    StepLocalMsg,
    /// A response came from a node that is not in the configuration.
    #[error("raft: cannot step as peer not found")]
    StepPeerNotFound,
    /// A conf change (or a `ConfState`) was refused: it is not valid in the current
    /// configuration. The configuration is unchanged.
    #[error("conf change refused: {0}")]
    ConfChange(#[from] ConfChangeError),
    /// A conf change entry's data does not decode.
    #[error("{0}")]
    ConfChangeDecode(#[from] ConfChangeDecodeError),
    /// The configuration is invalid: `field` is wrong because of `reason`.
    #[error("invalid config: {field}: {reason}")]
    ConfigInvalid {
        /// The offending `Config` field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
