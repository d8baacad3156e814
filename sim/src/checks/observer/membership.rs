//! What the observer checks of membership: that every server walks the committed
//! sequence of configurations, one change at a time and in order; that a leader
//! commits only what a quorum of its configuration (both halves of a joint one) holds
//! durably; and that no leader takes office with a configuration whose quorums miss
//! those of the configuration committed last.
//!
//! The committed sequence is learned from the servers themselves: the configuration a
//! change at index i leads to is recorded by the first server to apply it (every other
//! server must reach the same one there: state machine safety). A server learns its
//! configuration in three ways, each checked against that sequence (`config-prefix`):
//! it boots with the initial one, restores one from a snapshot at index s (it must be
//! the configuration in force at s, not a later one: a snapshot whose metadata runs
//! ahead of its index makes the server apply the changes after s a second time), or
//! applies a change at index i on top of the configuration in force before i.

use super::Observer;
use crate::checks::quorum::{describe, is_quorum, quorums_intersect};
use crate::probes::probe;
use crate::system::Config;
use std::collections::{BTreeMap, BTreeSet};

/// The committed sequence of configurations and where each server stands on it.
#[derive(Debug, Default)]
pub(super) struct ConfigLog {
    /// Index -> (the configuration the change there led to, the first node to apply
    /// it). Index 0 holds the initial configuration.
    committed: BTreeMap<u64, (Config, u64)>,
    /// Node -> (the index its configuration comes from, the configuration).
    running: BTreeMap<u64, (u64, Config)>,
    /// Node -> a conf-change entry it applied whose outcome (applied to its
    /// configuration, or refused) it has not reported yet.
    owed: BTreeMap<u64, u64>,
}

impl ConfigLog {
    /// A log whose sequence starts with `initial`.
    pub(super) fn new(initial: Config) -> ConfigLog {
        ConfigLog {
            committed: [(0, (initial, 0))].into_iter().collect(),
            ..ConfigLog::default()
        }
    }

    /// The configuration in force at `index`: the one the last change at or before it
    /// led to.
    pub(super) fn in_force(&self, index: u64) -> Option<&Config> {
        self.committed
            .range(..=index)
            .next_back()
            .map(|(_, (cs, _))| cs)
    }

    /// The index of the last committed change at or before `index`.
    fn change_at_or_before(&self, index: u64) -> u64 {
        self.committed
            .range(..=index)
            .next_back()
            .map_or(0, |(&i, _)| i)
    }
}

impl Observer {
    /// `node` (re)started with configuration `conf`, from its durable snapshot at
    /// `index` (0: none, the initial configuration), or installed a snapshot at `index`
    /// carrying `conf`: `conf` must be the configuration in force at `index`.
    pub fn config_restored(&mut self, at_ns: u64, node: u64, index: u64, conf: &Config) {
        self.configs.owed.remove(&node);
        let expected = self.configs.in_force(index).cloned();
        if let Some(expected) = expected.filter(|e| e != conf) {
            let from = self.configs.change_at_or_before(index);
            self.violate(
                "config-prefix",
                at_ns,
                node,
                format!(
                    "runs {} from its snapshot at {index}, but the configuration in force there (since {from}) is {}",
                    describe(conf),
                    describe(&expected)
                ),
            );
        }
        self.configs.running.insert(node, (index, conf.clone()));
    }

    /// `node` applied the membership change at `index`, from configuration `before` to
    /// `after`. Checks, in turn:
    /// - `conf-change-order`: it has not reached a configuration at or after `index`
    ///   already (a change applied twice, or out of order);
    /// - `config-prefix`: `before` is the configuration in force before `index` in the
    ///   committed sequence;
    /// - `config-overlap`: every quorum of `before` intersects every quorum of `after`
    ///   (joint-consensus safety: otherwise servers still deciding with `before` and
    ///   servers already deciding with `after` could elect two leaders or commit apart);
    /// - state machine safety: every server reaches the same configuration at `index`.
    ///
    /// Returns whether `node` is the first to apply this index (for counting changes
    /// once).
    pub fn config_applied(
        &mut self,
        at_ns: u64,
        node: u64,
        index: u64,
        before: &Config,
        after: &Config,
    ) -> bool {
        self.trace(
            at_ns,
            format!("{node} applied conf change at {index}: {}", describe(after)),
        );
        self.configs.owed.remove(&node);
        if let Some(&(reached, _)) = self.configs.running.get(&node) {
            if reached >= index {
                self.violate(
                    "conf-change-order",
                    at_ns,
                    node,
                    format!("applied the conf change at {index} after reaching the configuration at {reached}"),
                );
            }
        }
        let expected = self
            .configs
            .in_force(index.saturating_sub(1))
            .filter(|e| *e != before)
            .cloned();
        if let Some(expected) = expected {
            self.violate(
                "config-prefix",
                at_ns,
                node,
                format!(
                    "applied the change at {index} to {}, but the configuration in force before {index} is {}",
                    describe(before),
                    describe(&expected)
                ),
            );
        }
        if !quorums_intersect(before, after) {
            self.violate(
                "config-overlap",
                at_ns,
                node,
                format!(
                    "conf change at {index} went from {} to {}: they have disjoint quorums",
                    describe(before),
                    describe(after)
                ),
            );
        }
        self.configs.running.insert(node, (index, after.clone()));
        match self.configs.committed.get(&index) {
            Some((seen, other)) if seen != after => {
                let facts = format!(
                    "conf change at {index} led to {}, but node {other} reached {}",
                    describe(after),
                    describe(seen)
                );
                self.violate("state-machine-safety", at_ns, node, facts);
                false
            }
            Some(_) => false,
            None => {
                self.configs.committed.insert(index, (after.clone(), node));
                true
            }
        }
    }

    /// `node` applied the conf-change entry at `index` and raft refused it (invalid in
    /// the configuration, so refused alike everywhere): its configuration stays.
    pub fn conf_change_refused(&mut self, at_ns: u64, node: u64, index: u64) {
        self.trace(at_ns, format!("{node} refused the conf change at {index}"));
        self.configs.owed.remove(&node);
    }

    /// `node` is applying a conf-change entry at `index`: before it applies anything
    /// else, it must report the outcome (`config_applied` or `conf_change_refused`).
    pub(super) fn conf_change_entry_applied(&mut self, at_ns: u64, node: u64, index: u64) {
        self.owe_nothing(at_ns, node);
        self.configs.owed.insert(node, index);
    }

    /// `node` must owe no conf change outcome now (`conf-change-progress`): a server
    /// that applies a conf-change entry but never hands it to raft keeps a stale
    /// configuration while its log says otherwise.
    pub(super) fn owe_nothing(&mut self, at_ns: u64, node: u64) {
        if let Some(index) = self.configs.owed.remove(&node) {
            self.violate(
                "conf-change-progress",
                at_ns,
                node,
                format!("applied the conf-change entry at {index} but never applied or refused the change"),
            );
        }
    }

    /// Every server that applied a conf-change entry reported its outcome (the end of a
    /// run).
    pub fn check_conf_changes_settled(&mut self, at_ns: u64) {
        let owing: Vec<u64> = self.configs.owed.keys().copied().collect();
        for node in owing {
            self.owe_nothing(at_ns, node);
        }
    }

    /// The configuration in force at the newest committed index.
    pub fn committed_config(&self) -> Option<&Config> {
        self.configs.in_force(self.commit_index())
    }

    /// A leader of `term` takes office with configuration `config`: its quorums must
    /// meet those of the configuration in force at the newest committed index
    /// (`config-overlap`). A leader a change behind is fine (one-at-a-time changes and
    /// joint configurations overlap by construction); one whose configuration has
    /// quorums disjoint from the committed one can commit apart from the servers that
    /// decide with it.
    pub(super) fn leader_config(&mut self, at_ns: u64, node: u64, term: u64, config: &Config) {
        let Some(committed) = self.committed_config().cloned() else {
            return;
        };
        if config.voters.is_empty() || committed.voters.is_empty() {
            // Nothing to compare (an observer of one check, in tests).
            return;
        }
        if !quorums_intersect(config, &committed) {
            self.violate(
                "config-overlap",
                at_ns,
                node,
                format!(
                    "became leader of term {term} with {}, whose quorums miss those of the committed {}",
                    describe(config),
                    describe(&committed)
                ),
            );
        }
    }

    /// The leader `node` of `term` advanced its commit index to `commit`, deciding with
    /// one of `configs` (exactly one for a RawNode; a Node's task may still decide with
    /// the configuration before the server's last applied change): the servers whose
    /// durable logs hold that entry (`holders`) must be a quorum of it, of both halves
    /// if it is joint (`commit-quorum`). Checked against the disks, not against what
    /// raft believes its followers acknowledged: a quorum rule that counts the wrong
    /// servers, or one half of a joint configuration, shows here at its first commit.
    pub(super) fn commit_quorum(
        &mut self,
        at_ns: u64,
        node: u64,
        term: u64,
        commit: u64,
        configs: &[Config],
        holders: &BTreeSet<u64>,
    ) {
        let held = configs
            .iter()
            .find(|c| c.voters.is_empty() || is_quorum(c, holders));
        if let Some(config) = held {
            if !config.voters_outgoing.is_empty() {
                probe!(JointCommitCheckedBothHalves);
            }
            return;
        }
        let config = &configs[0];
        let ids: Vec<String> = holders.iter().map(u64::to_string).collect();
        self.violate(
            "commit-quorum",
            at_ns,
            node,
            format!(
                "leader of term {term} committed up to {commit}, which only ({}) hold durably: not a quorum of {}",
                ids.join(" "),
                describe(config)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::LogEntry;

    fn cs(voters: &[u64], outgoing: &[u64]) -> Config {
        Config {
            voters: voters.to_vec(),
            voters_outgoing: outgoing.to_vec(),
            ..Config::default()
        }
    }

    fn conf_entry(index: u64) -> LogEntry<'static> {
        LogEntry {
            index,
            term: 1,
            data: &[],
            conf_change: true,
        }
    }

    /// 1 2 3 boot; the change at 5 adds 4, the one at 9 removes 3.
    fn two_changes() -> Observer {
        let mut o = Observer::new(cs(&[1, 2, 3], &[]));
        o.config_applied(1, 1, 5, &cs(&[1, 2, 3], &[]), &cs(&[1, 2, 3, 4], &[]));
        o.config_applied(2, 1, 9, &cs(&[1, 2, 3, 4], &[]), &cs(&[1, 2, 4], &[]));
        assert!(o.violation().is_none(), "{:?}", o.violation());
        o
    }

    #[test]
    fn a_server_walks_the_committed_sequence_of_configurations() {
        let mut o = two_changes();
        // Server 2 restores a snapshot at 7 (after the first change) and applies 9.
        o.config_restored(3, 2, 7, &cs(&[1, 2, 3, 4], &[]));
        o.config_applied(4, 2, 9, &cs(&[1, 2, 3, 4], &[]), &cs(&[1, 2, 4], &[]));
        assert!(o.violation().is_none(), "{:?}", o.violation());
    }

    #[test]
    fn a_snapshot_whose_configuration_runs_ahead_of_its_index_breaks_config_prefix() {
        // The hazard of a storage that rewrites a stored snapshot's Config: the
        // snapshot at 7 carries the configuration of 9.
        let mut o = two_changes();
        o.config_restored(3, 2, 7, &cs(&[1, 2, 4], &[]));
        let v = o.violation().unwrap();
        assert_eq!(v.invariant, "config-prefix");
        assert!(v.facts.contains("snapshot at 7"), "{}", v.facts);
    }

    #[test]
    fn a_change_applied_twice_breaks_conf_change_order() {
        let mut o = two_changes();
        o.config_applied(3, 1, 9, &cs(&[1, 2, 4], &[]), &cs(&[1, 2, 4], &[]));
        assert_eq!(o.violations()[0].invariant, "conf-change-order");
    }

    #[test]
    fn a_change_applied_on_top_of_the_wrong_configuration_breaks_config_prefix() {
        let mut o = two_changes();
        // Server 3 never applied 5 but applies 9 on top of the boot configuration.
        o.config_applied(3, 3, 9, &cs(&[1, 2, 3], &[]), &cs(&[1, 2, 4], &[]));
        assert_eq!(o.violation().unwrap().invariant, "config-prefix");
    }

    #[test]
    fn a_conf_change_entry_needs_an_outcome_before_the_next_entry() {
        let mut o = Observer::new(cs(&[1, 2, 3], &[]));
        o.applied(1, 1, &conf_entry(1));
        o.conf_change_refused(2, 1, 1);
        o.applied(3, 1, &conf_entry(2));
        assert!(o.violation().is_none(), "{:?}", o.violation());
        let next = LogEntry {
            index: 3,
            term: 1,
            data: &[],
            conf_change: false,
        };
        o.applied(4, 1, &next);
        assert_eq!(o.violation().unwrap().invariant, "conf-change-progress");
    }

    #[test]
    fn a_joint_commit_needs_a_quorum_of_both_halves_on_disk() {
        let joint = cs(&[1, 2, 4], &[2, 3, 4]);
        let mut o = Observer::new(cs(&[1, 2, 3], &[]));
        let joint = [joint];
        o.commit_quorum(1, 1, 2, 7, &joint, &[2, 3, 4].into_iter().collect());
        assert!(o.violation().is_none(), "{:?}", o.violation());
        // 1 and 2 are a majority of the incoming half only.
        o.commit_quorum(2, 1, 2, 8, &joint, &[1, 2].into_iter().collect());
        let v = o.violation().unwrap();
        assert_eq!(v.invariant, "commit-quorum");
        assert!(v.facts.contains("only (1 2)"), "{}", v.facts);
    }

    #[test]
    fn a_leader_whose_quorums_miss_the_committed_configurations_breaks_config_overlap() {
        let mut o = two_changes();
        o.leader_committed(3, 1, 1, 9, |_| Some(1), None);
        o.leader_config(4, 2, 2, &cs(&[1, 2, 4], &[]));
        o.leader_config(5, 3, 3, &cs(&[1, 2, 3, 4], &[]));
        assert!(o.violation().is_none(), "{:?}", o.violation());
        o.leader_config(6, 5, 4, &cs(&[3, 5, 6], &[]));
        assert_eq!(o.violation().unwrap().invariant, "config-overlap");
    }
}
