//! Rebuilding a configuration from a `ConfState` (etcd's `confchange.Restore`), after a
//! restart or a snapshot: a sequence of changes that enacts it from an empty one.

use super::{Changer, ConfChangeError};
use crate::eraftpb::{ConfChangeSingle, ConfChangeType, ConfState};
use crate::tracker::{Configuration, ProgressMap, ProgressTracker};
use std::collections::BTreeSet;

/// The configuration and progress map `cs` describes, built by running changes on
/// `empty` (a tracker with no members, whose inflight limits the new progresses take).
///
/// A joint `cs` such as voters=(1 2 3) voters_outgoing=(1 2 4 6) learners=(5)
/// learners_next=(4) is rebuilt in two stages: simple changes adding the outgoing
/// voters one by one give (1 2 4 6); then entering a joint configuration with
/// "remove 1 2 4 6, add voters 1 2 3, add learner 5, add learner 4" rotates those into
/// the outgoing half and builds the incoming one (4, still an outgoing voter, is staged
/// in learners_next). A refused step means `cs` is not a valid configuration.
pub fn restore(
    empty: &ProgressTracker,
    last_index: u64,
    cs: &ConfState,
) -> Result<(Configuration, ProgressMap), ConfChangeError> {
    let single = |change_type, node_id| ConfChangeSingle::new(change_type, node_id);
    let outgoing: Vec<ConfChangeSingle> = cs
        .voters_outgoing
        .iter()
        .map(|&id| single(ConfChangeType::AddNode, id))
        .collect();
    let incoming: Vec<ConfChangeSingle> = cs
        .voters_outgoing
        .iter()
        .map(|&id| single(ConfChangeType::RemoveNode, id))
        .chain(
            cs.voters
                .iter()
                .map(|&id| single(ConfChangeType::AddNode, id)),
        )
        .chain(
            cs.learners
                .iter()
                .chain(&cs.learners_next)
                .map(|&id| single(ConfChangeType::AddLearnerNode, id)),
        )
        .collect();

    let mut trk = empty.clone();
    let step = |trk: &mut ProgressTracker, next: StepResult| -> Result<(), ConfChangeError> {
        let (cfg, prs) = next?;
        trk.config = cfg;
        trk.progress = prs;
        Ok(())
    };
    if outgoing.is_empty() {
        for cc in &incoming {
            let next = Changer::new(&trk, last_index).simple(std::slice::from_ref(cc));
            step(&mut trk, next)?;
        }
    } else {
        for cc in &outgoing {
            let next = Changer::new(&trk, last_index).simple(std::slice::from_ref(cc));
            step(&mut trk, next)?;
        }
        let next = Changer::new(&trk, last_index).enter_joint(cs.auto_leave, &incoming);
        step(&mut trk, next)?;
    }
    // A node listed twice (say as voter and learner) restores as one role: the result
    // then differs from `cs`, which is not a configuration any change could produce.
    let got = trk.conf_state();
    if !same_members(&got, cs) {
        return Err(ConfChangeError::Invariant(format!(
            "ConfState {cs:?} is not a valid configuration (it restores as {got:?})"
        )));
    }
    Ok((trk.config, trk.progress))
}

type StepResult = Result<(Configuration, ProgressMap), ConfChangeError>;

/// Whether two conf states name the same members in the same roles (order aside).
fn same_members(a: &ConfState, b: &ConfState) -> bool {
    let set = |ids: &[u64]| ids.iter().copied().collect::<BTreeSet<u64>>();
    set(&a.voters) == set(&b.voters)
        && set(&a.voters_outgoing) == set(&b.voters_outgoing)
        && set(&a.learners) == set(&b.learners)
        && set(&a.learners_next) == set(&b.learners_next)
        && a.auto_leave == b.auto_leave
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cs(voters: &[u64], outgoing: &[u64], learners: &[u64], next: &[u64]) -> ConfState {
        ConfState {
            voters: voters.to_vec(),
            learners: learners.to_vec(),
            voters_outgoing: outgoing.to_vec(),
            learners_next: next.to_vec(),
            auto_leave: !outgoing.is_empty(),
        }
    }

    fn restored(c: &ConfState) -> Result<ConfState, ConfChangeError> {
        let empty = ProgressTracker::new(8, 0);
        let (cfg, prs) = restore(&empty, 10, c)?;
        let mut t = empty.clone();
        t.config = cfg;
        t.progress = prs;
        Ok(t.conf_state())
    }

    #[test]
    fn restore_round_trips_valid_conf_states() {
        let cases = [
            cs(&[], &[], &[], &[]),
            cs(&[1, 2, 3], &[], &[], &[]),
            cs(&[1, 2, 3], &[], &[4, 5], &[]),
            cs(&[1, 2, 3], &[1, 2, 4, 6], &[5], &[4]),
            cs(&[2], &[1], &[], &[1]),
            cs(&[4, 5, 6], &[1, 2, 3], &[7], &[]),
        ];
        for c in cases {
            assert_eq!(restored(&c), Ok(c.clone()), "{c:?}");
        }
    }

    #[test]
    fn restore_refuses_invalid_conf_states() {
        // A node that is both voter and learner, learners without voters, and
        // learners_next of a node that is not an outgoing voter.
        assert!(matches!(
            restored(&cs(&[1, 2], &[], &[2], &[])),
            Err(ConfChangeError::Invariant(_))
        ));
        assert_eq!(
            restored(&cs(&[], &[], &[3], &[])),
            Err(ConfChangeError::RemovedAllVoters)
        );
        assert!(matches!(
            restored(&cs(&[1], &[2], &[], &[3])),
            Err(ConfChangeError::Invariant(_))
        ));
    }
}
