//! Work the cluster accepted that must finish: leadership transfers. (Joint
//! configurations that must be left, conf changes that must be applied or refused and
//! reads that must be answered are checked beside the rest of their concern, in
//! `membership`, `reads` and the run's heal phase.)
//!
//! A leader asked to transfer leadership refuses proposals until the transfer ends, so
//! a transfer that neither completes nor aborts silences the cluster while every
//! server looks healthy. Raft aborts one after an election timeout of the leader's
//! clock, so it is measured in the leader's own ticks (a paused leader or a slow
//! clock stretches virtual time, not ticks); once the faults heal, every one in
//! progress must also end within the liveness bound (`settle`).

use super::Observer;
use crate::probes::probe;
use crate::system::Role;
use std::collections::BTreeMap;

/// A transfer a leader is carrying out (or handed off: its leader stepped down, as it
/// does when the target campaigns, and the target has not taken office yet).
#[derive(Clone, Copy, Debug)]
struct Transfer {
    term: u64,
    to: u64,
    since_ns: u64,
    /// The leader's tick count when it started.
    since_tick: u64,
}

/// Leadership transfers in progress, by leader.
#[derive(Debug, Default)]
pub(super) struct Transfers {
    pending: BTreeMap<u64, Transfer>,
    /// Transfers whose leader stepped down before its target took office, by leader.
    handed_off: BTreeMap<u64, Transfer>,
}

impl Observer {
    /// The leader `node` of `term` reports the transfer it is carrying out (`to`, 0:
    /// none), having taken `tick` ticks of its clock so far. Raft abandons a transfer
    /// that has not completed within an election timeout (`election_tick` ticks) of
    /// the leader's own clock; one pending for twice that breaks `transfer-progress`,
    /// whatever pauses or slow clocks did to virtual time meanwhile.
    pub fn transfer_state(
        &mut self,
        at_ns: u64,
        node: u64,
        term: u64,
        to: u64,
        tick: u64,
        election_tick: u64,
    ) {
        let started = Transfer {
            term,
            to,
            since_ns: at_ns,
            since_tick: tick,
        };
        match (self.transfers.pending.get(&node).copied(), to) {
            (None, 0) => {}
            (None, _) => {
                self.transfers.pending.insert(node, started);
            }
            (Some(_), 0) => {
                probe!(TransferAborted);
                self.transfers.pending.remove(&node);
            }
            (Some(t), to) if t.term != term || t.to != to => {
                self.transfers.pending.insert(node, started);
            }
            (Some(t), _) if tick - t.since_tick > 2 * election_tick => {
                self.violate(
                    "transfer-progress",
                    at_ns,
                    node,
                    format!(
                        "leader of term {term} has been transferring leadership to {to} for {} ticks of its clock (election timeout {election_tick})",
                        tick - t.since_tick
                    ),
                );
            }
            (Some(_), _) => {}
        }
    }

    /// `node` changed role: a transfer to it completes when it leads (its old leader
    /// has usually stepped down by then, at the target's vote request); a transfer of a
    /// leader that steps down is handed off, and forgotten once anyone else leads.
    pub(super) fn transfer_role(&mut self, node: u64, state: Role) {
        if state == Role::Leader {
            let t = &mut self.transfers;
            let completed = t
                .pending
                .values()
                .chain(t.handed_off.values())
                .any(|t| t.to == node);
            if completed {
                probe!(TransferCompleted);
            }
            t.pending.retain(|_, t| t.to != node);
            t.handed_off.clear();
        } else if let Some(t) = self.transfers.pending.remove(&node) {
            self.transfers.handed_off.insert(node, t);
        }
    }

    /// `node` restarted: a transfer it was carrying out died with it.
    pub(super) fn transfers_stopped(&mut self, node: u64) {
        self.transfers.pending.remove(&node);
    }

    /// How many transfers are in progress.
    pub fn transfers_pending(&self) -> usize {
        self.transfers.pending.len()
    }

    /// Every transfer still in progress is stuck (the end of a run, the bound given
    /// after the heal has passed): `transfer-progress`.
    pub fn check_transfers_settled(&mut self, at_ns: u64) {
        let stuck: Vec<(u64, Transfer)> = self
            .transfers
            .pending
            .iter()
            .map(|(&n, &t)| (n, t))
            .collect();
        for (node, t) in stuck {
            self.violate(
                "transfer-progress",
                at_ns,
                node,
                format!(
                    "leader of term {} has been transferring leadership to {} for {} ms",
                    t.term,
                    t.to,
                    (at_ns - t.since_ns) / 1_000_000
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_longer_than_two_election_timeouts_of_ticks_breaks_transfer_progress() {
        let mut o = Observer::default();
        o.transfer_state(1, 1, 2, 3, 100, 10);
        // Virtual time means nothing here (a paused leader): only its ticks count.
        o.transfer_state(1_000_000_000, 1, 2, 3, 115, 10);
        assert!(o.violation().is_none(), "{:?}", o.violation());
        o.transfer_state(1_000_000_001, 1, 2, 3, 121, 10);
        assert_eq!(o.violation().unwrap().invariant, "transfer-progress");
    }

    #[test]
    fn a_transfer_ends_when_its_target_leads_or_its_leader_gives_up() {
        let mut o = Observer::default();
        o.transfer_state(1, 1, 2, 3, 100, 10);
        // The leader steps down at the target's vote request, then the target leads.
        o.transfer_role(1, Role::Follower);
        o.transfer_role(3, Role::Leader);
        assert_eq!(o.transfers_pending(), 0);
        o.transfer_state(2, 3, 3, 2, 0, 10);
        o.transfer_state(3, 3, 3, 0, 5, 10);
        assert_eq!(o.transfers_pending(), 0);
        o.check_transfers_settled(4);
        assert!(o.violation().is_none(), "{:?}", o.violation());
        o.transfer_state(5, 3, 3, 1, 6, 10);
        o.check_transfers_settled(6);
        assert_eq!(o.violation().unwrap().invariant, "transfer-progress");
    }
}
