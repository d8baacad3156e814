//! The `Changer`: the next configuration after a simple change, entering a joint
//! configuration, or leaving one (etcd's `confchange.Changer`).

use super::ConfChangeError;
use crate::eraftpb::{ConfChangeSingle, ConfChangeType};
use crate::tracker::{Configuration, Progress, ProgressMap, ProgressTracker};
use std::collections::BTreeSet;

type Result<T> = std::result::Result<T, ConfChangeError>;

/// Computes configuration transitions from `tracker`'s current configuration. New
/// members get a progress that will next send `last_index` (the leader probes them
/// from its log's end).
pub struct Changer<'a> {
    tracker: &'a ProgressTracker,
    last_index: u64,
}

impl<'a> Changer<'a> {
    /// A changer starting from `tracker`'s configuration, for a log ending at
    /// `last_index`.
    pub fn new(tracker: &'a ProgressTracker, last_index: u64) -> Changer<'a> {
        Changer {
            tracker,
            last_index,
        }
    }

    /// Enters a joint configuration: the current voters become the outgoing half, and
    /// `ccs` applied to a copy of them the incoming half. With `auto_leave` the joint
    /// configuration is to be left as soon as it is applied (the leader proposes it).
    pub fn enter_joint(
        &self,
        auto_leave: bool,
        ccs: &[ConfChangeSingle],
    ) -> Result<(Configuration, ProgressMap)> {
        let (mut cfg, mut prs) = self.check_and_copy()?;
        if cfg.voters.is_joint() {
            return Err(ConfChangeError::AlreadyJoint);
        }
        if cfg.voters.incoming.is_empty() {
            // A joint configuration with an empty half would agree to everything in
            // that half: it would be no safer than a simple change.
            return Err(ConfChangeError::ZeroVoterJoint);
        }
        cfg.voters.outgoing = cfg.voters.incoming.clone();
        self.apply(&mut cfg, &mut prs, ccs)?;
        cfg.auto_leave = auto_leave;
        check_invariants(&cfg, &prs)?;
        Ok((cfg, prs))
    }

    /// Leaves a joint configuration: the incoming half alone decides from now on,
    /// outgoing voters that were demoted become learners, and outgoing voters that are
    /// no longer members lose their progress.
    pub fn leave_joint(&self) -> Result<(Configuration, ProgressMap)> {
        let (mut cfg, mut prs) = self.check_and_copy()?;
        if !cfg.voters.is_joint() {
            return Err(ConfChangeError::NotJoint);
        }
        for id in std::mem::take(&mut cfg.learners_next) {
            cfg.learners.insert(id);
            prs.get_mut(&id)
                .expect("invariant: every member has a progress")
                .is_learner = true;
        }
        for id in std::mem::take(&mut cfg.voters.outgoing) {
            if !cfg.voters.incoming.contains(&id) && !cfg.learners.contains(&id) {
                prs.remove(&id);
            }
        }
        cfg.auto_leave = false;
        check_invariants(&cfg, &prs)?;
        Ok((cfg, prs))
    }

    /// Applies `ccs` outside a joint configuration. At most one voter may be added or
    /// removed: with more, a majority of the old voters and a majority of the new ones
    /// might not overlap (Raft thesis §4.1), which is what joint consensus is for.
    pub fn simple(&self, ccs: &[ConfChangeSingle]) -> Result<(Configuration, ProgressMap)> {
        let (cfg, prs) = self.simple_any_delta(ccs)?;
        let delta = self
            .tracker
            .config
            .voters
            .incoming
            .symmetric_difference(&cfg.voters.incoming)
            .count();
        if delta > 1 {
            crate::probe!(ConfChangeRefusedTooManyVoters);
            return Err(ConfChangeError::TooManyVoterChanges);
        }
        Ok((cfg, prs))
    }

    /// `simple` without its limit of one voter change: only the
    /// `ConfChangeWithoutJoint` bug uses it.
    pub(crate) fn simple_any_delta(
        &self,
        ccs: &[ConfChangeSingle],
    ) -> Result<(Configuration, ProgressMap)> {
        let (mut cfg, mut prs) = self.check_and_copy()?;
        if cfg.voters.is_joint() {
            return Err(ConfChangeError::SimpleInJoint);
        }
        self.apply(&mut cfg, &mut prs, ccs)?;
        check_invariants(&cfg, &prs)?;
        Ok((cfg, prs))
    }

    fn apply(
        &self,
        cfg: &mut Configuration,
        prs: &mut ProgressMap,
        ccs: &[ConfChangeSingle],
    ) -> Result<()> {
        for cc in ccs {
            if cc.node_id == 0 {
                // etcd's convention: an application vetoes one change by zeroing it.
                continue;
            }
            match cc.change_type {
                ConfChangeType::AddNode => self.make_voter(cfg, prs, cc.node_id),
                ConfChangeType::AddLearnerNode => self.make_learner(cfg, prs, cc.node_id),
                ConfChangeType::RemoveNode => remove(cfg, prs, cc.node_id),
                ConfChangeType::UpdateNode => {}
            }
        }
        if cfg.voters.incoming.is_empty() {
            return Err(ConfChangeError::RemovedAllVoters);
        }
        Ok(())
    }

    fn make_voter(&self, cfg: &mut Configuration, prs: &mut ProgressMap, id: u64) {
        let Some(pr) = prs.get_mut(&id) else {
            self.init_progress(cfg, prs, id, false);
            return;
        };
        if pr.is_learner {
            crate::probe!(LearnerPromoted);
        }
        pr.is_learner = false;
        cfg.learners.remove(&id);
        cfg.learners_next.remove(&id);
        cfg.voters.incoming.insert(id);
    }

    /// Makes `id` a learner. A voter of the outgoing half cannot become a learner
    /// while it still votes there: it is staged in `learners_next` and becomes a
    /// learner when the joint configuration is left.
    fn make_learner(&self, cfg: &mut Configuration, prs: &mut ProgressMap, id: u64) {
        let Some(pr) = prs.get(&id) else {
            self.init_progress(cfg, prs, id, true);
            return;
        };
        if pr.is_learner {
            return;
        }
        // Keep the progress (its match is still good): remove the node from every
        // role, then put it back as a learner.
        let mut pr = pr.clone();
        remove(cfg, prs, id);
        if cfg.voters.outgoing.contains(&id) {
            cfg.learners_next.insert(id);
        } else {
            pr.is_learner = true;
            cfg.learners.insert(id);
        }
        prs.insert(id, pr);
    }

    fn init_progress(
        &self,
        cfg: &mut Configuration,
        prs: &mut ProgressMap,
        id: u64,
        learner: bool,
    ) {
        if learner {
            cfg.learners.insert(id);
        } else {
            cfg.voters.incoming.insert(id);
        }
        let mut pr = Progress::new(
            self.last_index.max(1),
            self.tracker.max_inflight,
            self.tracker.max_inflight_bytes,
        );
        pr.is_learner = learner;
        // A new member counts as active: a CheckQuorum before it was ever heard from
        // must not depose the leader that just added it.
        pr.recent_active = true;
        prs.insert(id, pr);
    }

    fn check_and_copy(&self) -> Result<(Configuration, ProgressMap)> {
        let cfg = self.tracker.config.clone();
        let prs = self.tracker.progress.clone();
        check_invariants(&cfg, &prs)?;
        Ok((cfg, prs))
    }
}

/// Removes `id` from the incoming voters and the learners. Its progress stays while it
/// still votes in the outgoing half.
fn remove(cfg: &mut Configuration, prs: &mut ProgressMap, id: u64) {
    if !prs.contains_key(&id) {
        return;
    }
    cfg.voters.incoming.remove(&id);
    cfg.learners.remove(&id);
    cfg.learners_next.remove(&id);
    if !cfg.voters.outgoing.contains(&id) {
        prs.remove(&id);
    }
}

/// etcd's invariants of a configuration and its progress map.
pub(crate) fn check_invariants(cfg: &Configuration, prs: &ProgressMap) -> Result<()> {
    let broken = |s: String| Err(ConfChangeError::Invariant(s));
    let members: BTreeSet<u64> = cfg
        .voters
        .ids()
        .into_iter()
        .chain(cfg.learners.iter().copied())
        .chain(cfg.learners_next.iter().copied())
        .collect();
    for id in &members {
        if !prs.contains_key(id) {
            return broken(format!("no progress for {id}"));
        }
    }
    for id in &cfg.learners_next {
        if !cfg.voters.outgoing.contains(id) {
            return broken(format!("{id} is in LearnersNext, but not Voters[1]"));
        }
        if prs[id].is_learner {
            return broken(format!(
                "{id} is in LearnersNext, but is already marked as learner"
            ));
        }
    }
    for id in &cfg.learners {
        if cfg.voters.outgoing.contains(id) {
            return broken(format!("{id} is in Learners and Voters[1]"));
        }
        if cfg.voters.incoming.contains(id) {
            return broken(format!("{id} is in Learners and Voters[0]"));
        }
        if !prs[id].is_learner {
            return broken(format!("{id} is in Learners, but is not marked as learner"));
        }
    }
    if !cfg.voters.is_joint() {
        if !cfg.learners_next.is_empty() {
            return broken("LearnersNext must be empty when not joint".to_string());
        }
        if cfg.auto_leave {
            return broken("AutoLeave must be false when not joint".to_string());
        }
    }
    Ok(())
}
