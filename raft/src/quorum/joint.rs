//! Joint quorums, as etcd's `quorum.JointConfig`: two majority configurations that
//! must both agree (Raft thesis §4.3). Outside a joint transition the outgoing half is
//! empty, and an empty majority agrees to everything, so one type serves both cases.

use super::{majority, VoteResult};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The voters of a configuration: `incoming` always, `outgoing` during a joint
/// transition (empty otherwise).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JointConfig {
    /// The voters of the new (or only) configuration.
    pub incoming: BTreeSet<u64>,
    /// The voters of the old configuration while the transition lasts.
    pub outgoing: BTreeSet<u64>,
}

impl JointConfig {
    /// A non-joint configuration of `voters`.
    pub fn new(voters: impl IntoIterator<Item = u64>) -> JointConfig {
        JointConfig {
            incoming: voters.into_iter().collect(),
            outgoing: BTreeSet::new(),
        }
    }

    /// Whether the configuration is joint (the outgoing half is not empty).
    pub fn is_joint(&self) -> bool {
        !self.outgoing.is_empty()
    }

    /// Every voter, of either half.
    pub fn ids(&self) -> BTreeSet<u64> {
        self.incoming.union(&self.outgoing).copied().collect()
    }

    /// Whether `id` votes in either half.
    pub fn contains(&self, id: u64) -> bool {
        self.incoming.contains(&id) || self.outgoing.contains(&id)
    }

    /// The largest index acknowledged by a majority of each half: the smaller of the
    /// two halves' committed indexes (`u64::MAX` if both are empty).
    pub fn committed_index(&self, acked: impl Fn(u64) -> Option<u64>) -> u64 {
        let incoming = majority::committed_index(&self.incoming, &acked);
        let outgoing = majority::committed_index(&self.outgoing, &acked);
        incoming.min(outgoing)
    }

    /// The election result of `votes`: won only if both halves won, lost as soon as
    /// either half lost, pending otherwise.
    pub fn vote_result(&self, votes: &BTreeMap<u64, bool>) -> VoteResult {
        let incoming = majority::vote_result(&self.incoming, votes);
        let outgoing = majority::vote_result(&self.outgoing, votes);
        if incoming == outgoing {
            return incoming;
        }
        if incoming == VoteResult::Lost || outgoing == VoteResult::Lost {
            return VoteResult::Lost;
        }
        VoteResult::Pending
    }
}

/// `(1 2 3)` or, joint, `(1 2 3)&&(1 2 4)`, as etcd prints it.
impl fmt::Display for JointConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let half = |s: &BTreeSet<u64>| {
            let ids: Vec<String> = s.iter().map(u64::to_string).collect();
            format!("({})", ids.join(" "))
        };
        f.write_str(&half(&self.incoming))?;
        if self.is_joint() {
            write!(f, "&&{}", half(&self.outgoing))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use VoteResult::*;

    /// (incoming, outgoing, matches of nodes 1.., expected committed index)
    type CommitCase = (&'static [u64], &'static [u64], &'static [u64], u64);
    /// (incoming, outgoing, votes as (id, granted), expected result)
    type VoteCase = (
        &'static [u64],
        &'static [u64],
        &'static [(u64, bool)],
        VoteResult,
    );

    fn joint(incoming: &[u64], outgoing: &[u64]) -> JointConfig {
        JointConfig {
            incoming: incoming.iter().copied().collect(),
            outgoing: outgoing.iter().copied().collect(),
        }
    }

    /// `acked[id - 1]` is node id's match; ids past the table are unknown.
    fn committed(c: &JointConfig, acked: &[u64]) -> u64 {
        c.committed_index(|id| acked.get(id as usize - 1).copied())
    }

    #[test]
    fn committed_index_table() {
        let cases: &[CommitCase] = &[
            // Not joint: the plain majority value.
            (&[1, 2, 3], &[], &[10, 20, 30], 20),
            (&[1], &[], &[7], 7),
            // Both halves the same: the same as either.
            (&[1, 2, 3], &[1, 2, 3], &[10, 20, 30], 20),
            // Disjoint halves: the lagging half decides.
            (&[1, 2, 3], &[4, 5, 6], &[10, 20, 30, 1, 2, 3], 2),
            (&[1, 2, 3], &[4, 5, 6], &[1, 2, 3, 10, 20, 30], 2),
            // Overlapping halves (3 is in both): a majority of the incoming (1 2 3)
            // has 8, of the outgoing (3 4 5) only 5.
            (&[1, 2, 3], &[3, 4, 5], &[9, 8, 6, 5, 0], 5),
            // A two-node outgoing half needs both.
            (&[1, 2, 3], &[1, 4], &[9, 9, 9, 4], 4),
            // Unknown nodes count as 0.
            (&[1, 2, 3], &[1, 2, 7], &[5, 5, 5], 5),
            (&[1, 2, 3], &[1, 7, 8], &[5, 5, 5], 0),
            // An empty configuration agrees to everything.
            (&[], &[], &[1], u64::MAX),
        ];
        for &(inc, out, acked, want) in cases {
            let c = joint(inc, out);
            assert_eq!(committed(&c, acked), want, "{c} with matches {acked:?}");
        }
    }

    #[test]
    fn committed_index_is_the_smaller_half() {
        // Exhaustively over small matches: the joint value is the min of the halves.
        let c = joint(&[1, 2, 3], &[2, 3, 4, 5]);
        for mask in 0u32..(1 << 10) {
            let acked: Vec<u64> = (0..5).map(|k| u64::from((mask >> (2 * k)) & 3)).collect();
            let get = |id: u64| acked.get(id as usize - 1).copied();
            let want = majority::committed_index(&c.incoming, get)
                .min(majority::committed_index(&c.outgoing, get));
            assert_eq!(committed(&c, &acked), want, "{acked:?}");
        }
    }

    #[test]
    fn vote_result_table() {
        let cases: &[VoteCase] = &[
            (&[1, 2, 3], &[], &[(1, true), (2, true)], Won),
            (&[1, 2, 3], &[], &[(1, true)], Pending),
            // Won in the incoming half, still open in the outgoing one.
            (&[1, 2, 3], &[4, 5, 6], &[(1, true), (2, true)], Pending),
            (
                &[1, 2, 3],
                &[4, 5, 6],
                &[(1, true), (2, true), (4, true), (5, true)],
                Won,
            ),
            // Won in one half and lost in the other: lost.
            (
                &[1, 2, 3],
                &[4, 5, 6],
                &[(1, true), (2, true), (4, false), (5, false)],
                Lost,
            ),
            // Lost in one half while the other is open: lost already.
            (&[1, 2, 3], &[4, 5, 6], &[(4, false), (6, false)], Lost),
            // Shared voters count in both halves.
            (&[1, 2, 3], &[2, 3, 4], &[(2, true), (3, true)], Won),
            (&[1, 2, 3], &[2, 3, 4], &[(2, false), (3, false)], Lost),
            (&[1, 2, 3], &[2, 3, 4], &[(1, true), (2, true)], Pending),
            // Votes of non-voters do not count.
            (
                &[1, 2, 3],
                &[1, 2, 3],
                &[(7, true), (8, true), (1, true)],
                Pending,
            ),
            // An empty configuration wins every election.
            (&[], &[], &[], Won),
        ];
        for &(inc, out, votes, want) in cases {
            let c = joint(inc, out);
            let votes: BTreeMap<u64, bool> = votes.iter().copied().collect();
            assert_eq!(c.vote_result(&votes), want, "{c} with votes {votes:?}");
        }
    }

    #[test]
    fn display_prints_etcd_notation() {
        assert_eq!(joint(&[1, 2], &[]).to_string(), "(1 2)");
        assert_eq!(joint(&[1, 2], &[1, 3]).to_string(), "(1 2)&&(1 3)");
        assert!(joint(&[1], &[2]).contains(2) && !joint(&[1], &[2]).contains(3));
    }
}
