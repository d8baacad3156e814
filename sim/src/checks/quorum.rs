//! Cluster membership as the servers apply it: each server's configuration (raft's
//! `Config` after its last applied conf change or snapshot), the newest one (what
//! clients and the membership nemesis act on), and the quorum arithmetic behind the
//! joint-consensus invariant.
//!
//! Raft changes membership through the log (Raft thesis ch. 4). Each step must keep
//! every quorum of the old configuration intersecting every quorum of the new one:
//! otherwise, while some servers still use the old configuration and others the new,
//! two leaders can be elected in one term, or an entry can commit on a quorum of one
//! configuration that the other's leader never saw. Adding or removing one voter keeps
//! the overlap; changing several at once needs a joint configuration (old and new
//! majorities both required) in between.

use crate::system::Config;
use std::collections::{BTreeMap, BTreeSet};

/// The configuration each server applied last, with the log index it took effect at.
#[derive(Debug)]
pub struct Membership {
    applied: BTreeMap<u64, (u64, Config)>,
    initial: Config,
}

impl Membership {
    /// Membership at boot: every server holds the initial voters.
    pub fn new(initial_voters: impl IntoIterator<Item = u64>) -> Membership {
        Membership {
            applied: BTreeMap::new(),
            initial: Config::from_voters(initial_voters),
        }
    }

    /// Server `node` now runs with `cs`, in effect from log index `index`.
    pub fn set(&mut self, node: u64, index: u64, cs: Config) {
        self.applied.insert(node, (index, cs));
    }

    /// The configuration `node` runs with.
    pub fn of(&self, node: u64) -> &Config {
        self.applied.get(&node).map_or(&self.initial, |(_, cs)| cs)
    }

    /// The newest configuration any server applied (the initial one before any
    /// change): what the cluster converges to.
    pub fn latest(&self) -> &Config {
        self.applied
            .values()
            .max_by_key(|(index, _)| *index)
            .map_or(&self.initial, |(_, cs)| cs)
    }

    /// Every member of the newest configuration: voters of both halves and learners.
    pub fn members(&self) -> BTreeSet<u64> {
        members(self.latest())
    }
}

/// Voters of both halves and learners (current and next) of `cs`.
pub fn members(cs: &Config) -> BTreeSet<u64> {
    cs.voters
        .iter()
        .chain(&cs.voters_outgoing)
        .chain(&cs.learners)
        .chain(&cs.learners_next)
        .copied()
        .collect()
}

/// Whether `set` holds a quorum of `cs`: a majority of its voters, and during a joint
/// configuration a majority of the outgoing voters too.
pub fn is_quorum(cs: &Config, set: &BTreeSet<u64>) -> bool {
    let majority = |voters: &[u64]| {
        voters.is_empty() || voters.iter().filter(|v| set.contains(v)).count() > voters.len() / 2
    };
    majority(&cs.voters) && majority(&cs.voters_outgoing)
}

/// Whether every quorum of `a` intersects every quorum of `b`, by brute force over the
/// subsets of their voters (a handful of servers). If some quorum `q` of `a` leaves a
/// quorum of `b` in the servers outside it, the two configurations can decide apart.
pub fn quorums_intersect(a: &Config, b: &Config) -> bool {
    let voters: Vec<u64> = a
        .voters
        .iter()
        .chain(&a.voters_outgoing)
        .chain(&b.voters)
        .chain(&b.voters_outgoing)
        .copied()
        .collect::<BTreeSet<u64>>()
        .into_iter()
        .collect();
    assert!(
        voters.len() < 20,
        "brute force over {} voters",
        voters.len()
    );
    (0u32..1 << voters.len()).all(|mask| {
        let q: BTreeSet<u64> = (0..voters.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| voters[i])
            .collect();
        let rest: BTreeSet<u64> = voters.iter().copied().filter(|v| !q.contains(v)).collect();
        !(is_quorum(a, &q) && is_quorum(b, &rest))
    })
}

/// `cs` in etcd's notation: `voters=(1 2 3)&&(1 2 4) learners=(5)`.
pub fn describe(cs: &Config) -> String {
    let ids = |v: &[u64]| {
        v.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut s = format!("voters=({})", ids(&cs.voters));
    if !cs.voters_outgoing.is_empty() {
        s.push_str(&format!("&&({})", ids(&cs.voters_outgoing)));
    }
    if !cs.learners.is_empty() {
        s.push_str(&format!(" learners=({})", ids(&cs.learners)));
    }
    if !cs.learners_next.is_empty() {
        s.push_str(&format!(" learners_next=({})", ids(&cs.learners_next)));
    }
    if cs.auto_leave {
        s.push_str(" autoleave");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cs(voters: &[u64], outgoing: &[u64]) -> Config {
        Config {
            voters: voters.to_vec(),
            voters_outgoing: outgoing.to_vec(),
            ..Config::default()
        }
    }

    #[test]
    fn one_voter_at_a_time_keeps_quorums_intersecting() {
        assert!(quorums_intersect(
            &cs(&[1, 2, 3], &[]),
            &cs(&[1, 2, 3, 4], &[])
        ));
        assert!(quorums_intersect(&cs(&[1, 2, 3], &[]), &cs(&[1, 2], &[])));
        assert!(quorums_intersect(
            &cs(&[1, 2, 3, 4], &[]),
            &cs(&[1, 2, 3, 4, 5], &[])
        ));
    }

    #[test]
    fn two_voters_at_once_can_split_into_disjoint_quorums() {
        // {2, 3} is a quorum of the old, {4, 5} of the new.
        assert!(!quorums_intersect(
            &cs(&[1, 2, 3], &[]),
            &cs(&[1, 4, 5], &[])
        ));
        // Adding two to three voters: {1, 2} and {3, 4, 5}.
        assert!(!quorums_intersect(
            &cs(&[1, 2, 3], &[]),
            &cs(&[1, 2, 3, 4, 5], &[])
        ));
    }

    #[test]
    fn joint_consensus_bridges_the_same_change() {
        let old = cs(&[1, 2, 3], &[]);
        let joint = cs(&[1, 4, 5], &[1, 2, 3]);
        let new = cs(&[1, 4, 5], &[]);
        assert!(quorums_intersect(&old, &joint));
        assert!(quorums_intersect(&joint, &new));
        assert!(!quorums_intersect(&old, &new));
    }

    #[test]
    fn the_newest_configuration_is_the_one_at_the_highest_index() {
        let mut m = Membership::new([1, 2, 3]);
        assert_eq!(m.members(), [1, 2, 3].into_iter().collect());
        m.set(1, 10, cs(&[1, 2, 3, 4], &[]));
        m.set(2, 7, cs(&[1, 2], &[]));
        assert_eq!(m.latest(), &cs(&[1, 2, 3, 4], &[]));
        assert_eq!(m.of(3), &cs(&[1, 2, 3], &[]));
        assert_eq!(
            describe(&cs(&[1, 4, 5], &[1, 2, 3])),
            "voters=(1 4 5)&&(1 2 3)"
        );
    }
}
