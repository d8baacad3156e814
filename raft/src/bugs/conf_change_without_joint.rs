//! `ConfChangeWithoutJoint`: several voters changed by one simple change.
//!
//! Correct raft (etcd's `confchange.Simple`, Raft thesis §4.1): a change outside joint
//! consensus adds or removes at most one voter, so that every majority of the old
//! voters overlaps every majority of the new ones; a `ConfChangeV2` with the automatic
//! transition and several changes goes through a joint configuration instead. This
//! variant applies such a change at once: going from (1 2 3) to (1 2 3 4 5), the old
//! majority (1 2) and the new majority (3 4 5) can each elect a leader in one term.

use crate::confchange::{Changer, ConfChangeError};
use crate::eraftpb::ConfChangeSingle;
use crate::tracker::{Configuration, ProgressMap};

/// Applies `changes` as one simple change, whatever the number of voters it changes.
pub(crate) fn apply_without_joint(
    changer: &Changer<'_>,
    changes: &[ConfChangeSingle],
) -> Result<(Configuration, ProgressMap), ConfChangeError> {
    changer.simple_any_delta(changes)
}
