//! What the server tells the framework about raft-rs: role, term and commit changes
//! and the leader's transfer state as they happen (the Raft observation API), and a
//! status line for the trace of a failing seed. All of it is read from raft-rs's
//! public state.

use super::Server;
use crate::convert;
use raft::StateRole;

impl Server {
    /// A line of raft-rs's status, for the trace of a failing seed.
    pub(super) fn status_line(&self) -> String {
        let r = &self.raw.raft;
        let log = &r.raft_log;
        let mut line = format!(
            "{} status: {:?} term {} vote {} lead {} commit {} applied {} (state machine {}) persisted {} last {} first {} election timeout {} elapsed {} removed {} conf {:?}",
            self.id,
            r.state,
            r.term,
            r.vote,
            r.leader_id,
            log.committed,
            log.applied,
            self.applied,
            log.persisted,
            log.last_index(),
            log.first_index(),
            r.randomized_election_timeout(),
            r.election_elapsed,
            self.removed,
            convert::config(&r.prs().conf().to_conf_state()),
        );
        if r.state == StateRole::Leader {
            let mut progress: Vec<_> = r.prs().iter().collect();
            progress.sort_by_key(|(id, _)| **id);
            for (id, pr) in progress {
                let state = pr.state;
                line.push_str(&format!(
                    "; {id}: {state:?} match {} next {} paused {} pending snapshot {}",
                    pr.matched,
                    pr.next_idx,
                    pr.is_paused(),
                    pr.pending_snapshot
                ));
            }
        }
        line
    }

    /// Reports role, term and (as leader) commit changes: called before any await, so
    /// that a pause cannot make an election or a commit look later than it was.
    pub(super) fn report_state(&mut self, commit: Option<u64>) {
        let raft = &self.raw.raft;
        let (term, state) = (raft.term, raft.state);
        let deposed = self.role.1 == StateRole::Leader && state != StateRole::Leader;
        if term != self.role.0 || deposed {
            // raft-rs forgets the reads it was confirming when the term moves on or
            // its leader steps down.
            self.drop_unconfirmed_reads();
        }
        let raft = &self.raw.raft;
        let log = &raft.raft_log;
        let log_term = |i: u64| log.term(i).ok().filter(|&t| t != 0 || i == 0);
        let config = convert::config(&raft.prs().conf().to_conf_state());
        let events = self.ctx.raft();
        if (term, state) != self.role {
            self.role = (term, state);
            let role = convert::role(state);
            events.role(
                term,
                role,
                log.first_index(),
                &log_term,
                &config,
                log.committed,
            );
            tracing::debug!("{} is {state:?} at term {term}", self.id);
        }
        if state != StateRole::Leader {
            return;
        }
        if let Some(commit) = commit {
            events.leader_committed(term, commit, &log_term, std::slice::from_ref(&config));
        }
        let to = raft.lead_transferee.unwrap_or(0);
        let election_tick = self.ctx.knobs().election_tick as u64;
        events.transfer_state(term, to, self.ticks, election_tick);
    }
}
