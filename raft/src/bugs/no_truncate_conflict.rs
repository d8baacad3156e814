//! `NoTruncateConflict`: the follower side of MsgApp without the conflict rule.
//!
//! Correct raft (§5.3): "If an existing entry conflicts with a new one (same index
//! but different terms), delete the existing entry and all that follow it". This
//! variant only appends entries past its last index, so a stale entry from a deposed
//! leader's term survives under a newer leader's committed one.

use crate::log::RaftLog;
use crate::storage::Storage;
use crate::Entry;

/// Appends the entries of a MsgApp that matched at `index`, skipping every entry at an
/// index the log already has (whatever its term); returns the last index the message
/// covered.
pub(crate) fn append_without_truncating<S: Storage>(
    log: &mut RaftLog<S>,
    index: u64,
    committed: u64,
    ents: &[Entry],
) -> u64 {
    let last = log.last_index();
    let fresh: Vec<Entry> = ents.iter().filter(|e| e.index > last).cloned().collect();
    if !fresh.is_empty() {
        log.append(&fresh);
    }
    let last_new = index + ents.len() as u64;
    log.commit_to(committed.min(last_new).min(log.last_index()));
    last_new
}
