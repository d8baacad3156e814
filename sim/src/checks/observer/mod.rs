//! The observer: every role change, durable write, commit and apply of every node, in
//! order. It checks Raft's invariants as events arrive and hashes the trace. The core
//! (elections, logs, durability, state machines) is here; what it checks of
//! membership, reads, snapshots and of work that must finish lives in a file each.

mod membership;
mod progress;
mod reads;
mod snapshots;

use crate::checks::timeline::{RaftChange, RaftTimeline};
use crate::system::{Config, HardState, LogEntry, Promise, Role, Sent};
use linsim_checker::history::{fnv1a, fnv1a_continue};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use tracing::debug;

/// A broken invariant: when, where, and the facts that break it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The invariant's name (`election-safety`, `log-matching`, ...).
    pub invariant: &'static str,
    /// Virtual time, nanoseconds since the run started.
    pub at_ns: u64,
    /// The node where it was detected.
    pub node: u64,
    /// What happened.
    pub facts: String,
}

/// What a node holds durably when it sends a message, for `Observer::sent`.
pub struct DurableView<'a> {
    /// The durable hard state.
    pub hard_state: HardState,
    /// The durable log's last index.
    pub last_index: u64,
    /// The durable compaction point: indexes below it are in the durable snapshot
    /// (applied, so committed) and need no log entry.
    pub compacted_to: u64,
    /// The durable log's term at an index (`Some(0)` at 0; `None` past its end).
    pub term_at: &'a dyn Fn(u64) -> Option<u64>,
    /// The node's raft log's term at an index (`None` if it does not hold it).
    pub log_term_at: &'a dyn Fn(u64) -> Option<u64>,
    /// If the node leads: the match index raft records for itself.
    pub leader_self_match: Option<u64>,
}

/// Which servers hold the entry at (index, term) durably: for the commit-quorum check.
pub type Holders<'a> = dyn Fn(u64, u64) -> BTreeSet<u64> + 'a;

/// One event of a run's trace: when, and what (the text the trace hash covers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceLine {
    /// Virtual time, nanoseconds since the run started.
    pub at_ns: u64,
    /// The event.
    pub text: String,
}

impl std::fmt::Display for TraceLine {
    /// As in trace.log: virtual milliseconds, then the event.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:>12.3}ms {}", self.at_ns as f64 / 1e6, self.text)
    }
}

/// Raft invariants over a whole run, restarts included, plus the trace hash.
#[derive(Debug)]
pub struct Observer {
    leaders: BTreeMap<u64, u64>,
    /// Committed entries: index -> (entry term, term of the leader that first committed it).
    committed: BTreeMap<u64, (u64, u64)>,
    durable: BTreeMap<(u64, u64), (u64, u64)>,
    applied: BTreeMap<u64, (u64, u64)>,
    hard_states: BTreeMap<u64, HardState>,
    last_applied: BTreeMap<u64, u64>,
    /// State-machine digests at snapshot indexes: index -> (digest, first node).
    snapshots: BTreeMap<u64, (u64, u64)>,
    /// The committed sequence of configurations and where each node stands on it.
    configs: membership::ConfigLog,
    /// Client reads: when each arrived, what raft confirmed, what was answered.
    reads: reads::ReadLog,
    /// Leadership transfers in progress.
    transfers: progress::Transfers,
    /// Each node's last reported commit index as leader, with the term.
    leader_commits: BTreeMap<u64, (u64, u64)>,
    violations: Vec<Violation>,
    trace_hash: u64,
    events: u64,
    lines: Vec<TraceLine>,
    timeline: RaftTimeline,
}

impl Default for Observer {
    /// An observer of a cluster that boots with no voters (for tests of one check).
    fn default() -> Observer {
        Observer::new(Config::default())
    }
}

impl Observer {
    /// An observer of a cluster that boots with configuration `initial`.
    pub fn new(initial: Config) -> Observer {
        Observer {
            leaders: BTreeMap::new(),
            committed: BTreeMap::new(),
            durable: BTreeMap::new(),
            snapshots: BTreeMap::new(),
            configs: membership::ConfigLog::new(initial),
            reads: reads::ReadLog::default(),
            transfers: progress::Transfers::default(),
            applied: BTreeMap::new(),
            hard_states: BTreeMap::new(),
            last_applied: BTreeMap::new(),
            leader_commits: BTreeMap::new(),
            violations: Vec::new(),
            trace_hash: linsim_checker::history::FNV1A_INIT,
            events: 0,
            lines: Vec::new(),
            timeline: RaftTimeline::default(),
        }
    }

    /// Adds an event to the trace (hash and DEBUG log).
    pub fn trace(&mut self, at_ns: u64, line: String) {
        self.trace_hash = fnv1a_continue(self.trace_hash, &at_ns.to_le_bytes());
        self.trace_hash = fnv1a_continue(self.trace_hash, line.as_bytes());
        self.events += 1;
        let line = TraceLine { at_ns, text: line };
        // Formatted only if DEBUG is on for the trace (a seed's trace.log, `-v`): a seed
        // traces thousands of events and most seeds never print them.
        debug!(target: "linsim::trace", "{line}");
        self.lines.push(line);
    }

    /// Takes every trace line so far, in order (for a seed's trace.log), and the Raft
    /// lanes (for its timeline.html), leaving both empty: the run is over.
    pub fn take_trace(&mut self) -> (Vec<TraceLine>, RaftTimeline) {
        (
            std::mem::take(&mut self.lines),
            std::mem::take(&mut self.timeline),
        )
    }

    fn violate(&mut self, invariant: &'static str, at_ns: u64, node: u64, facts: String) {
        self.trace(at_ns, format!("VIOLATION {invariant} node {node}: {facts}"));
        // Keep the first violation of each invariant: a run stops soon after the first,
        // and more of the same would say nothing new.
        if self.violations.iter().all(|v| v.invariant != invariant) {
            self.violations.push(Violation {
                invariant,
                at_ns,
                node,
                facts,
            });
        }
    }

    /// The first violation, if any.
    pub fn violation(&self) -> Option<&Violation> {
        self.violations.first()
    }

    /// The first violation of every invariant that broke, in order.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Records a violation found elsewhere (a liveness failure, a node panic).
    pub fn report(&mut self, invariant: &'static str, at_ns: u64, node: u64, facts: String) {
        self.violate(invariant, at_ns, node, facts);
    }

    /// The hash of every event so far, in order.
    pub fn trace_hash(&self) -> u64 {
        self.trace_hash
    }

    /// Events traced so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Node `node` changed role. When it becomes leader of `term`, every entry committed
    /// in an earlier term must be in its log (leader completeness, Raft §5.4):
    /// `term_at(i)` gives its log's term at index i. Entries committed in `term` or later
    /// are not owed: a leader can take office late (a delayed vote, a pause).
    /// Indexes below `first_index` are compacted into the node's snapshot: they were
    /// applied, and the snapshot digests check them. A leader's configuration `config`
    /// must overlap the committed one (see `leader_config`).
    #[allow(clippy::too_many_arguments)]
    pub fn role(
        &mut self,
        at_ns: u64,
        node: u64,
        term: u64,
        state: Role,
        first_index: u64,
        term_at: impl Fn(u64) -> Option<u64>,
        config: &Config,
    ) {
        self.trace(at_ns, format!("{node} became {state} at term {term}"));
        let role = RaftChange::Role { term, role: state };
        self.timeline.record(at_ns, node, role);
        self.transfer_role(node, state);
        if state != Role::Leader {
            return;
        }
        self.leader_config(at_ns, node, term, config);
        // Election safety: at most one leader per term.
        match self.leaders.get(&term) {
            Some(&other) if other != node => {
                self.violate(
                    "election-safety",
                    at_ns,
                    node,
                    format!("nodes {other} and {node} both became leader of term {term}"),
                );
            }
            _ => {
                self.leaders.insert(term, node);
            }
        }
        let missing = self
            .committed
            .range(first_index..)
            .find(|(&i, &(entry_term, commit_term))| {
                commit_term < term && term_at(i) != Some(entry_term)
            })
            .map(|(&i, &(entry_term, commit_term))| (i, entry_term, commit_term));
        if let Some((i, entry_term, commit_term)) = missing {
            self.violate(
                "leader-completeness",
                at_ns,
                node,
                format!(
                    "new leader of term {term} has {} at index {i}, where an entry of term {entry_term} was committed in term {commit_term}",
                    term_at(i).map_or("no entry".to_string(), |t| format!("term {t}"))
                ),
            );
        }
    }

    /// `node`, leader of `term`, has committed up to `commit`: entries not committed
    /// before are committed in `term`. `term_at(i)` gives its log's term at i.
    ///
    /// A leader advances its commit index only to an entry of its own term (Raft
    /// §5.4.2): an entry of an earlier term on a majority may still be overwritten
    /// (Figure 8), and commits only together with one of the leader's own. With
    /// `quorum` (the configurations it may have decided with, and which servers hold an
    /// entry durably), the
    /// advance is checked against the disks (`commit_quorum`).
    pub fn leader_committed(
        &mut self,
        at_ns: u64,
        node: u64,
        term: u64,
        commit: u64,
        term_at: impl Fn(u64) -> Option<u64>,
        quorum: Option<(&[Config], &Holders<'_>)>,
    ) {
        if let Some(&(t, c)) = self.leader_commits.get(&node) {
            if let (Some((configs, holders)), Some(entry_term)) = (quorum, term_at(commit)) {
                if t == term && commit > c {
                    let holders = holders(commit, entry_term);
                    self.commit_quorum(at_ns, node, term, commit, configs, &holders);
                }
            }
            if t == term && commit > c && term_at(commit) != Some(term) {
                self.violate(
                    "leader-commits-own-term",
                    at_ns,
                    node,
                    format!(
                        "leader of term {term} advanced its commit index from {c} to {commit}, {}",
                        term_at(commit).map_or("where it has no entry".to_string(), |t| format!(
                            "an entry of term {t}"
                        ))
                    ),
                );
            }
        }
        self.leader_commits.insert(node, (term, commit));
        let from = self.committed.keys().next_back().map_or(1, |&i| i + 1);
        if commit >= from {
            self.trace(
                at_ns,
                format!("{node} committed up to {commit} in term {term}"),
            );
            let index = commit;
            self.timeline
                .record(at_ns, node, RaftChange::Commit { index });
        }
        for i in from..=commit {
            // An index the leader has compacted was applied, so it was committed (and
            // recorded) before; `None` only means it is not in the log any more.
            if let Some(entry_term) = term_at(i) {
                self.committed.insert(i, (entry_term, term));
            }
        }
    }

    /// Entries became durable on `node`; `prev_term(i)` is that node's durable term at i.
    /// Log matching: equal (index, term) means equal data and an equal predecessor term
    /// (which, by induction, means equal logs up to there).
    pub fn persisted(
        &mut self,
        at_ns: u64,
        node: u64,
        entries: &[LogEntry<'_>],
        prev_term: impl Fn(u64) -> u64,
    ) {
        if let (Some(a), Some(b)) = (entries.first(), entries.last()) {
            self.trace(
                at_ns,
                format!(
                    "{node} persisted {}/{}..{}/{}",
                    a.term, a.index, b.term, b.index
                ),
            );
        }
        for e in entries {
            let fact = (fnv1a(e.data), prev_term(e.index - 1));
            match self.durable.get(&(e.index, e.term)) {
                Some(&seen) if seen != fact => {
                    self.violate(
                        "log-matching",
                        at_ns,
                        node,
                        format!(
                            "entry {}/{} has data hash {:016x} after term {}, but another node's {}/{} has {:016x} after term {}",
                            e.term, e.index, fact.0, fact.1, e.term, e.index, seen.0, seen.1
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    self.durable.insert((e.index, e.term), fact);
                }
            }
        }
    }

    /// A hard state became durable on `node`: its term never decreases and its vote
    /// never changes within a term, across restarts.
    pub fn hard_state(&mut self, at_ns: u64, node: u64, hs: HardState) {
        if let Some(prev) = self.hard_states.get(&node).copied() {
            if hs.term < prev.term {
                self.violate(
                    "term-monotonic",
                    at_ns,
                    node,
                    format!("term went from {} to {}", prev.term, hs.term),
                );
            } else if hs.term == prev.term && prev.vote != 0 && hs.vote != prev.vote {
                self.violate(
                    "vote-once",
                    at_ns,
                    node,
                    format!(
                        "vote changed from {} to {} within term {}",
                        prev.vote, hs.vote, hs.term
                    ),
                );
            }
        }
        self.hard_states.insert(node, hs);
    }

    /// `node` (re)started from its durable snapshot at `snapshot_index` (0: none): it
    /// applies its log again from there.
    pub fn restarted(&mut self, node: u64, snapshot_index: u64) {
        self.last_applied.insert(node, snapshot_index);
        self.reads_stopped(node);
        self.transfers_stopped(node);
    }

    /// The last index each node applied since it last started.
    pub fn last_applied(&self) -> &BTreeMap<u64, u64> {
        &self.last_applied
    }

    /// The highest index any node has made durable (committed or not).
    pub fn last_durable_index(&self) -> u64 {
        self.durable.keys().next_back().map_or(0, |&(i, _)| i)
    }

    /// The highest index known committed.
    pub fn commit_index(&self) -> u64 {
        self.committed.keys().next_back().copied().unwrap_or(0)
    }

    /// `node` applied the entry at `index`: no two nodes apply different entries there.
    /// A conf-change entry's outcome must follow before the next entry (see
    /// `conf_change_entry_applied`).
    pub fn applied(&mut self, at_ns: u64, node: u64, e: &LogEntry<'_>) {
        self.trace(at_ns, format!("{node} applied {}/{}", e.term, e.index));
        if e.conf_change {
            self.conf_change_entry_applied(at_ns, node, e.index);
        } else {
            self.owe_nothing(at_ns, node);
        }
        let last = self.last_applied.insert(node, e.index).unwrap_or(0);
        if e.index != last + 1 {
            self.violate(
                "apply-order",
                at_ns,
                node,
                format!(
                    "applied {}/{} right after applying up to {last}",
                    e.term, e.index
                ),
            );
        }
        let index = e.index;
        self.timeline
            .record(at_ns, node, RaftChange::Applied { index });
        let fact = (e.term, fnv1a(e.data));
        match self.applied.get(&e.index) {
            Some(&seen) if seen != fact => {
                self.violate(
                    "state-machine-safety",
                    at_ns,
                    node,
                    format!(
                        "applied {}/{} (data hash {:016x}) where another node applied term {} (data hash {:016x})",
                        e.term, e.index, fact.1, seen.0, seen.1
                    ),
                );
            }
            Some(_) => {}
            None => {
                self.applied.insert(e.index, fact);
            }
        }
    }

    /// `node` is about to apply the entry `term`/`index`: it must be durable there
    /// (durable-before-apply), in its durable log with that term (`durable_term`, the
    /// durable log's term at `index`) or compacted into its durable snapshot (`index`
    /// at most `compacted_to`). Otherwise a crash leaves the state machine (and what
    /// clients were told) ahead of the log the node restarts from. Async storage
    /// writes make this a real risk: a leader can learn an entry is committed from its
    /// followers before its own append of it is synced.
    pub fn applying(
        &mut self,
        at_ns: u64,
        node: u64,
        index: u64,
        term: u64,
        durable_term: Option<u64>,
        compacted_to: u64,
    ) {
        if index <= compacted_to || durable_term == Some(term) {
            return;
        }
        let facts = match durable_term {
            None => format!("applied {term}/{index} while its durable log ends before {index}"),
            Some(t) => {
                format!("applied {term}/{index} while its durable log has term {t} there")
            }
        };
        self.violate("durable-before-apply", at_ns, node, facts);
    }

    /// A message is leaving `node`: whatever it promises must already be durable there
    /// (durable-before-send). A crash right after the send must not make the promise
    /// false, or a restarted node could vote twice in a term or lose an entry a leader
    /// counted toward a quorum.
    /// - a granted vote for term T: the durable hard state holds T and that vote (or a
    ///   later term, which also rules out voting again in T);
    /// - a candidate's vote request for term T: the durable hard state holds T and the
    ///   vote for itself;
    /// - an append acknowledgement up to index i: the durable log holds i with the
    ///   term the node's log has there;
    /// - a leader's own match index (what it counts toward commit) never exceeds its
    ///   durable log.
    pub fn sent(&mut self, at_ns: u64, node: u64, m: &Sent, durable: &DurableView<'_>) {
        let hs = durable.hard_state;
        let holds_vote =
            |term: u64, vote: u64| hs.term > term || (hs.term == term && hs.vote == vote);
        let broken = match m.promise {
            Promise::VoteGranted if !holds_vote(m.term, m.to) => Some(format!(
                "granted its vote to {} for term {} while its durable hard state is term {} vote {}",
                m.to, m.term, hs.term, hs.vote
            )),
            Promise::VoteRequested if !holds_vote(m.term, node) => Some(format!(
                "asked {} for a vote in term {} while its durable hard state is term {} vote {}",
                m.to, m.term, hs.term, hs.vote
            )),
            // An acknowledgement of an older term than the durable one (async storage
            // writes release it after the append it rode with, which may already hold
            // a newer leader's rewrite of those entries) vouches for nothing the node
            // still owes: it has moved on to a newer term durably, and it voted there
            // with the acknowledged entries in its log (the election restriction).
            Promise::Appended { index: i } if m.term >= hs.term => {
                match ((durable.term_at)(i), (durable.log_term_at)(i)) {
                    _ if i < durable.compacted_to => None,
                    (None, _) => Some(format!(
                        "acknowledged entries up to {i} to {} while its durable log ends at {}",
                        m.to, durable.last_index
                    )),
                    (Some(d), Some(l)) if d != l => Some(format!(
                        "acknowledged entries up to {i} to {} with term {l} there, but its durable log has term {d}",
                        m.to
                    )),
                    _ => None,
                }
            }
            _ => None,
        };
        let broken = broken.or_else(|| {
            let matched = durable.leader_self_match?;
            let ok = matched <= durable.last_index
                && (durable.term_at)(matched) == (durable.log_term_at)(matched);
            (!ok).then(|| {
                format!(
                    "as leader counts its own log as matched up to {matched}, but its durable log ends at {}",
                    durable.last_index
                )
            })
        });
        if let Some(facts) = broken {
            self.violate(
                "durable-before-send",
                at_ns,
                node,
                format!("{}: {facts}", m.kind),
            );
        }
    }

    /// How many distinct indexes were applied.
    pub fn applied_count(&self) -> usize {
        self.applied.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(index: u64, term: u64, data: &'static str) -> LogEntry<'static> {
        LogEntry {
            index,
            term,
            data: data.as_bytes(),
            conf_change: false,
        }
    }

    #[test]
    fn two_leaders_in_one_term_break_election_safety() {
        let mut o = Observer::default();
        o.role(1, 1, 3, Role::Leader, 1, |_| None, &Config::default());
        assert!(o.violation().is_none());
        o.role(2, 2, 3, Role::Leader, 1, |_| None, &Config::default());
        assert_eq!(o.violation().unwrap().invariant, "election-safety");
    }

    #[test]
    fn divergent_entries_break_log_matching_and_state_machine_safety() {
        let mut o = Observer::default();
        o.persisted(1, 1, &[e(1, 1, "a")], |_| 0);
        o.persisted(2, 2, &[e(1, 1, "a")], |_| 0);
        assert!(o.violation().is_none());
        o.persisted(3, 3, &[e(1, 1, "b")], |_| 0);
        assert_eq!(o.violation().unwrap().invariant, "log-matching");
        let mut o = Observer::default();
        o.applied(1, 1, &e(1, 1, "a"));
        o.applied(2, 2, &e(1, 2, "a"));
        assert_eq!(o.violation().unwrap().invariant, "state-machine-safety");
    }

    #[test]
    fn new_leader_missing_an_earlier_term_commit_breaks_leader_completeness() {
        let mut o = Observer::default();
        o.leader_committed(1, 1, 1, 1, |_| Some(1), None);
        o.role(2, 2, 2, Role::Leader, 1, |_| Some(2), &Config::default());
        assert_eq!(o.violation().unwrap().invariant, "leader-completeness");
    }

    #[test]
    fn a_late_leader_of_an_older_term_owes_nothing_committed_after_its_term() {
        let mut o = Observer::default();
        // Term 8's leader committed index 1; a term-7 leader that lacks it takes office late.
        o.leader_committed(1, 1, 8, 1, |_| Some(8), None);
        o.role(2, 2, 7, Role::Leader, 1, |_| Some(7), &Config::default());
        assert!(o.violation().is_none(), "{:?}", o.violation());
        o.role(3, 3, 9, Role::Leader, 1, |_| Some(7), &Config::default());
        assert_eq!(o.violation().unwrap().invariant, "leader-completeness");
    }

    #[test]
    fn vote_and_term_are_checked_across_writes() {
        let mut o = Observer::default();
        o.hard_state(
            1,
            1,
            HardState {
                term: 2,
                vote: 3,
                commit: 0,
            },
        );
        o.hard_state(
            2,
            1,
            HardState {
                term: 2,
                vote: 3,
                commit: 1,
            },
        );
        assert!(o.violation().is_none());
        o.hard_state(
            3,
            1,
            HardState {
                term: 2,
                vote: 2,
                commit: 1,
            },
        );
        assert_eq!(o.violation().unwrap().invariant, "vote-once");
    }

    #[test]
    fn snapshots_of_different_state_at_one_index_break_state_machine_safety() {
        let mut o = Observer::default();
        o.leader_committed(1, 1, 1, 4, |_| Some(1), None);
        for i in 1..=4 {
            o.applied(i, 1, &e(i, 1, "a"));
        }
        o.snapshot(5, 1, 4, 0xaa, false);
        o.snapshot(6, 2, 4, 0xaa, true);
        assert!(o.violation().is_none(), "{:?}", o.violation());
        o.snapshot(7, 3, 4, 0xbb, true);
        assert_eq!(o.violation().unwrap().invariant, "state-machine-safety");
    }

    #[test]
    fn applied_indexes_never_skip_or_go_back() {
        let mut o = Observer::default();
        o.restarted(1, 4);
        o.applied(1, 1, &e(5, 1, "a"));
        assert!(o.violation().is_none());
        o.applied(2, 1, &e(7, 1, "b"));
        assert_eq!(o.violation().unwrap().invariant, "apply-order");
        let mut o = Observer::default();
        o.restarted(1, 8);
        o.snapshot(1, 1, 6, 0xaa, true);
        assert_eq!(o.violation().unwrap().invariant, "snapshot-restore");
    }

    #[test]
    fn applying_an_entry_not_durable_breaks_durable_before_apply() {
        let mut o = Observer::default();
        o.applying(1, 1, 5, 2, Some(2), 0);
        o.applying(2, 1, 3, 1, None, 4);
        assert!(o.violation().is_none(), "{:?}", o.violation());
        o.applying(3, 1, 6, 2, Some(1), 0);
        assert_eq!(o.violation().unwrap().invariant, "durable-before-apply");
        let mut o = Observer::default();
        o.applying(1, 1, 7, 2, None, 4);
        assert!(o.violation().unwrap().facts.contains("ends before 7"));
    }

    #[test]
    fn a_leader_whose_log_starts_after_a_snapshot_owes_only_what_it_holds() {
        let mut o = Observer::default();
        o.leader_committed(1, 1, 1, 3, |_| Some(1), None);
        // Node 2 compacted 1..=2 (its log starts at 3) and holds index 3.
        o.role(
            2,
            2,
            2,
            Role::Leader,
            3,
            |i| (i >= 2).then_some(1),
            &Config::default(),
        );
        assert!(o.violation().is_none(), "{:?}", o.violation());
    }
}
