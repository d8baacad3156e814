//! What the observer checks of reads: the ReadIndex invariant, checked as each read is
//! answered, and that every read raft confirmed is answered.
//!
//! A linearizable read must reflect every write that completed before it was invoked.
//! Raft's ReadIndex (dissertation §6.4) gets there in steps: the server notes the
//! leader's commit index when the read arrives (the read index), confirms the leader
//! still leads (a heartbeat quorum, or its lease), and answers once its state machine
//! has applied up to the read index. Whatever the path (the log, ReadIndex, a lease),
//! the invariant it must keep is checkable at the moment of the answer: the state it
//! is served from (everything the server applied) includes every entry committed
//! anywhere in the cluster before the read arrived at the server. A server that
//! answers from a state that misses such an entry is stale, whether or not any client
//! ever notices; this check names the server and the entries at once, where the
//! linearizability checker needs the stale value to contradict a later read.

use super::Observer;
use crate::probes::probe;
use std::collections::BTreeMap;

/// Reads in flight at each server, keyed by (server, request id).
#[derive(Debug, Default)]
pub(super) struct ReadLog {
    /// The newest index known committed anywhere when the read first arrived (since
    /// the server last started).
    arrived: BTreeMap<(u64, u64), u64>,
    /// Request -> the newest index known committed when it first arrived anywhere.
    first_arrived: BTreeMap<u64, u64>,
    /// When the server asked raft to confirm the read (ReadIndex), not yet confirmed.
    asked: BTreeMap<(u64, u64), u64>,
    /// The read index raft confirmed, and when, not yet answered.
    confirmed: BTreeMap<(u64, u64), (u64, u64)>,
}

impl Observer {
    /// A client's read `request` arrived at `node` (a resend of it changes nothing: the
    /// read is owed everything committed before it first arrived).
    pub fn read_arrived(&mut self, node: u64, request: u64) {
        let commit = self.commit_index();
        self.reads.arrived.entry((node, request)).or_insert(commit);
        self.reads.first_arrived.entry(request).or_insert(commit);
    }

    /// `node` answered read `request` when it applied the read's entry at `index` (the
    /// log path). A client that resends a request may find it in the log twice, each
    /// copy proposed where it arrived; the first copy applied answers, wherever it
    /// came from, so the read is owed what was committed before it first arrived
    /// anywhere (`read-index`).
    pub fn read_served_from_log(&mut self, at_ns: u64, node: u64, request: u64, index: u64) {
        let Some(&committed) = self.reads.first_arrived.get(&request) else {
            return;
        };
        if index <= committed {
            self.violate(
                "read-index",
                at_ns,
                node,
                format!(
                    "answered read {request} at its log entry {index}, but {committed} was committed before the read first arrived"
                ),
            );
        }
    }

    /// `node` asked raft to confirm read `request` (ReadIndex).
    pub fn read_asked(&mut self, at_ns: u64, node: u64, request: u64) {
        self.reads.asked.insert((node, request), at_ns);
    }

    /// Raft confirmed read `request` at `node` with read index `index`.
    pub fn read_confirmed(&mut self, at_ns: u64, node: u64, request: u64, index: u64) {
        if self.reads.asked.remove(&(node, request)).is_some() {
            self.reads.confirmed.insert((node, request), (index, at_ns));
        }
    }

    /// `node` gave up on read `request` and told its client so (an error it may
    /// retry), or answered it from a result decided before, having applied up to
    /// `applied`. A read raft confirmed at an index the server has applied must be
    /// answered, not dropped (`read-progress`). When the read first arrived stays
    /// known: a copy of it already in the log may still be answered.
    pub fn read_dropped(&mut self, at_ns: u64, node: u64, request: u64, applied: u64) {
        let key = (node, request);
        self.reads.asked.remove(&key);
        if let Some((index, _)) = self.reads.confirmed.remove(&key) {
            if index <= applied {
                self.violate(
                    "read-progress",
                    at_ns,
                    node,
                    format!("dropped read {request} confirmed at read index {index} having applied up to {applied}"),
                );
            }
        }
    }

    /// `node` answered read `request` from its state machine having applied up to
    /// `applied`: that state must include everything committed before the read arrived
    /// (`read-index`).
    pub fn read_served(&mut self, at_ns: u64, node: u64, request: u64, applied: u64) {
        let key = (node, request);
        self.reads.asked.remove(&key);
        let confirmed = self.reads.confirmed.remove(&key);
        // The first arrival stays: a client that lost the answer asks again, and the
        // server may answer the same request again from a read index it got before.
        let Some(&committed) = self.reads.arrived.get(&key) else {
            return;
        };
        if applied < committed {
            let how = match confirmed {
                Some((index, _)) => format!(" (raft confirmed read index {index})"),
                None => String::new(),
            };
            self.violate(
                "read-index",
                at_ns,
                node,
                format!(
                    "answered read {request} from its state at {applied}{how}, but {committed} was committed before the read arrived"
                ),
            );
        } else if confirmed.is_some_and(|(index, _)| index > committed) {
            probe!(ReadIndexAboveArrivalCommit);
        }
    }

    /// `node` stopped (a crash): its reads in flight died with it.
    pub(super) fn reads_stopped(&mut self, node: u64) {
        self.reads.arrived.retain(|k, _| k.0 != node);
        self.reads.asked.retain(|k, _| k.0 != node);
        self.reads.confirmed.retain(|k, _| k.0 != node);
    }

    /// Every read raft confirmed at an index its server applied is answered, and every
    /// read a server asked raft about or got confirmed more than `bound_ns` ago was
    /// answered or dropped with an error (`read-progress`). Called once the cluster has
    /// healed and every server caught up with the commit index.
    pub fn check_reads_settled(&mut self, at_ns: u64, bound_ns: u64) {
        let last_applied = &self.last_applied;
        let stuck: Vec<((u64, u64), String)> = self
            .reads
            .confirmed
            .iter()
            .filter(|(&(node, _), &(index, since))| {
                last_applied.get(&node).is_some_and(|&a| a >= index)
                    || at_ns.saturating_sub(since) > bound_ns
            })
            .map(|(&key, &(index, since))| {
                (
                    key,
                    format!(
                        "read {} confirmed at read index {index} {} ms ago was never answered",
                        key.1,
                        (at_ns - since) / 1_000_000
                    ),
                )
            })
            .chain(
                self.reads
                    .asked
                    .iter()
                    .filter(|(_, &since)| at_ns.saturating_sub(since) > bound_ns)
                    .map(|(&key, &since)| {
                        (
                            key,
                            format!(
                                "read {} asked of raft {} ms ago was neither confirmed nor dropped",
                                key.1,
                                (at_ns - since) / 1_000_000
                            ),
                        )
                    }),
            )
            .collect();
        for ((node, _), facts) in stuck {
            self.violate("read-progress", at_ns, node, facts);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An observer that knows index `commit` committed.
    fn committed_to(commit: u64) -> Observer {
        let mut o = Observer::default();
        o.leader_committed(1, 1, 1, commit, |_| Some(1), None);
        o
    }

    #[test]
    fn a_read_served_from_a_state_missing_an_earlier_commit_breaks_read_index() {
        let mut o = committed_to(10);
        o.read_arrived(2, 7);
        o.read_asked(2, 2, 7);
        o.read_confirmed(3, 2, 7, 10);
        o.read_served(4, 2, 7, 10);
        assert!(o.violation().is_none(), "{:?}", o.violation());
        o.read_arrived(3, 8);
        o.read_served(5, 3, 8, 9);
        let v = o.violation().unwrap();
        assert_eq!((v.invariant, v.node), ("read-index", 3));
        assert!(v.facts.contains("state at 9"), "{}", v.facts);
    }

    #[test]
    fn a_read_resent_is_owed_what_was_committed_when_it_first_arrived() {
        let mut o = committed_to(10);
        o.read_arrived(2, 7);
        o.leader_committed(2, 1, 1, 12, |_| Some(1), None);
        // Resent: the second arrival does not raise what the read is owed.
        o.read_arrived(2, 7);
        o.read_served(3, 2, 7, 10);
        assert!(o.violation().is_none(), "{:?}", o.violation());
        // Through the log, a copy proposed where the read first arrived answers it.
        o.read_arrived(3, 9);
        o.read_arrived(4, 9);
        o.read_served_from_log(4, 4, 9, 13);
        assert!(o.violation().is_none(), "{:?}", o.violation());
        o.read_served_from_log(5, 4, 9, 12);
        assert_eq!(o.violation().unwrap().invariant, "read-index");
    }

    #[test]
    fn a_confirmed_read_must_be_answered_not_dropped_once_applied() {
        let mut o = committed_to(10);
        o.read_arrived(2, 7);
        o.read_asked(2, 2, 7);
        o.read_confirmed(3, 2, 7, 10);
        o.read_dropped(4, 2, 7, 9);
        assert!(
            o.violation().is_none(),
            "below the read index it may be dropped"
        );
        o.read_arrived(2, 8);
        o.read_asked(5, 2, 8);
        o.read_confirmed(6, 2, 8, 10);
        o.read_dropped(7, 2, 8, 10);
        assert_eq!(o.violation().unwrap().invariant, "read-progress");
    }

    #[test]
    fn reads_left_unanswered_after_the_heal_break_read_progress() {
        let mut o = committed_to(10);
        o.read_asked(1_000_000, 2, 7);
        o.check_reads_settled(2_000_000, 5_000_000);
        assert!(
            o.violation().is_none(),
            "asked 1 ms ago: still within the bound"
        );
        o.check_reads_settled(9_000_000, 5_000_000);
        assert_eq!(o.violation().unwrap().invariant, "read-progress");
        let mut o = committed_to(10);
        o.read_asked(1, 2, 7);
        o.read_confirmed(2, 2, 7, 10);
        o.restarted(2, 0);
        o.check_reads_settled(9_000_000, 5_000_000);
        assert!(
            o.violation().is_none(),
            "a restart ends the reads of the server"
        );
    }
}
